import { readFileSync } from 'node:fs';
import { type SampleTelemetryConfig, telemetryConfigFrom } from './telemetry.js';
import { LlmRouter, type CircuitBreakerOptions, type LlmRouterOptions, type BudgetConfig, type ModelPrice, type SharedStateOptions, type ProviderConfig, type ProviderType, type RetryOptions, type RoutingStrategy } from 'llm-api-router';

/** The sample app's configuration, from the environment and an optional JSON file. */
export interface SampleConfig {
  /** The router options (providers, strategy, retry, circuit breaker, prices, budgets, shared state). */
  router: Pick<LlmRouterOptions, 'providers' | 'strategy' | 'retry' | 'circuitBreaker' | 'prices' | 'budgets' | 'sharedState'>;
  port: number;
  host: string;
  metricsPath: string;
  /** Where the providers come from: the embedded mocks, API keys in the environment, or the JSON file. */
  source: 'mock' | 'env' | 'file';
  /** OpenTelemetry export (OTLP/HTTP), on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. */
  telemetry?: SampleTelemetryConfig;
}

/** The JSON file named by `LLM_ROUTER_CONFIG`. Strings may reference the environment as `${NAME}`. */
export interface SampleConfigFile {
  providers?: ProviderConfig[];
  strategy?: RoutingStrategy;
  retry?: RetryOptions;
  circuitBreaker?: CircuitBreakerOptions | false;
  /** USD per million tokens, keyed by the model name sent to the provider (over the bundled price table). */
  prices?: Record<string, ModelPrice>;
  /** Spending limits (`BudgetExceededError`, a 429, once exhausted). */
  budgets?: BudgetConfig[];
  /** Share rate-limit counts, budget spend, cooldowns and circuit states over Redis (`REDIS_URL` sets `redis`). */
  sharedState?: SharedStateOptions;
  port?: number;
  host?: string;
  metrics?: { path?: string };
}

/** Hosted providers enabled by an API key in the environment, in fallback order. */
const KEYED_PROVIDERS: ReadonlyArray<{ type: ProviderType; keys: string[]; model: string; prefix: string }> = [
  { type: 'openai', keys: ['OPENAI_API_KEY'], model: 'gpt-4o-mini', prefix: 'OPENAI' },
  { type: 'anthropic', keys: ['ANTHROPIC_API_KEY'], model: 'claude-3-5-haiku-latest', prefix: 'ANTHROPIC' },
  { type: 'gemini', keys: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], model: 'gemini-2.0-flash', prefix: 'GEMINI' },
  { type: 'groq', keys: ['GROQ_API_KEY'], model: 'llama-3.1-8b-instant', prefix: 'GROQ' },
  { type: 'mistral', keys: ['MISTRAL_API_KEY'], model: 'mistral-small-latest', prefix: 'MISTRAL' },
  { type: 'deepseek', keys: ['DEEPSEEK_API_KEY'], model: 'deepseek-chat', prefix: 'DEEPSEEK' },
  { type: 'xai', keys: ['XAI_API_KEY'], model: 'grok-3-mini', prefix: 'XAI' },
  { type: 'openrouter', keys: ['OPENROUTER_API_KEY'], model: 'openai/gpt-4o-mini', prefix: 'OPENROUTER' },
  { type: 'zhipu', keys: ['ZHIPU_API_KEY'], model: 'glm-4-flash', prefix: 'ZHIPU' },
  { type: 'aliyun', keys: ['DASHSCOPE_API_KEY'], model: 'qwen-turbo', prefix: 'DASHSCOPE' },
];

/** The public model names of the embedded mock providers. */
export const MOCK_MODELS = ['mock-chat', 'mock-chat-mini'] as const;

/** Prices of the mock models (USD per million tokens), so that the mocks cost something on the dashboard. */
export const MOCK_PRICES: Record<(typeof MOCK_MODELS)[number], ModelPrice> = {
  'mock-chat': { inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25 },
  'mock-chat-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 },
};

/** The budget of the mock setup: a generous daily limit, so that its remaining-USD gauge moves. */
export const MOCK_BUDGETS: BudgetConfig[] = [{ name: 'sample-daily', limitUsd: 50, windowMs: 86_400_000 }];

