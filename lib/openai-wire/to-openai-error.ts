import {
  AuthenticationError,
  BadRequestError,
  BudgetExceededError,
  ConfigurationError,
  LlmRouterError,
  NoProviderAvailableError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
} from '../errors/llm-router-error.js';
import type { OpenAIErrorBody } from './openai-json.js';

/** What a gateway answers for an error: an HTTP status and OpenAI's error body. */
export interface OpenAIErrorResponse {
  status: number;
  body: OpenAIErrorBody;
}

function statusAndType(error: LlmRouterError): [number, string] {
  if (error instanceof BadRequestError) return [error.statusCode === 422 ? 422 : 400, 'invalid_request_error'];
  if (error instanceof NotFoundError) return [404, 'invalid_request_error'];
  if (error instanceof AuthenticationError) return [401, 'authentication_error'];
  if (error instanceof PermissionDeniedError) return [403, 'permission_error'];
  if (error instanceof RateLimitError || error instanceof BudgetExceededError) return [429, 'rate_limit_error'];
  if (error instanceof TimeoutError) return [504, 'timeout_error'];
  if (error instanceof NoProviderAvailableError) return [503, 'service_unavailable_error'];
  if (error instanceof ConfigurationError) return [500, 'server_error'];
  return [502, 'api_error'];
}

/**
 * An error as OpenAI's `{ error: { message, type, param, code } }` with the status a gateway should
 * answer; `code` is the router error's class name. Errors that are not the router's say only
 * "Internal server error" (their message is not known to be free of secrets).
 */
export function toOpenAIError(error: unknown): OpenAIErrorResponse {
  if (!(error instanceof LlmRouterError)) {
    return { status: 500, body: { error: { message: 'Internal server error', type: 'server_error', param: null, code: null } } };
  }
  const [status, type] = statusAndType(error);
  const param = error instanceof BadRequestError ? (error.field ?? null) : null;
  return { status, body: { error: { message: error.message, type, param, code: error.name } } };
}
