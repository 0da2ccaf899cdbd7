/** Fields every router error may carry. */
export interface LlmRouterErrorOptions {
  provider?: string;
  statusCode?: number;
  requestId?: string;
  retryAfterMs?: number;
  cause?: unknown;
}

/** The base of every error the router throws. Messages never contain an API key. */
export class LlmRouterError extends Error {
  /** The `name` of the provider that failed, when one did. */
  readonly provider: string | undefined;
  /** The HTTP status the provider answered with, when it answered. */
  readonly statusCode: number | undefined;
  /** The request id shared by every event and metric of the request. */
  requestId: string | undefined;
  /** How long the provider asked us to wait (from `retry-after-ms` / `Retry-After`). */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: LlmRouterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.provider = options.provider;
    this.statusCode = options.statusCode;
    this.requestId = options.requestId;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Invalid configuration, thrown by a constructor. `field` names the offending option. */
export class ConfigurationError extends LlmRouterError {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${field} ${reason}`);
  }
}

/** The request was rejected as invalid (400/422, or caught by validation before any network call). */
export class BadRequestError extends LlmRouterError {
  /** The request field at fault, when validation found it. */
  readonly field: string | undefined;
  constructor(message: string, options: LlmRouterErrorOptions & { field?: string } = {}) {
    super(message, options);
    this.field = options.field;
  }
}

/** 401: the key was missing or wrong. */
export class AuthenticationError extends LlmRouterError {}
/** 403: the key may not do this. */
export class PermissionDeniedError extends LlmRouterError {}
/** 404: unknown model, deployment or path. */
export class NotFoundError extends LlmRouterError {}
/** 429: rate limited; see `retryAfterMs`. */
export class RateLimitError extends LlmRouterError {}
/** 5xx and any other unexpected status, or an answer that cannot be read. */
export class ProviderError extends LlmRouterError {}
/** The attempt took longer than its `timeoutMs`. */
export class TimeoutError extends LlmRouterError {}
/** The connection failed (refused, reset, DNS). */
export class NetworkError extends LlmRouterError {}
/** A stream was malformed or ended without its terminator. */
export class StreamError extends LlmRouterError {}
/** The caller's `signal` aborted the request. */
export class AbortError extends LlmRouterError {}

/** Every candidate provider failed or is cooling down. `errors` holds each attempt's error, in order. */
export class NoProviderAvailableError extends LlmRouterError {
  constructor(
    message: string,
    readonly errors: LlmRouterError[],
    options: LlmRouterErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A request matched a budget that is spent for its window; thrown before any network call. */
export class BudgetExceededError extends LlmRouterError {
  constructor(
    /** The exhausted budget's `name`. */
    readonly budget: string,
    message: string,
    options: LlmRouterErrorOptions = {},
  ) {
    super(message, options);
  }
}
