import {
  AuthenticationError,
  BadRequestError,
  type LlmRouterError,
  type LlmRouterErrorOptions,
  NotFoundError,
  PermissionDeniedError,
  ProviderError,
  RateLimitError,
} from './llm-router-error.js';

/** Maps an HTTP status to the router's error class. */
export function errorFromStatus(status: number, message: string, options: LlmRouterErrorOptions): LlmRouterError {
  const opts = { ...options, statusCode: status };
  switch (status) {
    case 400:
    case 422:
      return new BadRequestError(message, opts);
    case 401:
      return new AuthenticationError(message, opts);
    case 403:
      return new PermissionDeniedError(message, opts);
    case 404:
      return new NotFoundError(message, opts);
    case 429:
      return new RateLimitError(message, opts);
    default:
      return new ProviderError(message, opts);
  }
}

/**
 * Reads `retry-after-ms` (OpenAI), then `Retry-After` (seconds or an HTTP date), into milliseconds.
 * Returns undefined when neither is present or readable.
 */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined) {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const ra = first(headers['retry-after']);
  if (ra === undefined) return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(ra);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
