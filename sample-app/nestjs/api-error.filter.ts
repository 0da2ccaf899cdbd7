import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { ApiError, toApiError } from '../shared/api-error.js';
import { unmatchedRoute, type sampleRoutes } from '../shared/routes.js';

interface RequestLike {
  method?: string;
  url?: string;
  originalUrl?: string;
  raw?: { url?: string };
}

const TYPES: Record<number, string> = { 401: 'authentication_error', 403: 'permission_error', 429: 'rate_limit_error' };
const CODES: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 413: 'request_too_large', 415: 'unsupported_media_type' };

/** A Nest `HttpException` (the metrics guard's 401/403, the stats route's 400, body limits) in OpenAI's shape. */
function fromHttpException(error: HttpException): ApiError {
  const status = error.getStatus();
  const response = error.getResponse();
  const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : error.message;
  const type = TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  const text = status === 413 ? 'The request body exceeds the size limit.' : message;
  return new ApiError(status, text, type, CODES[status] ?? null);
}

/**
 * Answers everything a request can throw with OpenAI's error body, `{ error: { message, type, param,
 * code } }`, on the Express and the Fastify platform alike: an `ApiError` as it is, a route no
 * controller maps as 404 (405 when the path exists with other methods), Nest's own `HttpException`s
 * with their status, router errors mapped like the chat route maps them, anything else a 500.
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiErrorFilter');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly routes: ReturnType<typeof sampleRoutes>,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<RequestLike>();
    let answer: ApiError;
    if (error instanceof ApiError) answer = error;
    else if (error instanceof HttpException && error.getStatus() === 404) answer = unmatchedRoute(this.routes, request.method, request.raw?.url ?? request.originalUrl ?? request.url);
    else if (error instanceof HttpException) answer = fromHttpException(error);
    else {
      answer = toApiError(error);
      if (answer.status === 500) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    const { httpAdapter } = this.adapterHost;
    const response = http.getResponse<unknown>();
    for (const [name, value] of Object.entries(answer.headers)) httpAdapter.setHeader(response, name, value);
    httpAdapter.reply(response, answer.toBody(), answer.status);
  }
}
