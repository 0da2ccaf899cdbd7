import { errorFromStatus } from '../errors/error-from-status.js';
import { ProviderError, StreamError, type LlmRouterError } from '../errors/llm-router-error.js';
import { redact } from '../http/redact.js';

/** How many characters of a provider's error text an error message keeps. */
export const MAX_ERROR_DETAIL = 500;

/** What the router knows of the call an error belongs to. */
export interface ErrorScope {
  /** The provider's `name`. */
  readonly provider: string;
  readonly type: string;
  readonly requestId: string;
  /** Every credential the call was made with (key, header values, signed tokens), redacted verbatim. */
  readonly secrets: readonly string[];
}

/** A provider error carried inside an answer body or a stream event. */
export interface WireError {
  /** The HTTP status its content stands for (500 when nothing more specific fits). */
  readonly status: number;
  readonly message: string;
  /** A retry delay the body gave (Gemini's `RetryInfo.retryDelay`). */
  readonly retryAfterMs?: number;
}

/** Redacts a provider text, then cuts it, so that no cut can leave the start of a secret behind. */
export function safeDetail(text: string, secrets: readonly string[]): string {
  const clean = redact(text, secrets);
  return clean.length > MAX_ERROR_DETAIL ? `${clean.slice(0, MAX_ERROR_DETAIL)}…` : clean;
}

/**
 * A JSON parser's error reduced to where the text broke: V8's message quotes the text around the fault
 * (and cuts it, so a secret in it may not even be whole), so none of it is kept.
 */
export function safeParseCause(cause: unknown): Error {
  const message = cause instanceof Error ? cause.message : '';
  const at = /position (\d+)/.exec(message)?.[1];
  const safe = new SyntaxError(at === undefined ? 'invalid JSON' : `invalid JSON at position ${at}`);
  safe.stack = `SyntaxError: ${safe.message}`;
  return safe;
}

/** An HTTP status an error body may name (`code`, `status`), when it is one. */
export function httpStatusOf(...values: unknown[]): number | undefined {
  for (const v of values) {
    const n = typeof v === 'string' && /^\d{3}$/.test(v) ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 400 && n <= 599) return n;
  }
  return undefined;
}

/** The typed error of a `WireError` found in an answer (`where`: 'stream error', 'error in a 200 answer'). */
export function wireErrorToError(wire: WireError, where: string, scope: ErrorScope): LlmRouterError {
  const message = `${scope.provider} (${scope.type}) ${where}: ${safeDetail(wire.message, scope.secrets)}`;
  return errorFromStatus(wire.status, message, {
    provider: scope.provider,
    requestId: scope.requestId,
    retryAfterMs: wire.retryAfterMs,
  });
}

/** A `StreamError` for a stream event that cannot be read. */
export function malformedEvent(scope: ErrorScope, what: string, cause?: unknown): StreamError {
  return new StreamError(`${scope.provider} (${scope.type}) sent a malformed stream event: ${what}`, {
    provider: scope.provider,
    requestId: scope.requestId,
    cause: cause === undefined ? undefined : safeParseCause(cause),
  });
}

/** A `ProviderError` for an answer body that is not JSON. */
export function malformedBody(scope: ErrorScope, statusCode: number, cause: unknown): ProviderError {
  return new ProviderError(`${scope.provider} (${scope.type}) answered with malformed JSON`, {
    provider: scope.provider,
    statusCode,
    requestId: scope.requestId,
    cause: safeParseCause(cause),
  });
}
