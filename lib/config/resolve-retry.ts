import { ConfigurationError } from '../errors/llm-router-error.js';
import { describeValue, isObject, nonNegativeNumber, onlyKnownKeys } from './checks.js';
import type { RetryOptions } from './provider-config.js';
import type { ResolvedRetryPolicy } from './resolved-config.js';

const RETRY_KEYS = ['maxRetries', 'initialDelayMs', 'maxDelayMs', 'multiplier', 'retryOnStatus'] as const satisfies ReadonlyArray<keyof RetryOptions>;

/**
 * Validates a retry policy and fills in defaults from `base`. `maxRetries` (the short form) wins over
 * `retry.maxRetries`; `field` is the policy's path (e.g. `providers[1].retry`).
 */
export function resolveRetry(retry: RetryOptions | undefined, maxRetries: number | undefined, base: ResolvedRetryPolicy, field: string): ResolvedRetryPolicy {
  if (retry !== undefined && !isObject(retry)) throw new ConfigurationError(field, `must be an object, got ${describeValue(retry)}`);
  const r = retry ?? {};
  onlyKnownKeys(r as Record<string, unknown>, RETRY_KEYS, field);
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

/** The policy of one request whose `maxRetries` overrides its provider's. */
export function withMaxRetries(policy: ResolvedRetryPolicy, maxRetries: number | undefined): ResolvedRetryPolicy {
  return maxRetries === undefined || maxRetries === policy.maxRetries ? policy : { ...policy, maxRetries };
}
