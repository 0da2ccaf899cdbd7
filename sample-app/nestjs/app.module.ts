import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LlmRouterModule } from 'llm-api-router/nestjs';
import type { SampleConfig } from '../shared/config.js';
import { sampleRoutes } from '../shared/routes.js';
import type { SampleTelemetry } from '../shared/telemetry.js';
import { ApiErrorFilter } from './api-error.filter.js';
import { ChatCompletionsController } from './chat-completions.controller.js';
import { HealthController } from './health.controller.js';
import { ModelsController } from './models.controller.js';
import { EmbeddingsController } from './embeddings.controller.js';
import { RouterEventLogger } from './router-event-logger.service.js';

/**
 * The sample service: the router (with `/metrics` and `/stats` from `LlmRouterModule`), the
 * OpenAI-compatible routes, and `/health` through terminus.
 */
@Module({})
export class AppModule {
  static register(config: SampleConfig, telemetry?: SampleTelemetry): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LlmRouterModule.forRoot({
          ...config.router,
          metrics: { path: config.metricsPath, stats: { path: '/stats' } },
          ...(telemetry === undefined ? {} : { openTelemetry: { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider } }),
        }),
        TerminusModule,
      ],
      controllers: [ChatCompletionsController, EmbeddingsController, ModelsController, HealthController],
      providers: [
        RouterEventLogger,
        {
          provide: APP_FILTER,
          useFactory: (host: HttpAdapterHost) => new ApiErrorFilter(host, sampleRoutes(config.metricsPath)),
          inject: [HttpAdapterHost],
        },
      ],
    };
  }
}