/**
 * The two embedded providers used when no key is configured, behind the fallback strategy: `mock-fast`
 * (20–60 ms, 10% 503s, retried once, then fallback) and `mock-steady` (80–200 ms, 1% 429s), both
 * streaming with delays between chunks, so that a dashboard shows retries, fallbacks and errors.
 */
export function mockProviders(): ProviderConfig[] {
  const models = [...MOCK_MODELS];
  return [
    {
      providerType: 'mock',
      name: 'mock-fast',
      defaultModel: models[0],
      models,
      maxRetries: 1,
      mock: { latencyMs: [20, 60], chunkDelayMs: 12, errorRate: 0.1, errorStatus: 503, completionTokens: 24, chunkSize: 2, seed: 7 },
    },
    {
      providerType: 'mock',
      name: 'mock-steady',
      defaultModel: models[0],
      models,
      maxRetries: 1,
      mock: { latencyMs: [80, 200], chunkDelayMs: 25, errorRate: 0.01, errorStatus: 429, completionTokens: 40, chunkSize: 3, seed: 11 },
    },
  ];
}

function envProviders(env: NodeJS.ProcessEnv): ProviderConfig[] {
  const out: ProviderConfig[] = [];
  const models = (prefix: string, fallback: string): { defaultModel: string; models: string[] } => {
    const defaultModel = env[`${prefix}_MODEL`] || fallback;
    const extra = (env[`${prefix}_MODELS`] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return { defaultModel, models: [...new Set([defaultModel, ...extra])] };
  };
  for (const p of KEYED_PROVIDERS) {
    const apiKey = p.keys.map((k) => env[k]).find((v) => v !== undefined && v.trim() !== '');
    if (apiKey === undefined) continue;
    const baseUrl = env[`${p.prefix}_BASE_URL`];
    out.push({ providerType: p.type, name: p.type, apiKey, ...(baseUrl ? { baseUrl } : {}), ...models(p.prefix, p.model) });
  }
  if (env.AZURE_OPENAI_API_KEY && env.AZURE_OPENAI_ENDPOINT) {
    const m = models('AZURE_OPENAI', env.AZURE_OPENAI_DEPLOYMENT || 'gpt-4o-mini');
    out.push({ providerType: 'azure-openai', name: 'azure-openai', apiKey: env.AZURE_OPENAI_API_KEY, baseUrl: env.AZURE_OPENAI_ENDPOINT, ...m });
  }
  if (env.OLLAMA_BASE_URL) out.push({ providerType: 'ollama', name: 'ollama', baseUrl: env.OLLAMA_BASE_URL, ...models('OLLAMA', 'llama3.2') });
  if (env.OPENAI_COMPATIBLE_BASE_URL) {
    out.push({
      providerType: 'openai-compatible',
      name: env.OPENAI_COMPATIBLE_NAME || 'openai-compatible',
      baseUrl: env.OPENAI_COMPATIBLE_BASE_URL,
      ...(env.OPENAI_COMPATIBLE_API_KEY ? { apiKey: env.OPENAI_COMPATIBLE_API_KEY } : {}),
      ...models('OPENAI_COMPATIBLE', 'default'),
    });
  }
  return out;
}

/** Replaces `${NAME}` in every string of a parsed JSON value by the environment's value ('' when unset). */
function substituteEnv(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
  if (Array.isArray(value)) return value.map((v) => substituteEnv(v, env));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env)]));
  }
  return value;
}

/** The keys of a `LLM_ROUTER_CONFIG` file. */
const FILE_KEYS = ['providers', 'strategy', 'retry', 'circuitBreaker', 'prices', 'budgets', 'sharedState', 'port', 'host', 'metrics'] as const satisfies ReadonlyArray<keyof SampleConfigFile>;

