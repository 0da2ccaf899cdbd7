import { ConfigurationError } from '../errors/llm-router-error.js';
import { toLogger } from '../logging/logger.js';
import { describeValue, isObject, nonNegativeNumber, onlyKnownKeys, optionalFunction, positiveNumber, stringRecord } from './checks.js';
import { DEFAULT_CIRCUIT_BREAKER, DEFAULT_RETRY, DEFAULT_STRATEGY } from './defaults.js';
import type { ProviderConfig } from './provider-config.js';
import type { ResolvedCircuitBreaker, ResolvedRouterConfig } from './resolved-config.js';
import { resolveProviderConfig, type Environment } from './resolve-provider-config.js';
import { resolveRetry } from './resolve-retry.js';
import type { BudgetConfig, CircuitBreakerOptions, ClientOptions, LlmRouterOptions, RoutingStrategy, SharedStateOptions } from './router-options.js';

const ROUTER_KEYS = ['providers', 'strategy', 'retry', 'circuitBreaker', 'budgets', 'sharedState', 'metricsEnabled', 'metricsCollector', 'logger', 'prices', 'clock'] as const satisfies ReadonlyArray<keyof LlmRouterOptions>;
const CIRCUIT_BREAKER_KEYS = ['failureThreshold', 'cooldownMs', 'successThreshold'] as const satisfies ReadonlyArray<keyof CircuitBreakerOptions>;
const BUDGET_KEYS = ['name', 'limitUsd', 'windowMs', 'provider', 'model', 'metadata'] as const satisfies ReadonlyArray<keyof BudgetConfig>;
const SHARED_STATE_KEYS = ['redis', 'keyPrefix', 'commandTimeoutMs'] as const satisfies ReadonlyArray<keyof SharedStateOptions>;

const STRATEGIES: readonly RoutingStrategy[] = ['fallback', 'round-robin', 'weighted', 'least-latency', 'least-busy', 'lowest-cost', 'usage-based'];

function resolveCircuitBreaker(cb: unknown): ResolvedCircuitBreaker | undefined {
  if (cb === false) return undefined;
  if (cb === undefined) return DEFAULT_CIRCUIT_BREAKER;
  if (!isObject(cb)) throw new ConfigurationError('circuitBreaker', `must be an object or false, got ${describeValue(cb)}`);
  onlyKnownKeys(cb, CIRCUIT_BREAKER_KEYS, 'circuitBreaker');
  return {
    failureThreshold: positiveNumber(cb.failureThreshold, 'circuitBreaker.failureThreshold') ?? DEFAULT_CIRCUIT_BREAKER.failureThreshold,
    cooldownMs: nonNegativeNumber(cb.cooldownMs, 'circuitBreaker.cooldownMs') ?? DEFAULT_CIRCUIT_BREAKER.cooldownMs,
    successThreshold: positiveNumber(cb.successThreshold, 'circuitBreaker.successThreshold') ?? DEFAULT_CIRCUIT_BREAKER.successThreshold,
  };
}

function resolveBudgets(budgets: unknown, providerNames: ReadonlySet<string>): BudgetConfig[] {
  if (budgets === undefined) return [];
  if (!Array.isArray(budgets)) throw new ConfigurationError('budgets', `must be an array, got ${describeValue(budgets)}`);
  const names = new Set<string>();
  budgets.forEach((b: unknown, i) => {
    const at = `budgets[${i}]`;
    if (!isObject(b)) throw new ConfigurationError(at, `must be an object, got ${describeValue(b)}`);
    onlyKnownKeys(b, BUDGET_KEYS, at);
    if (typeof b.name !== 'string' || b.name.trim() === '') throw new ConfigurationError(`${at}.name`, `must be a non-empty string, got ${describeValue(b.name)}`);
    if (names.has(b.name)) throw new ConfigurationError(`${at}.name`, 'duplicates another budget; budget names must be unique');
    names.add(b.name);
    if (b.limitUsd === undefined) throw new ConfigurationError(`${at}.limitUsd`, 'is required');
    nonNegativeNumber(b.limitUsd, `${at}.limitUsd`);
    if (b.windowMs === undefined) throw new ConfigurationError(`${at}.windowMs`, 'is required');
    positiveNumber(b.windowMs, `${at}.windowMs`);
    for (const key of ['provider', 'model'] as const) {
      if (b[key] !== undefined && (typeof b[key] !== 'string' || b[key] === '')) {
        throw new ConfigurationError(`${at}.${key}`, `must be a non-empty string, got ${describeValue(b[key])}`);
      }
    }
    if (typeof b.provider === 'string' && !providerNames.has(b.provider)) {
      const names = [...providerNames];
      throw new ConfigurationError(`${at}.provider`, `names no provider of this router (providers: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}); a budget covers a provider by its name`);
    }
    stringRecord(b.metadata, `${at}.metadata`);
  });
  return budgets as BudgetConfig[];
}

