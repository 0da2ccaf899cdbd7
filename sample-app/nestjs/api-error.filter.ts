import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiError } from '../shared/api-error.js';

/** Answers an `ApiError` thrown by a controller with OpenAI's error body and its status. */
@Catch(ApiError)
export class ApiErrorFilter implements ExceptionFilter<ApiError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: ApiError, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse<unknown>();
    for (const [name, value] of Object.entries(error.headers)) httpAdapter.setHeader(response, name, value);
    httpAdapter.reply(response, error.toBody(), error.status);
  }
}
