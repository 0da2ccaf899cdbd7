import type { ProviderType } from '../../config/index.js';
import { OPENAI_WIRE, type OpenAiWireOptions } from './openai-wire.js';

/** The provider types that speak OpenAI's Chat Completions format. */
export type OpenAiFamilyType = Extract<
  ProviderType,
  'openai' | 'azure-openai' | 'openrouter' | 'deepseek' | 'xai' | 'groq' | 'mistral' | 'zhipu' | 'aliyun' | 'openai-compatible'
>;

/** How one member of the family differs from OpenAI: request options and embeddings support. */
export interface OpenAiFamilyPreset {
  readonly wire: Readonly<OpenAiWireOptions>;
  /** Whether the API has an OpenAI-style `/embeddings` endpoint. */
  readonly embeddings: boolean;
  /** Name of the embeddings' vector-size field (`output_dimension` on Mistral). */
  readonly dimensionsField: 'dimensions' | 'output_dimension';
  /** Whether the embeddings endpoint takes `encoding_format`. */
  readonly encodingFormat: boolean;
}

const compatible: OpenAiWireOptions = { ...OPENAI_WIRE, maxTokensField: 'max_tokens', developerRole: false };

function preset(wire: Partial<OpenAiWireOptions>, embeddings: boolean, extra: Partial<OpenAiFamilyPreset> = {}): OpenAiFamilyPreset {
  return Object.freeze({
    wire: Object.freeze({ ...compatible, ...wire }),
    embeddings,
    dimensionsField: 'dimensions',
    encodingFormat: true,
    ...extra,
  });
}

/**
 * What each OpenAI-compatible API accepts, from its own reference:
 * - `openai`: `max_completion_tokens`, the `developer` role, `stream_options.include_usage`.
 * - `azure-openai` (api-version 2024-10-21): `max_tokens`, no `developer` role, the model comes from the
 *   deployment path so `model` is not sent.
 * - `openrouter`: usage is always on the last chunk (`stream_options.include_usage` has no effect).
 * - `deepseek`: no `seed`, no `user`; asks for usage with `stream_options`.
 * - `xai`, `groq`: `max_completion_tokens` (`max_tokens` is deprecated); Groq also reports usage in `x_groq.usage`.
 * - `mistral`: rejects unknown fields (422 `extra_forbidden`): no `stream_options` (usage always comes on
 *   the last chunk), no `max_completion_tokens`, `random_seed` instead of `seed`, no `user`, no message `name`;
 *   embeddings take `output_dimension`.
 * - `zhipu`: `user_id`, no `seed` or penalties, `tool_choice` only `auto`, usage always on the last chunk.
 * - `aliyun` (DashScope compatible mode): `stream_options.include_usage`, no `user`.
 * - `openai-compatible` (vLLM, LM Studio, Together…): the common subset, `max_tokens`.
 */
export const OPENAI_FAMILY_PRESETS: Readonly<Record<OpenAiFamilyType, OpenAiFamilyPreset>> = Object.freeze({
  openai: preset(OPENAI_WIRE, true),
  'azure-openai': preset({ sendModel: false }, true),
  openrouter: preset({ includeUsage: false }, true),
  deepseek: preset({ seedField: null, userField: null }, false),
  xai: preset({ maxTokensField: 'max_completion_tokens' }, false),
  groq: preset({ maxTokensField: 'max_completion_tokens' }, false),
  mistral: preset({ includeUsage: false, seedField: 'random_seed', userField: null, messageNames: false }, true, {
    dimensionsField: 'output_dimension',
  }),
  zhipu: preset({ includeUsage: false, seedField: null, userField: 'user_id', penalties: false, toolChoice: 'auto-only' }, true, {
    encodingFormat: false,
  }),
  aliyun: preset({ userField: null }, true),
  'openai-compatible': preset({}, true),
});

/** Whether a provider type belongs to the OpenAI family. */
export function isOpenAiFamily(type: ProviderType): type is OpenAiFamilyType {
  return Object.prototype.hasOwnProperty.call(OPENAI_FAMILY_PRESETS, type);
}