function resolveSharedState(value: unknown): ResolvedRouterConfig['sharedState'] {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new ConfigurationError('sharedState', `must be an object, got ${describeValue(value)}`);
  onlyKnownKeys(value, SHARED_STATE_KEYS, 'sharedState');
  const redis = value.redis;
  if (!(typeof redis === 'string' ? redis !== '' : typeof redis === 'object' && redis !== null)) {
    throw new ConfigurationError('sharedState.redis', 'must be a Redis URL or a Redis client');
  }
  if (value.keyPrefix !== undefined && typeof value.keyPrefix !== 'string') {
    throw new ConfigurationError('sharedState.keyPrefix', `must be a string, got ${describeValue(value.keyPrefix)}`);
  }
  positiveNumber(value.commandTimeoutMs, 'sharedState.commandTimeoutMs');
  return value as unknown as ResolvedRouterConfig['sharedState'];
}

/**
 * Validates `LlmRouter` options and fills in every default. `providerField(i)` names provider `i` in
 * errors (`providers[i]`; a `Client`'s single provider is named by its own fields).
 */
export function resolveRouterConfig(
  options: LlmRouterOptions,
  providerField: (index: number) => string = (i) => `providers[${i}]`,
  env: Environment = process.env,
): ResolvedRouterConfig {
  if (!isObject(options)) throw new ConfigurationError('options', `must be an object, got ${describeValue(options)}`);
  onlyKnownKeys(options, ROUTER_KEYS, '', 'LlmRouter');
  const providers: unknown = options.providers;
  if (!Array.isArray(providers) || providers.length === 0) throw new ConfigurationError('providers', 'must be a non-empty array of provider configs');
  if (options.strategy !== undefined && !STRATEGIES.includes(options.strategy)) {
    throw new ConfigurationError('strategy', `must be one of ${STRATEGIES.join(', ')}; got ${describeValue(options.strategy)}`);
  }
  const circuitBreaker = resolveCircuitBreaker(options.circuitBreaker);
  const routerRetry = resolveRetry(options.retry, undefined, DEFAULT_RETRY, 'retry');
  const resolved = (providers as ProviderConfig[]).map((p, i) => resolveProviderConfig(p, providerField(i), routerRetry, env, providerField(i) || 'Client'));
  const seen = new Set<string>();
  resolved.forEach((p, i) => {
    if (seen.has(p.name)) {
      const field = providerField(i);
      throw new ConfigurationError(field === '' ? 'name' : `${field}.name`, `duplicates "${p.name}"; provider names must be unique (set name)`);
    }
    seen.add(p.name);
  });
  if (options.metricsEnabled !== undefined && typeof options.metricsEnabled !== 'boolean') {
    throw new ConfigurationError('metricsEnabled', `must be a boolean, got ${describeValue(options.metricsEnabled)}`);
  }
  const collector: unknown = options.metricsCollector;
  if (collector !== undefined && (typeof collector !== 'object' || collector === null || typeof (collector as { attach?: unknown }).attach !== 'function')) {
    throw new ConfigurationError('metricsCollector', 'must be a MetricsCollector');
  }
  const logger: unknown = options.logger;
  if (logger !== undefined && (typeof logger !== 'object' || logger === null) && typeof logger !== 'function') {
    throw new ConfigurationError('logger', `must be an object with debug/info/warn/error (or log) methods, got ${describeValue(logger)}`);
  }
  return {
    providers: resolved,
    strategy: options.strategy ?? DEFAULT_STRATEGY,
    circuitBreaker,
    logging: logger !== undefined,
    logger: toLogger(options.logger),
    clock: optionalFunction<() => number>(options.clock, 'clock') ?? Date.now,
    prices: options.prices,
    metricsEnabled: options.metricsEnabled !== false,
    metricsCollector: options.metricsCollector,
    budgets: resolveBudgets(options.budgets, seen),
    sharedState: resolveSharedState(options.sharedState),
  };
}

/** Validates `Client` options (one provider, whose fields are named without a prefix). */
export function resolveClientConfig(options: ClientOptions, env: Environment = process.env): ResolvedRouterConfig {
  if (!isObject(options)) throw new ConfigurationError('options', `must be an object, got ${describeValue(options)}`);
  const { metricsEnabled, metricsCollector, logger, circuitBreaker, prices, clock, ...provider } = options;
  return resolveRouterConfig({ providers: [provider], metricsEnabled, metricsCollector, logger, circuitBreaker, prices, clock }, () => '', env);
}
