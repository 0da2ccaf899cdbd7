/** Every provider type the router speaks. */
export const PROVIDER_TYPES = [
  'openai',
  'azure-openai',
  'anthropic',
  'gemini',
  'ollama',
  'openrouter',
  'deepseek',
  'xai',
  'groq',
  'mistral',
  'zhipu',
  'aliyun',
  'openai-compatible',
  'mock',
] as const;

export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Retry policy: exponential backoff with jitter, honouring `Retry-After`. */
export interface RetryOptions {
  /** Retries after the first attempt, per provider. `0` disables retries. @default 2 */
  maxRetries?: number;
  /** Delay before the first retry, in ms. @default 500 */
  initialDelayMs?: number;
  /** Upper bound of one delay (also caps a provider's `Retry-After`), in ms. @default 10000 */
  maxDelayMs?: number;
  /** Growth factor between delays. @default 2 */
  multiplier?: number;
  /** HTTP statuses that are retried. Timeouts and network errors always are. @default [408, 409, 429, 500, 502, 503, 504, 529] */
  retryOnStatus?: number[];
}

/** Behaviour of the in-process `mock` provider. Deterministic for a given `seed`. */
export interface MockProviderOptions {
  /** Latency of a completion in ms (a number, or a `[min, max]` range drawn from the seeded generator). @default 0 */
  latencyMs?: number | [number, number];
  /** Delay between stream chunks in ms. @default 0 */
  chunkDelayMs?: number;
  /** Fraction (0–1) of attempts that fail with `errorStatus`. @default 0 */
  errorRate?: number;
  /** Status of injected failures. @default 503 */
  errorStatus?: number;
  /** Make every text reply exactly this many words (the reply's words repeated or cut); unset, the reply keeps its natural length. */
  completionTokens?: number;
  /** Words per stream chunk. @default 1 */
  chunkSize?: number;
  /** Fixed reply text. @default `Echo: <last user message>` (or of the last tool result) */
  reply?: string;
  /** Reasoning text sent before every answer (`message.reasoning`, `delta.reasoning`); its words count as completion and reasoning tokens. */
  reasoning?: string;
  /** Seed of the deterministic generator. @default 1 */
  seed?: number;
  /** Dimensions of mock embeddings. @default 8 */
  embeddingDimensions?: number;
}

/** One provider behind a router. */
export interface ProviderConfig {
  providerType: ProviderType;
  /** Unique name; the `provider` label in events and metrics. Defaults to `providerType`. */
  name?: string;
  /**
   * API key. Required by the hosted providers; never logged, never in errors, events or metrics.
   * Defaults to the provider's usual environment variable (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, …).
   */
  apiKey?: string;
  /** Base URL of the API, e.g. `https://api.openai.com/v1`. Defaults per provider type; required for `openai-compatible` and `azure-openai`. */
  baseUrl?: string;
  /**
   * The model used when a request names none (`mock` has one: `mock-model`). A request naming it is served
   * too (`listModels()` lists it); an alias of `models` sends the alias' model.
   */
  defaultModel?: string;
  /** The models this provider serves: a list of names, or a map from a public alias to the provider's model name. */
  models?: string[] | Record<string, string>;
  /** Per-attempt timeout in ms. @default 60000 */
  timeoutMs?: number;
  /** Short form of `retry.maxRetries`. */
  maxRetries?: number;
  /** Retry policy of this provider; overrides the router's. */
  retry?: RetryOptions;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Relative share of traffic for the `weighted` strategy. @default 1 */
  weight?: number;
  /** Azure OpenAI `api-version` query parameter. @default '2024-10-21' */
  apiVersion?: string;
  /** Azure OpenAI deployment; defaults to the model name. */
  deployment?: string;
  /** Connections kept per origin. @default 64 */
  connections?: number;
  /** Behaviour of the `mock` provider. */
  mock?: MockProviderOptions;
  /** Requests per minute this provider may receive; over it the provider is skipped (`rate_limited`). */
  rpm?: number;
  /** Tokens per minute this provider may receive (counted from usage, estimated before the attempt). */
  tpm?: number;
}
