import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit, Optional } from '@nestjs/common';
import { ConfigurationError, LlmRouter, type MetricsCollector } from 'llm-api-router';
import type { Subscription } from 'rxjs';
import { LLM_METRICS_COLLECTOR, LLM_ROUTER_INSTANCE, LLM_ROUTER_OPTIONS } from './llm-router.constants.js';
import type { LlmRouterModuleOptions } from './llm-router-options.interface.js';

/**
 * Starts the OpenTelemetry instrumentation when `openTelemetry` is set, and ends what the module
 * started when the application closes: the router (its collector subscription, `events$`, connection
 * pools), the collector the module created (a collector passed as `metricsCollector` belongs to the
 * caller and stays open), then the OpenTelemetry subscription.
 *
 * `app.close()` (and `TestingModule.close()`) runs `onModuleDestroy`, then stops the HTTP server, then
 * runs `onApplicationShutdown`: closing the router there lets requests still being answered finish.
 */
@Injectable()
export class LlmRouterLifecycle implements OnModuleInit, OnApplicationShutdown {
  private closing: Promise<void> | undefined;
  private telemetry: Subscription | undefined;

  constructor(
    @Inject(LLM_ROUTER_INSTANCE) private readonly router: LlmRouter,
    @Inject(LLM_ROUTER_OPTIONS) private readonly options: LlmRouterModuleOptions,
    @Optional() @Inject(LLM_METRICS_COLLECTOR) private readonly collector: MetricsCollector | undefined,
  ) {}

  async onModuleInit(): Promise<void> {
    const otel = this.options.openTelemetry;
    if (otel === undefined || otel === false) return;
    if (otel !== true && (typeof otel !== 'object' || otel === null)) throw new ConfigurationError('openTelemetry', 'must be a boolean or instrumentation options');
    let instrument: typeof import('llm-api-router/opentelemetry').instrumentOpenTelemetry;
    try {
      ({ instrumentOpenTelemetry: instrument } = await import('llm-api-router/opentelemetry'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      throw new ConfigurationError('openTelemetry', 'needs @opentelemetry/api, which is not installed: npm install @opentelemetry/api');
    }
    this.telemetry = instrument(this.router, otel === true ? {} : otel);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Closes the router and the module's own collector, once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.router.close();
      if (this.collector !== undefined && this.collector !== this.options.metricsCollector) await this.collector.close();
      this.telemetry?.unsubscribe();
      this.telemetry = undefined;
    })();
    return this.closing;
  }
}
