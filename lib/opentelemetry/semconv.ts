import type { ProviderType } from '../config/index.js';

// Names of OpenTelemetry's GenAI semantic conventions (development status), written out here so that the
// entry point depends on @opentelemetry/api alone.

export const METRIC_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_TOKEN_USAGE = 'gen_ai.client.token.usage';
export const METRIC_TIME_TO_FIRST_CHUNK = 'gen_ai.client.operation.time_to_first_chunk';
export const METRIC_TIME_PER_OUTPUT_CHUNK = 'gen_ai.client.operation.time_per_output_chunk';

export const ATTR_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const ATTR_TOKEN_TYPE = 'gen_ai.token.type';
export const ATTR_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const ATTR_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
export const ATTR_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';

/** The router's own span attributes (not part of the conventions). */
export const ATTR_ROUTER_REQUEST_ID = 'llm_router.request_id';
export const ATTR_ROUTER_PROVIDER = 'llm_router.provider';
export const ATTR_ROUTER_ATTEMPT = 'llm_router.attempt';
export const ATTR_ROUTER_ABANDONED = 'llm_router.stream.abandoned';
export const ATTR_ROUTER_COST_USD = 'llm_router.cost_usd';

/**
 * Advisory bucket boundaries (seconds) of `gen_ai.client.operation.duration`,
 * `gen_ai.client.operation.time_to_first_chunk` and `gen_ai.client.operation.time_per_output_chunk`.
 */
export const GENAI_CLIENT_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]);

/** Advisory bucket boundaries (tokens) of `gen_ai.client.token.usage`. */
export const GENAI_CLIENT_TOKEN_USAGE_BUCKETS: readonly number[] = Object.freeze([
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]);

/** The conventions' well-known `gen_ai.provider.name` of each provider type that has one. */
const WELL_KNOWN_PROVIDER_NAMES: ReadonlyMap<string, string> = new Map<ProviderType, string>([
  ['openai', 'openai'],
  ['azure-openai', 'azure.ai.openai'],
  ['anthropic', 'anthropic'],
  ['gemini', 'gcp.gemini'],
  ['deepseek', 'deepseek'],
  ['groq', 'groq'],
  ['mistral', 'mistral_ai'],
  ['xai', 'x_ai'],
]);

/** `gen_ai.provider.name` of a provider type: the conventions' well-known value, else the type itself. */
export function genAiProviderName(providerType: string): string {
  return WELL_KNOWN_PROVIDER_NAMES.get(providerType) ?? providerType;
}