function readConfigFile(path: string, env: NodeJS.ProcessEnv): SampleConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`LLM_ROUTER_CONFIG: cannot read ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`LLM_ROUTER_CONFIG: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`LLM_ROUTER_CONFIG: ${path} must hold a JSON object`);
  // A mistyped key would otherwise be ignored; the router checks the keys inside the router options.
  const unknownKey = (keys: readonly string[], value: object, prefix = ''): void => {
    const key = Object.keys(value).find((k) => !keys.includes(k));
    if (key !== undefined) throw new Error(`LLM_ROUTER_CONFIG: ${path}: "${prefix}${key.slice(0, 60)}" is not an option (options: ${keys.map((k) => prefix + k).join(', ')})`);
  };
  unknownKey(FILE_KEYS, json);
  const metrics = (json as { metrics?: unknown }).metrics;
  if (typeof metrics === 'object' && metrics !== null) unknownKey(['path'], metrics, 'metrics.');
  return substituteEnv(json, env) as SampleConfigFile;
}

function parsePort(value: string | number | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a whole number from 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}

/**
 * Loads the configuration: providers from `LLM_ROUTER_CONFIG` (a JSON file) if it lists any, else from the
 * API keys in the environment (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, … and
 * `OPENAI_COMPATIBLE_BASE_URL`, `OLLAMA_BASE_URL`), else the two embedded mock providers.
 * `PORT` (default 3000), `HOST` (default 127.0.0.1), `METRICS_PATH`, `LLM_ROUTER_STRATEGY` and `REDIS_URL`
 * (+ `REDIS_KEY_PREFIX`: the router's `sharedState`) override the file. The mocks come with prices and a
 * daily budget, so that cost and budget panels have data.
 */
export function loadSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const file = env.LLM_ROUTER_CONFIG ? readConfigFile(env.LLM_ROUTER_CONFIG, env) : {};
  let source: SampleConfig['source'] = 'file';
  let providers = file.providers ?? [];
  if (providers.length === 0) {
    providers = envProviders(env);
    source = 'env';
  }
  const mocks = providers.length === 0;
  if (mocks) {
    providers = mockProviders();
    source = 'mock';
  }
  const strategy = (env.LLM_ROUTER_STRATEGY as RoutingStrategy | undefined) || file.strategy || 'fallback';
  const retry = file.retry ?? (mocks ? { maxRetries: 1, initialDelayMs: 25, maxDelayMs: 250 } : undefined);
  const circuitBreaker = file.circuitBreaker ?? (mocks ? { failureThreshold: 4, cooldownMs: 10_000 } : undefined);
  const prices = mocks ? { ...MOCK_PRICES, ...file.prices } : file.prices;
  const budgets = file.budgets ?? (mocks ? MOCK_BUDGETS : undefined);
  const telemetry = telemetryConfigFrom(env);
  const sharedState = env.REDIS_URL ? { ...file.sharedState, redis: env.REDIS_URL, ...(env.REDIS_KEY_PREFIX ? { keyPrefix: env.REDIS_KEY_PREFIX } : {}) } : file.sharedState;
  return {
    router: {
      providers,
      strategy,
      ...(retry === undefined ? {} : { retry }),
      ...(circuitBreaker === undefined ? {} : { circuitBreaker }),
      ...(prices === undefined ? {} : { prices }),
      ...(budgets === undefined ? {} : { budgets }),
      ...(sharedState === undefined ? {} : { sharedState }),
    },
    port: parsePort(env.PORT ?? file.port, 3000),
    host: env.HOST || file.host || '127.0.0.1',
    metricsPath: env.METRICS_PATH || file.metrics?.path || '/metrics',
    source,
    ...(telemetry === undefined ? {} : { telemetry }),
  };
}

/** One line per provider, for the start-up banner. Never shows a key. */
export function describeProviders(config: SampleConfig): string[] {
  return config.router.providers.map((p) => {
    const name = p.name ?? p.providerType;
    const models = Array.isArray(p.models) ? p.models.join(', ') : p.models === undefined ? (p.defaultModel ?? 'any') : Object.keys(p.models).join(', ');
    return `  ${name} (${p.providerType}${p.baseUrl ? ` at ${p.baseUrl}` : ''}): ${models}`;
  });
}

/**
 * Builds (and closes) a router from the configuration, so that a mistake in it (a `ConfigurationError`
 * naming the field) surfaces before the framework starts, as one line rather than a framework's log.
 */
export async function checkRouterConfig(config: SampleConfig): Promise<void> {
  await new LlmRouter({ ...config.router, metricsEnabled: false }).close();
}
