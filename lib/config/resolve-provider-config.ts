import { ConfigurationError } from '../errors/llm-router-error.js';
import { describeValue, isObject, nonEmptyString, nonNegativeNumber, onlyKnownKeys, positiveNumber, headerRecord, isHeaderValue, trimHeaderValue } from './checks.js';
import { DEFAULT_AZURE_API_VERSION, DEFAULT_CONNECTIONS, DEFAULT_TIMEOUT_MS, DEFAULT_WEIGHT, PROVIDER_DEFAULTS } from './defaults.js';
import { PROVIDER_TYPES, type MockProviderOptions, type ProviderConfig, type ProviderType } from './provider-config.js';
import type { ResolvedProviderConfig, ResolvedRetryPolicy } from './resolved-config.js';
import { resolveRetry } from './resolve-retry.js';

const PROVIDER_KEYS = [
  'providerType', 'name', 'apiKey', 'baseUrl', 'defaultModel', 'models', 'timeoutMs', 'maxRetries', 'retry', 'headers',
  'weight', 'apiVersion', 'deployment', 'connections', 'mock', 'rpm', 'tpm',
] as const satisfies ReadonlyArray<keyof ProviderConfig>;
const MOCK_KEYS = [
  'latencyMs', 'chunkDelayMs', 'errorRate', 'errorStatus', 'completionTokens', 'chunkSize', 'reply', 'reasoning', 'seed', 'embeddingDimensions',
] as const satisfies ReadonlyArray<keyof MockProviderOptions>;

/** Where `apiKey` defaults from; the process environment unless a test passes its own. */
export type Environment = Readonly<Record<string, string | undefined>>;

function resolveModels(models: unknown, field: string): Map<string, string> | undefined {
  if (models === undefined) return undefined;
  const map = new Map<string, string>();
  if (Array.isArray(models)) {
    models.forEach((m, i) => {
      if (typeof m !== 'string' || m.length === 0) throw new ConfigurationError(`${field}[${i}]`, `must be a non-empty string, got ${describeValue(m)}`);
      map.set(m, m);
    });
  } else if (isObject(models)) {
    for (const [alias, target] of Object.entries(models)) {
      if (typeof target !== 'string' || target.length === 0) {
        throw new ConfigurationError(`${field}.${alias}`, `must be a non-empty model name, got ${describeValue(target)}`);
      }
      map.set(alias, target);
    }
  } else {
    throw new ConfigurationError(field, `must be an array of model names or a map alias -> model, got ${describeValue(models)}`);
  }
  if (map.size === 0) throw new ConfigurationError(field, 'must name at least one model');
  return map;
}

function resolveMock(value: unknown, at: (name: string) => string): MockProviderOptions {
  const mock = value ?? {};
  if (!isObject(mock)) throw new ConfigurationError(at('mock'), `must be an object, got ${describeValue(mock)}`);
  onlyKnownKeys(mock, MOCK_KEYS, at('mock'));
  const m = mock as MockProviderOptions;
  if (m.errorRate !== undefined && (typeof m.errorRate !== 'number' || !(m.errorRate >= 0 && m.errorRate <= 1))) {
    throw new ConfigurationError(at('mock.errorRate'), `must be a number from 0 to 1, got ${describeValue(m.errorRate)}`);
  }
  if (Array.isArray(m.latencyMs)) {
    const [lo, hi] = m.latencyMs;
    nonNegativeNumber(lo, at('mock.latencyMs[0]'));
    nonNegativeNumber(hi, at('mock.latencyMs[1]'));
    if (hi! < lo!) throw new ConfigurationError(at('mock.latencyMs'), 'must be [min, max] with min <= max');
  } else nonNegativeNumber(m.latencyMs, at('mock.latencyMs'));
  for (const key of ['chunkDelayMs', 'completionTokens', 'chunkSize', 'seed', 'embeddingDimensions'] as const) {
    nonNegativeNumber(m[key], at(`mock.${key}`), key !== 'chunkDelayMs');
  }
  if (m.errorStatus !== undefined && !(Number.isInteger(m.errorStatus) && m.errorStatus >= 100 && m.errorStatus <= 599)) {
    throw new ConfigurationError(at('mock.errorStatus'), `must be an HTTP status code (100–599), got ${describeValue(m.errorStatus)}`);
  }
  if (m.reply !== undefined && typeof m.reply !== 'string') throw new ConfigurationError(at('mock.reply'), `must be a string, got ${describeValue(m.reply)}`);
  if (m.reasoning !== undefined && typeof m.reasoning !== 'string') throw new ConfigurationError(at('mock.reasoning'), `must be a string, got ${describeValue(m.reasoning)}`);
  return m;
}

