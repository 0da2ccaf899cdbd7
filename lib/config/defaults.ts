import type { ProviderType } from './provider-config.js';
import type { ResolvedCircuitBreaker, ResolvedRetryPolicy } from './resolved-config.js';
import type { RoutingStrategy } from './router-options.js';

/** The default retry policy. */
export const DEFAULT_RETRY: ResolvedRetryPolicy = Object.freeze({
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  multiplier: 2,
  retryOnStatus: new Set([408, 409, 429, 500, 502, 503, 504, 529]),
});

/** The default circuit breaker. */
export const DEFAULT_CIRCUIT_BREAKER: ResolvedCircuitBreaker = Object.freeze({
  failureThreshold: 5,
  cooldownMs: 30_000,
  successThreshold: 1,
});

/** Per-attempt timeout (and a stream's idle timeout) in ms. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Connections kept per origin. */
export const DEFAULT_CONNECTIONS = 64;
/** Relative share of traffic for the `weighted` strategy. */
export const DEFAULT_WEIGHT = 1;
export const DEFAULT_STRATEGY: RoutingStrategy = 'fallback';
/** Azure OpenAI `api-version`. */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';
/** The model the `mock` provider answers with when the config names none. */
export const DEFAULT_MOCK_MODEL = 'mock-model';
/** Most model names whose routing targets a router caches, so that arbitrary names cannot grow memory. */
export const TARGET_CACHE_SIZE = 64;
/** Weight of the newest sample in a provider's latency moving average. */
export const LATENCY_EWMA_ALPHA = 0.2;

/** What a provider type needs and assumes when the config says nothing. */
export interface ProviderDefaults {
  /** Default base URL; undefined when the user must give one. */
  baseUrl: string | undefined;
  /** Whether an API key is required. */
  requiresKey: boolean;
  /** The environment variable `apiKey` defaults to. */
  apiKeyEnv: string | undefined;
  /** The model used when the config names no `defaultModel`. */
  defaultModel: string | undefined;
}

const hosted = (baseUrl: string | undefined, apiKeyEnv: string): ProviderDefaults => ({ baseUrl, requiresKey: true, apiKeyEnv, defaultModel: undefined });

/** Defaults of every provider type. */
export const PROVIDER_DEFAULTS: Readonly<Record<ProviderType, ProviderDefaults>> = Object.freeze({
  openai: hosted('https://api.openai.com/v1', 'OPENAI_API_KEY'),
  'azure-openai': hosted(undefined, 'AZURE_OPENAI_API_KEY'),
  anthropic: hosted('https://api.anthropic.com/v1', 'ANTHROPIC_API_KEY'),
  gemini: hosted('https://generativelanguage.googleapis.com/v1beta', 'GEMINI_API_KEY'),
  ollama: { baseUrl: 'http://127.0.0.1:11434', requiresKey: false, apiKeyEnv: undefined, defaultModel: undefined },
  openrouter: hosted('https://openrouter.ai/api/v1', 'OPENROUTER_API_KEY'),
  deepseek: hosted('https://api.deepseek.com/v1', 'DEEPSEEK_API_KEY'),
  xai: hosted('https://api.x.ai/v1', 'XAI_API_KEY'),
  groq: hosted('https://api.groq.com/openai/v1', 'GROQ_API_KEY'),
  mistral: hosted('https://api.mistral.ai/v1', 'MISTRAL_API_KEY'),
  zhipu: hosted('https://open.bigmodel.cn/api/paas/v4', 'ZHIPU_API_KEY'),
  aliyun: hosted('https://dashscope.aliyuncs.com/compatible-mode/v1', 'DASHSCOPE_API_KEY'),
  'openai-compatible': { baseUrl: undefined, requiresKey: false, apiKeyEnv: undefined, defaultModel: undefined },
  mock: { baseUrl: 'http://mock.invalid', requiresKey: false, apiKeyEnv: undefined, defaultModel: DEFAULT_MOCK_MODEL },
});

// ---- routing rules (lib/router/routing)
/** `least-latency`: a provider whose latest latency sample is older than this (router clock) is tried first again, to be measured anew. */
export const LATENCY_REPROBE_MS = 60_000;
/** Characters per token in the estimate of a request's prompt tokens (before usage is known). */
export const CHARS_PER_TOKEN = 4;
/** Tokens added to the prompt estimate per message (role and framing). */
export const TOKENS_PER_MESSAGE = 4;
/** `lowest-cost`: completion tokens a request is priced with when it sets no `maxTokens`. */
export const COST_COMPLETION_TOKENS = 256;
