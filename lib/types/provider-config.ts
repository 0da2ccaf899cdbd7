import type { Logger } from '../logging/logger.js';

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
  /** Retries after the first attempt, per provider. `0` disables retries. Default 2. */
  maxRetries?: number;
  /** Delay before the first retry. Default 500 ms. */
  initialDelayMs?: number;
  /** Upper bound of one delay (also caps a provider's `Retry-After`). Default 10,000 ms. */
  maxDelayMs?: number;
  /** Growth factor between delays. Default 2. */
  multiplier?: number;
  /** HTTP statuses that are retried. Default 408, 409, 429, 500, 502, 503, 504, 529. Timeouts and network errors always are. */
  retryOnStatus?: number[];
}

/** Behaviour of the in-process `mock` provider. Deterministic for a given `seed`. */
export interface MockProviderOptions {
  /** Latency of a completion in ms (a number, or a `[min, max]` range drawn from the seeded generator). Default 0. */
  latencyMs?: number | [number, number];
  /** Delay between stream chunks in ms. Default 0. */
  chunkDelayMs?: number;
  /** Fraction (0–1) of attempts that fail with `errorStatus`. Default 0. */
  errorRate?: number;
  /** Status of injected failures. Default 503. */
  errorStatus?: number;
  /** Completion tokens per answer (words of the reply). Default 16. */
  completionTokens?: number;
  /** Words per stream chunk. Default 1. */
  chunkSize?: number;
  /** Fixed reply text; default echoes the last user message. */
  reply?: string;
  /** Seed of the deterministic generator. Default 1. */
  seed?: number;
  /** Dimensions of mock embeddings. Default 8. */
  embeddingDimensions?: number;
}

/** One provider behind a router. */
export interface ProviderConfig {
  providerType: ProviderType;
  /** Unique name; the `provider` label in events and metrics. Defaults to `providerType`. */
  name?: string;
  /** API key. Required by the hosted providers; never logged, never in errors, events or metrics. */
  apiKey?: string;
  /** Base URL of the API, e.g. `https://api.openai.com/v1`. Defaults per provider type; required for `openai-compatible` and `azure-openai`. */
  baseUrl?: string;
  /** The model used when a request names none. */
  defaultModel?: string;
  /** The models this provider serves: a list of names, or a map from a public alias to the provider's model name. */
  models?: string[] | Record<string, string>;
  /** Per-attempt timeout in ms. Default 60,000. */
  timeoutMs?: number;
  /** Short form of `retry.maxRetries`. */
  maxRetries?: number;
  /** Retry policy of this provider; overrides the router's. */
  retry?: RetryOptions;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Relative share of traffic for the `weighted` strategy. Default 1. */
  weight?: number;
  /** Azure OpenAI `api-version` query parameter. Default `2024-10-21`. */
  apiVersion?: string;
  /** Azure OpenAI deployment; defaults to the model name. */
  deployment?: string;
  /** Connections kept per origin. Default 64. */
  connections?: number;
  /** Behaviour of the `mock` provider. */
  mock?: MockProviderOptions;
  /** Requests per minute this provider may receive; over it the provider is skipped (`rate_limited`). */
  rpm?: number;
  /** Tokens per minute this provider may receive (counted from usage, estimated before the attempt). */
  tpm?: number;
}

/** USD per million tokens of one model. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  /** Price of input tokens read from the prompt cache; defaults to `inputPerMillion`. */
  cachedInputPerMillion?: number;
  /** Price of input tokens written to the prompt cache; defaults to `inputPerMillion`. */
  cacheWriteInputPerMillion?: number;
}

/** A spending limit over a rolling window, for the requests that match it. */
export interface BudgetConfig {
  /** Unique; the `budget` label of `llm_router_budget_remaining_usd`. */
  name: string;
  limitUsd: number;
  windowMs: number;
  /** Only attempts on this provider (its `name`) count and are stopped. */
  provider?: string;
  /** Only attempts on this model (the name sent to the provider). */
  model?: string;
  /** Only requests whose `metadata` has all of these entries. */
  metadata?: Record<string, string>;
}

/** Router state shared over Redis by every router with the same prefix. */
export interface SharedStateOptions {
  /** A Redis URL (`redis://host:port/db`) or an existing ioredis client. */
  redis: string | object;
  /** Prefix of every key. Default `llm-router:`. */
  keyPrefix?: string;
}

/** Circuit breaker: a provider that keeps failing is skipped for a cool-down, then probed. */
export interface CircuitBreakerOptions {
  /** Consecutive failed attempts that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit skips the provider before one probe is let through. Default 30,000 ms. */
  cooldownMs?: number;
  /** Successful probes that close a half-open circuit. Default 1. */
  successThreshold?: number;
}

/** How the router orders its providers for each request. */
export type RoutingStrategy =
  | 'fallback'
  | 'round-robin'
  | 'weighted'
  | 'least-latency'
  | 'least-busy'
  | 'lowest-cost'
  | 'usage-based';

/** Options shared by `Client` and `LlmRouter`. */
export interface RouterCommonOptions {
  /** Record metrics. Default true. */
  metricsEnabled?: boolean;
  /** The collector that records this router's events. Default: the process-wide collector. */
  metricsCollector?: import('../metrics/metrics-collector.js').MetricsCollector;
  /** Any object with debug/info/warn/error (pino, console, Nest's Logger). Silent by default. */
  logger?: Logger;
  /** Prices by the model name sent to the provider; override the bundled table. */
  prices?: Record<string, ModelPrice>;
  /** Milliseconds now; drives every time rule (windows, cooldowns, budgets, breaker). Default `Date.now`. */
  clock?: () => number;
}

/** Options of `LlmRouter`. */
export interface LlmRouterOptions extends RouterCommonOptions {
  providers: ProviderConfig[];
  /** Default `'fallback'`: providers in the order given. */
  strategy?: RoutingStrategy;
  /** Retry policy for every provider that sets none of its own. */
  retry?: RetryOptions;
  /** Circuit breaking; `false` turns it off. On by default with the defaults of `CircuitBreakerOptions`. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Spending limits; a request matching an exhausted one throws `BudgetExceededError` before any network call. */
  budgets?: BudgetConfig[];
  /** Share limits, budget spend, cooldowns and circuit states over Redis. */
  sharedState?: SharedStateOptions;
}

/** Options of `Client`: one provider plus the router options. */
export type ClientOptions = ProviderConfig & RouterCommonOptions & { circuitBreaker?: CircuitBreakerOptions | false };
