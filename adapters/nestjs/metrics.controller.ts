import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  Optional,
  Req,
  Res,
  type Type,
  UseGuards,
  VERSION_NEUTRAL,
} from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost } from '@nestjs/core';
import { ConfigurationError, PROMETHEUS_CONTENT_TYPE, LlmRouter, type MetricsCollector } from 'llm-api-router';
import { onlyKnownOptions } from '../shared/known-options.js';
import { buildLlmRouterStats, type LlmRouterStats, normalizePath, statsPath, statsWindowFromQuery } from '../shared/llm-router-stats.js';
import { LLM_METRICS_COLLECTOR, LLM_ROUTER_INSTANCE } from './llm-router.constants.js';
import type { LlmRouterMetricsOptions, LlmRouterModuleOptions } from './llm-router-options.interface.js';
import { LlmRouterMetricsGuard } from './metrics-auth.guard.js';

interface HttpRequestLike {
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

const METRICS_KEYS = ['enabled', 'path', 'bearerToken', 'guard', 'stats', 'metadataLabels'] as const satisfies ReadonlyArray<keyof LlmRouterMetricsOptions>;

/** The routes a metrics controller maps, resolved from the module options. */
export interface MetricsRoutes {
  /** Path of the Prometheus route, or `undefined` when it is off. */
  metrics: string | undefined;
  /** Path of the JSON stats route, or `undefined` when it is off. */
  stats: string | undefined;
}

/** Resolves `metrics.enabled/path/stats` (with their defaults) into route paths. */
export function resolveMetricsRoutes(options: LlmRouterModuleOptions): MetricsRoutes {
  const m = options.metrics ?? {};
  if (typeof m !== 'object' || m === null) throw new ConfigurationError('metrics', 'must be an object');
  onlyKnownOptions(m, METRICS_KEYS, 'metrics');
  const enabled = m.enabled ?? options.metricsEnabled !== false;
  const suffix = options.name === undefined || options.name === 'default' ? '' : `/${options.name}`;
  const metrics = enabled ? normalizePath(m.path, `/metrics${suffix}`, 'metrics.path') : undefined;
  const stats = statsPath(m.stats, 'metrics.stats', `/stats${suffix}`);
  if (stats !== undefined && stats === metrics) throw new ConfigurationError('metrics.stats.path', 'must differ from the metrics path');
  return { metrics, stats };
}

/**
 * A new metrics controller class. Route paths are static metadata in NestJS, so every module
 * registration gets a class of its own and maps its paths (`configureMetricsController`) once its
 * options are resolved, before the application registers its routes. A method left unmapped is no route.
 */
export function createMetricsController(): Type<unknown> {
  @Controller({ version: VERSION_NEUTRAL })
  @UseGuards(LlmRouterMetricsGuard)
  class LlmRouterMetricsController {
    constructor(
      @Inject(LLM_ROUTER_INSTANCE) private readonly router: LlmRouter,
      @Optional() @Inject(LLM_METRICS_COLLECTOR) private readonly collector: MetricsCollector | undefined,
      private readonly adapterHost: HttpAdapterHost,
    ) {}

    /** The Prometheus text, or OpenMetrics when the `Accept` header asks for it. */
    async metrics(@Req() request: HttpRequestLike, @Res({ passthrough: true }) response: unknown): Promise<string> {
      const accept = request.headers.accept;
      const { contentType, body } =
        this.collector === undefined
          ? { contentType: PROMETHEUS_CONTENT_TYPE, body: '' }
          : await this.collector.getMetricsResponse(Array.isArray(accept) ? accept.join(', ') : accept);
      const { httpAdapter } = this.adapterHost;
      httpAdapter.setHeader(response, 'Content-Type', contentType);
      httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
      return body;
    }

    /** Aggregated metrics, provider comparison and circuit states as JSON. */
    stats(@Req() request: HttpRequestLike): LlmRouterStats {
      const window = statsWindowFromQuery(request.url, this.collector);
      if (!window.ok) throw new BadRequestException(window.message);
      return buildLlmRouterStats(this.router, this.collector, window.windowMs);
    }
  }
  return LlmRouterMetricsController;
}

/** Maps (or unmaps) the `metrics` and `stats` routes of a class made by `createMetricsController`. */
export function configureMetricsController(controller: Type<unknown>, routes: MetricsRoutes): void {
  const prototype = controller.prototype as Record<string, unknown>;
  for (const name of ['metrics', 'stats'] as const) {
    const path = routes[name];
    if (path === undefined) {
      Reflect.deleteMetadata(PATH_METADATA, prototype[name] as object);
      continue;
    }
    Get(path)(prototype, name, Object.getOwnPropertyDescriptor(prototype, name)!);
  }
}
