import {
  AbortError,
  AuthenticationError,
  BadRequestError,
  type LlmRouterError,
  NetworkError,
  PermissionDeniedError,
  TimeoutError,
} from '../errors/llm-router-error.js';
import type { ResolvedRetryPolicy } from '../config/resolved-config.js';

/** Whether an attempt's failure may be retried on the same provider. */
export function isRetryable(error: LlmRouterError, policy: ResolvedRetryPolicy): boolean {
  if (error instanceof TimeoutError || error instanceof NetworkError) return true;
  return error.statusCode !== undefined && policy.retryOnStatus.has(error.statusCode);
}

/** Whether the router may move on to the next provider after this failure (not for the caller's own faults). */
export function allowsFallback(error: LlmRouterError): boolean {
  return !(
    error instanceof BadRequestError ||
    error instanceof AuthenticationError ||
    error instanceof PermissionDeniedError ||
    error instanceof AbortError
  );
}

/** Whether a failure counts against a provider's health (circuit breaker): its faults, not the caller's. */
export function isProviderFault(error: LlmRouterError): boolean {
  if (error instanceof AbortError || error instanceof BadRequestError) return false;
  const s = error.statusCode;
  return s === undefined || s === 429 || s >= 500 || s === 408 || (s >= 200 && s < 300);
}

/**
 * Delay before retry number `retry` (0-based): exponential with equal jitter, or the provider's
 * `Retry-After` when it gave one. Returns undefined when `Retry-After` asks for longer than `maxDelayMs`
 * (better to fall back than to wait).
 */
export function retryDelay(
  policy: ResolvedRetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxDelayMs ? retryAfterMs : undefined;
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** retry);
  return Math.round(base / 2 + random() * (base / 2));
}
