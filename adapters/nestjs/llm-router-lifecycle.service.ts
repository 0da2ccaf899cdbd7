import { Inject, Injectable, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { LlmRouter, type MetricsCollector } from 'llm-api-router';
import { LLM_METRICS_COLLECTOR, LLM_ROUTER_INSTANCE, LLM_ROUTER_OPTIONS } from './llm-router.constants.js';
import type { LlmRouterModuleOptions } from './llm-router-options.interface.js';

/**
 * Ends what the module started when the application closes: the router (its collector subscription,
 * `events$`, connection pools) and the collector the module created (a collector passed as
 * `metricsCollector` belongs to the caller and stays open).
 *
 * `app.close()` (and `TestingModule.close()`) runs `onModuleDestroy`, then stops the HTTP server, then
 * runs `onApplicationShutdown`: closing the router there lets requests still being answered finish.
 */
@Injectable()
export class LlmRouterLifecycle implements OnApplicationShutdown {
  private closing: Promise<void> | undefined;

  constructor(
    @Inject(LLM_ROUTER_INSTANCE) private readonly router: LlmRouter,
    @Inject(LLM_ROUTER_OPTIONS) private readonly options: LlmRouterModuleOptions,
    @Optional() @Inject(LLM_METRICS_COLLECTOR) private readonly collector: MetricsCollector | undefined,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Closes the router and the module's own collector, once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.router.close();
      if (this.collector !== undefined && this.collector !== this.options.metricsCollector) await this.collector.close();
    })();
    return this.closing;
  }
}
