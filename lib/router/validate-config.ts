import { ConfigurationError } from '../errors/llm-router-error.js';
import { PROVIDER_DEFAULTS } from '../providers/provider-defaults.js';
import type { ResolvedProviderConfig, ResolvedRetryPolicy } from '../providers/resolved-provider-config.js';
import {
  PROVIDER_TYPES,
  type CircuitBreakerOptions,
  type ProviderConfig,
  type ProviderType,
  type RetryOptions,
  type RoutingStrategy,
} from '../types/provider-config.js';

/** The default retry policy. */
export const DEFAULT_RETRY: ResolvedRetryPolicy = Object.freeze({
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  multiplier: 2,
  retryOnStatus: new Set([408, 409, 429, 500, 502, 503, 504, 529]),
});

const STRATEGIES: readonly RoutingStrategy[] = ['fallback', 'round-robin', 'weighted', 'least-latency'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function nonNegativeNumber(value: unknown, field: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new ConfigurationError(field, `must be a ${integer ? 'whole ' : ''}number >= 0, got ${describe(value)}`);
  }
  return value;
}

function positiveNumber(value: unknown, field: string): number | undefined {
  const n = nonNegativeNumber(value, field);
  if (n === 0) throw new ConfigurationError(field, 'must be greater than 0, got 0');
  return n;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Validates a retry policy and fills in defaults from `base`. */
export function resolveRetry(
  retry: RetryOptions | undefined,
  maxRetries: number | undefined,
  base: ResolvedRetryPolicy,
  field: string,
): ResolvedRetryPolicy {
  if (retry !== undefined && !isObject(retry)) throw new ConfigurationError(field, `must be an object, got ${describe(retry)}`);
  const r = retry ?? {};
  const statuses = r.retryOnStatus;
  if (statuses !== undefined && (!Array.isArray(statuses) || statuses.some((s) => !Number.isInteger(s) || s < 100 || s > 599))) {
    throw new ConfigurationError(`${field}.retryOnStatus`, 'must be an array of HTTP status codes (100–599)');
  }
  const multiplier = nonNegativeNumber(r.multiplier, `${field}.multiplier`);
  if (multiplier !== undefined && multiplier < 1) throw new ConfigurationError(`${field}.multiplier`, `must be >= 1, got ${multiplier}`);
  const resolved: ResolvedRetryPolicy = {
    maxRetries:
      nonNegativeNumber(maxRetries, field.replace(/retry$/, 'maxRetries'), true) ??
      nonNegativeNumber(r.maxRetries, `${field}.maxRetries`, true) ??
      base.maxRetries,
    initialDelayMs: nonNegativeNumber(r.initialDelayMs, `${field}.initialDelayMs`) ?? base.initialDelayMs,
    maxDelayMs: nonNegativeNumber(r.maxDelayMs, `${field}.maxDelayMs`) ?? base.maxDelayMs,
    multiplier: multiplier ?? base.multiplier,
    retryOnStatus: statuses === undefined ? base.retryOnStatus : new Set(statuses),
  };
  if (resolved.maxDelayMs < resolved.initialDelayMs) {
    throw new ConfigurationError(`${field}.maxDelayMs`, `must be >= initialDelayMs (${resolved.initialDelayMs})`);
  }
  return resolved;
}

function resolveModels(models: unknown, field: string): Map<string, string> | undefined {
  if (models === undefined) return undefined;
  const map = new Map<string, string>();
  if (Array.isArray(models)) {
    models.forEach((m, i) => {
      if (typeof m !== 'string' || m.length === 0) throw new ConfigurationError(`${field}[${i}]`, `must be a non-empty string, got ${describe(m)}`);
      map.set(m, m);
    });
  } else if (isObject(models)) {
    for (const [alias, target] of Object.entries(models)) {
      if (typeof target !== 'string' || target.length === 0) {
        throw new ConfigurationError(`${field}.${alias}`, `must be a non-empty model name, got ${describe(target)}`);
      }
      map.set(alias, target);
    }
  } else {
    throw new ConfigurationError(field, `must be an array of model names or a map alias -> model, got ${describe(models)}`);
  }
  if (map.size === 0) throw new ConfigurationError(field, 'must name at least one model');
  return map;
}

/** Validates one provider config (`field` is its path, e.g. `providers[1]`) and applies defaults. */
export function resolveProviderConfig(config: ProviderConfig, field: string, routerRetry: ResolvedRetryPolicy): ResolvedProviderConfig {
  const at = (name: string): string => (field === '' ? name : `${field}.${name}`);
  if (!isObject(config)) throw new ConfigurationError(field || 'options', `must be an object, got ${describe(config)}`);
  const type = config.providerType as ProviderType;
  if (!PROVIDER_TYPES.includes(type)) {
    throw new ConfigurationError(at('providerType'), `must be one of ${PROVIDER_TYPES.join(', ')}; got ${describe(config.providerType)}`);
  }
  const defaults = PROVIDER_DEFAULTS[type];
  if (config.name !== undefined && (typeof config.name !== 'string' || config.name.trim() === '')) {
    throw new ConfigurationError(at('name'), `must be a non-empty string, got ${describe(config.name)}`);
  }
  const apiKey = config.apiKey;
  if (apiKey !== undefined && typeof apiKey !== 'string') throw new ConfigurationError(at('apiKey'), `must be a string, got a ${typeof apiKey}`);
  if (defaults.requiresKey && (apiKey === undefined || apiKey.trim() === '')) {
    throw new ConfigurationError(at('apiKey'), `is required for providerType "${type}"`);
  }
  if (type === 'zhipu' && apiKey !== undefined && !/^[^.\s]+\.[^.\s]+$/.test(apiKey)) {
    throw new ConfigurationError(at('apiKey'), 'must have the form "id.secret" for providerType "zhipu"');
  }
  const rawBase = config.baseUrl ?? defaults.baseUrl;
  if (rawBase === undefined) throw new ConfigurationError(at('baseUrl'), `is required for providerType "${type}"`);
  let url: URL;
  try {
    url = new URL(rawBase);
  } catch {
    throw new ConfigurationError(at('baseUrl'), `must be an absolute http(s) URL, got ${describe(rawBase)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(at('baseUrl'), `must use http or https, got "${url.protocol}"`);
  }
  if (url.username !== '' || url.password !== '') throw new ConfigurationError(at('baseUrl'), 'must not carry credentials; use apiKey');
  const basePath = url.pathname.replace(/\/+$/, '');
  if (config.defaultModel !== undefined && (typeof config.defaultModel !== 'string' || config.defaultModel === '')) {
    throw new ConfigurationError(at('defaultModel'), `must be a non-empty string, got ${describe(config.defaultModel)}`);
  }
  if (config.headers !== undefined && (!isObject(config.headers) || Object.values(config.headers).some((v) => typeof v !== 'string'))) {
    throw new ConfigurationError(at('headers'), 'must be an object of string values');
  }
  for (const key of ['apiVersion', 'deployment'] as const) {
    const v = config[key];
    if (v !== undefined && (typeof v !== 'string' || v.trim() === '')) throw new ConfigurationError(at(key), `must be a non-empty string, got ${describe(v)}`);
  }
  const mock = config.mock ?? {};
  if (!isObject(mock)) throw new ConfigurationError(at('mock'), `must be an object, got ${describe(mock)}`);
  if (mock.errorRate !== undefined && (typeof mock.errorRate !== 'number' || !(mock.errorRate >= 0 && mock.errorRate <= 1))) {
    throw new ConfigurationError(at('mock.errorRate'), `must be a number from 0 to 1, got ${describe(mock.errorRate)}`);
  }
  if (Array.isArray(mock.latencyMs)) {
    const [lo, hi] = mock.latencyMs;
    nonNegativeNumber(lo, at('mock.latencyMs[0]'));
    nonNegativeNumber(hi, at('mock.latencyMs[1]'));
    if (hi! < lo!) throw new ConfigurationError(at('mock.latencyMs'), 'must be [min, max] with min <= max');
  } else nonNegativeNumber(mock.latencyMs, at('mock.latencyMs'));
  for (const key of ['chunkDelayMs', 'completionTokens', 'chunkSize', 'seed', 'embeddingDimensions'] as const) {
    nonNegativeNumber(mock[key], at(`mock.${key}`), key !== 'chunkDelayMs');
  }
  return {
    providerType: type,
    name: config.name ?? type,
    apiKey: apiKey === undefined || apiKey === '' ? undefined : apiKey,
    baseUrl: `${url.origin}${basePath}`,
    origin: url.origin,
    basePath,
    defaultModel: config.defaultModel ?? (type === 'azure-openai' ? config.deployment : undefined),
    models: resolveModels(config.models, at('models')),
    timeoutMs: positiveNumber(config.timeoutMs, at('timeoutMs')) ?? 60_000,
    retry: resolveRetry(config.retry, config.maxRetries, routerRetry, at('retry')),
    headers: { ...config.headers },
    weight: positiveNumber(config.weight, at('weight')) ?? 1,
    apiVersion: config.apiVersion,
    deployment: config.deployment,
    connections: positiveNumber(config.connections, at('connections')) ?? 64,
    mock,
  };
}

/** Validates the router's own options. */
export function validateRouterOptions(options: {
  providers?: unknown;
  strategy?: unknown;
  circuitBreaker?: unknown;
}): void {
  if (!Array.isArray(options.providers) || options.providers.length === 0) {
    throw new ConfigurationError('providers', 'must be a non-empty array of provider configs');
  }
  if (options.strategy !== undefined && !STRATEGIES.includes(options.strategy as RoutingStrategy)) {
    throw new ConfigurationError('strategy', `must be one of ${STRATEGIES.join(', ')}; got ${describe(options.strategy)}`);
  }
  const cb = options.circuitBreaker;
  if (cb !== undefined && cb !== false) {
    if (!isObject(cb)) throw new ConfigurationError('circuitBreaker', `must be an object or false, got ${describe(cb)}`);
    const o = cb as CircuitBreakerOptions;
    positiveNumber(o.failureThreshold, 'circuitBreaker.failureThreshold');
    nonNegativeNumber(o.cooldownMs, 'circuitBreaker.cooldownMs');
    positiveNumber(o.successThreshold, 'circuitBreaker.successThreshold');
  }
}