function resolveApiKey(config: ProviderConfig, type: ProviderType, at: (name: string) => string, env: Environment): string | undefined {
  const defaults = PROVIDER_DEFAULTS[type];
  let apiKey: unknown = config.apiKey;
  if (apiKey !== undefined && typeof apiKey !== 'string') throw new ConfigurationError(at('apiKey'), `must be a string, got ${describeValue(apiKey)}`);
  if (apiKey === undefined && defaults.apiKeyEnv !== undefined) apiKey = env[defaults.apiKeyEnv];
  const key = typeof apiKey === 'string' && apiKey.trim() !== '' ? trimHeaderValue(apiKey) : undefined;
  if (key !== undefined && !isHeaderValue(key)) {
    throw new ConfigurationError(at('apiKey'), 'must be made of header characters (no line break or control character inside it, Latin-1 only)');
  }
  if (defaults.requiresKey && key === undefined) {
    const fromEnv = defaults.apiKeyEnv === undefined ? '' : ` (or set ${defaults.apiKeyEnv})`;
    throw new ConfigurationError(at('apiKey'), `is required for providerType "${type}"${fromEnv}`);
  }
  if (type === 'zhipu' && key !== undefined && !/^[^.\s]+\.[^.\s]+$/.test(key)) {
    throw new ConfigurationError(at('apiKey'), 'must have the form "id.secret" for providerType "zhipu"');
  }
  return key;
}

function resolveBaseUrl(config: ProviderConfig, type: ProviderType, at: (name: string) => string): URL {
  const raw: unknown = config.baseUrl ?? PROVIDER_DEFAULTS[type].baseUrl;
  if (raw === undefined) throw new ConfigurationError(at('baseUrl'), `is required for providerType "${type}"`);
  if (typeof raw !== 'string') throw new ConfigurationError(at('baseUrl'), `must be a string, got ${describeValue(raw)}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError(at('baseUrl'), 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigurationError(at('baseUrl'), 'must use http or https');
  if (url.username !== '' || url.password !== '') throw new ConfigurationError(at('baseUrl'), 'must not carry credentials; use apiKey');
  return url;
}

/**
 * Validates one provider config and applies defaults. `field` is its path (`providers[1]`, or '' for a
 * `Client`); `routerRetry` is the policy it inherits; `owner` names it in an unknown key's error. Every
 * mistake throws `ConfigurationError` naming the field, never quoting a value that could be a secret.
 */
export function resolveProviderConfig(
  config: ProviderConfig,
  field: string,
  routerRetry: ResolvedRetryPolicy,
  env: Environment = process.env,
  owner = field,
): ResolvedProviderConfig {
  const at = (name: string): string => (field === '' ? name : `${field}.${name}`);
  if (!isObject(config)) throw new ConfigurationError(field || 'options', `must be an object, got ${describeValue(config)}`);
  onlyKnownKeys(config, PROVIDER_KEYS, field, owner);
  const type = config.providerType as ProviderType;
  if (!PROVIDER_TYPES.includes(type)) {
    throw new ConfigurationError(at('providerType'), `must be one of ${PROVIDER_TYPES.join(', ')}; got ${describeValue(config.providerType)}`);
  }
  const name = nonEmptyString(config.name, at('name'));
  const apiKey = resolveApiKey(config, type, at, env);
  const url = resolveBaseUrl(config, type, at);
  const basePath = url.pathname.replace(/\/+$/, '');
  if (config.defaultModel !== undefined && (typeof config.defaultModel !== 'string' || config.defaultModel === '')) {
    throw new ConfigurationError(at('defaultModel'), `must be a non-empty string, got ${describeValue(config.defaultModel)}`);
  }
  const headers = headerRecord(config.headers, at('headers'));
  const apiVersion = nonEmptyString(config.apiVersion, at('apiVersion'));
  const deployment = nonEmptyString(config.deployment, at('deployment'));
  return {
    providerType: type,
    name: name ?? type,
    apiKey,
    baseUrl: `${url.origin}${basePath}`,
    origin: url.origin,
    basePath,
    defaultModel: config.defaultModel ?? (type === 'azure-openai' ? deployment : config.models === undefined ? PROVIDER_DEFAULTS[type].defaultModel : undefined),
    models: resolveModels(config.models, at('models')),
    timeoutMs: positiveNumber(config.timeoutMs, at('timeoutMs')) ?? DEFAULT_TIMEOUT_MS,
    retry: resolveRetry(config.retry, config.maxRetries, routerRetry, at('retry')),
    headers: { ...headers },
    weight: positiveNumber(config.weight, at('weight')) ?? DEFAULT_WEIGHT,
    apiVersion: apiVersion ?? (type === 'azure-openai' ? DEFAULT_AZURE_API_VERSION : undefined),
    deployment,
    connections: positiveNumber(config.connections, at('connections'), true) ?? DEFAULT_CONNECTIONS,
    mock: resolveMock(config.mock, at),
    rpm: positiveNumber(config.rpm, at('rpm')),
    tpm: positiveNumber(config.tpm, at('tpm')),
  };
}
