import { LlmRouterError } from 'llm-api-router';

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error answered to the HTTP client, in OpenAI's shape, with its status and extra headers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The OpenAI error body of this error. */
  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 `invalid_request_error` about one request parameter. */
export function invalidRequest(message: string, param: string | null, code: string | null = 'invalid_value'): ApiError {
  return new ApiError(400, message, 'invalid_request_error', code, param);
}

/** A 404 for a model this service does not route, worded like OpenAI's. */
export function modelNotFound(model: string): ApiError {
  return new ApiError(404, `The model \`${model}\` does not exist or is not served by this router.`, 'invalid_request_error', 'model_not_found', 'model');
}

/** `maxTokens` -> `max_tokens`, `messages[0].toolCallId` -> `messages[0].tool_call_id`. */
export function toSnakeCase(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function allRateLimited(error: LlmRouterError): boolean {
  const errors = (error as LlmRouterError & { errors?: LlmRouterError[] }).errors;
  return errors !== undefined && errors.length > 0 && errors.every((e) => e.name === 'RateLimitError');
}

function retryAfterHeaders(error: LlmRouterError): Record<string, string> {
  const ms = error.retryAfterMs;
  return ms === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(Math.round(ms)) };
}

/**
 * Maps anything thrown while serving a request to the answer the HTTP client gets. Upstream statuses
 * become gateway statuses: a provider's 401/403/5xx is this service's 502, a timeout 504, "no provider
 * left" 503; a provider's 429 stays 429 with its `Retry-After`. Unknown errors are 500 with a generic
 * message (their text is never sent: it may hold details of the host).
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (!(error instanceof LlmRouterError)) return new ApiError(500, 'The server had an error while processing your request.', 'server_error', 'internal_error');
  const upstream = error.provider === undefined ? '' : ` (provider ${error.provider})`;
  switch (error.name) {
    case 'BadRequestError': {
      const field = (error as LlmRouterError & { field?: string }).field;
      if (field !== undefined && error.statusCode === undefined) {
        const param = toSnakeCase(field);
        const prefix = `Invalid request: ${field} `;
        return invalidRequest(error.message.startsWith(prefix) ? `Invalid '${param}': ${error.message.slice(prefix.length)}` : error.message, param);
      }
      return new ApiError(400, error.message, 'invalid_request_error', error.statusCode === 422 ? 'unprocessable_entity' : null);
    }
    case 'NotFoundError':
      return new ApiError(404, error.message, 'invalid_request_error', 'model_not_found');
    case 'RateLimitError':
      return new ApiError(429, error.message, 'rate_limit_error', 'rate_limit_exceeded', null, retryAfterHeaders(error));
    case 'AuthenticationError':
      return new ApiError(502, `The upstream provider rejected this service's credentials${upstream}.`, 'upstream_error', 'upstream_authentication_failed');
    case 'PermissionDeniedError':
      return new ApiError(502, `The upstream provider denied access${upstream}.`, 'upstream_error', 'upstream_permission_denied');
    case 'TimeoutError':
      return new ApiError(504, error.message, 'upstream_error', 'upstream_timeout');
    case 'NoProviderAvailableError':
      if (allRateLimited(error)) return new ApiError(429, error.message, 'rate_limit_error', 'rate_limit_exceeded', null, retryAfterHeaders(error));
      return new ApiError(503, error.message, 'service_unavailable', 'no_provider_available', null, retryAfterHeaders(error));
    case 'BudgetExceededError':
      return new ApiError(429, error.message, 'rate_limit_error', 'budget_exceeded', null, retryAfterHeaders(error));
    case 'AbortError':
      return new ApiError(499, error.message, 'invalid_request_error', 'client_closed_request');
    case 'ConfigurationError':
      return new ApiError(500, error.message, 'server_error', 'configuration_error');
    case 'NetworkError':
    case 'StreamError':
    case 'ProviderError':
    default:
      return new ApiError(502, error.message, 'upstream_error', error.statusCode === undefined ? 'upstream_error' : `upstream_status_${error.statusCode}`);
  }
}
