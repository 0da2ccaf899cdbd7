import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { ConfigurationError, MetricsCollector, LlmRouter, type LlmRouterOptions } from 'llm-api-router';
import {
  LLM_METRICS_COLLECTOR,
  LLM_ROUTER_HEALTH_OPTIONS,
  LLM_ROUTER_INSTANCE,
  LLM_ROUTER_MODULE_ID,
  LLM_ROUTER_OPTIONS,
  LLM_ROUTER_ROUTES,
} from './llm-router.constants.js';
import { DEFAULT_HEALTH_OPTIONS, resolveHealthOptions } from '../shared/evaluate-router-health.js';
import { onlyKnownOptions } from '../shared/known-options.js';
import { LlmRouterHealthIndicator } from './llm-router-health.indicator.js';
import { LlmRouterLifecycle } from './llm-router-lifecycle.service.js';
import { DEFAULT_LLM_ROUTER_NAME, getLlmRouterHealthIndicatorToken, getLlmRouterToken, getMetricsCollectorToken } from './llm-router.tokens.js';
import type {
  LlmRouterHealthOptions,
  LlmRouterModuleAsyncOptions,
  LlmRouterModuleOptions,
  LlmRouterOptionsFactory,
} from './llm-router-options.interface.js';
import { configureMetricsController, createMetricsController, resolveMetricsRoutes } from './metrics.controller.js';

let registrations = 0;

const ASYNC_KEYS = ['imports', 'name', 'useFactory', 'inject', 'useClass', 'useExisting', 'extraProviders', 'isGlobal'] as const satisfies ReadonlyArray<keyof LlmRouterModuleAsyncOptions>;

/**
 * Provides an `LlmRouter` (injectable by class), its `MetricsCollector` (by class, or `LLM_METRICS_COLLECTOR`) and
 * `LlmRouterHealthIndicator`, serves the Prometheus text at `metrics.path` (default `/metrics`), and
 * closes the router and the collector it created when the application closes. Works on the Express and
 * the Fastify platform.
 *
 * ```ts
 * @Module({ imports: [LlmRouterModule.forRoot({ providers: [{ providerType: 'mock' }], metrics: { path: '/metrics' } })] })
 * export class AppModule {}
 * ```
 *
 * Every call registers a module of its own (its own router, collector and metrics route), so an
 * application may hold several and a process may run several applications. Several routers in one
 * application are told apart by `name`, as `@nestjs/typeorm` tells connections apart:
 *
 * ```ts
 * imports: [
 *   LlmRouterModule.forRoot({ providers: [...] }),                       // LlmRouter, /metrics
 *   LlmRouterModule.forRoot({ name: 'billing', providers: [...] }),      // @InjectLlmRouter('billing'), /metrics/billing
 * ]
 * ```
 *
 * The default registration exports `LlmRouter`, `MetricsCollector` and `LlmRouterHealthIndicator` by
 * class; a named one exports them under `getLlmRouterToken(name)`, `getMetricsCollectorToken(name)` and
 * `getLlmRouterHealthIndicatorToken(name)` (inject them with `@InjectLlmRouter(name)`, …).
 */
@Module({})
export class LlmRouterModule {
  /** Registers the module with options known up front. */
  static forRoot(options: LlmRouterModuleOptions): DynamicModule {
    checkOptions(options, 'LlmRouterModule.forRoot(options)');
    const name = checkName(options.name, 'LlmRouterModule.forRoot(options).name');
    const routes = resolveMetricsRoutes(options);
    const controller = routes.metrics === undefined && routes.stats === undefined ? undefined : createMetricsController();
    return build(name, options.isGlobal === true, [], [{ provide: LLM_ROUTER_OPTIONS, useFactory: () => options }], controller);
  }

  /**
   * Registers the module with options resolved at start-up, e.g. from `ConfigService`:
   *
   * ```ts
   * LlmRouterModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ providers: config.get('llm.providers'), metrics: { path: config.get('METRICS_PATH') } }),
   * })
   * ```
   */
  static forRootAsync(options: LlmRouterModuleAsyncOptions): DynamicModule {
    const field = 'LlmRouterModule.forRootAsync(options)';
    if (typeof options !== 'object' || options === null) throw new ConfigurationError(field, 'must be an object');
    onlyKnownOptions(options, ASYNC_KEYS, field, 'LlmRouterModule.forRootAsync');
    const name = checkName(options.name, `${field}.name`);
    const sources = [options.useFactory, options.useClass, options.useExisting].filter((s) => s !== undefined);
    if (sources.length !== 1) throw new ConfigurationError(field, 'needs exactly one of useFactory, useClass, useExisting');
    const providers: Provider[] = [...(options.extraProviders ?? [])];
    const { useFactory, useClass, useExisting } = options;
    if (useFactory !== undefined) {
      providers.push({
        provide: LLM_ROUTER_OPTIONS,
        useFactory: async (...args: unknown[]) => named(checkOptions(await useFactory(...args), `${field}.useFactory()`), name),
        inject: options.inject ?? [],
      });
    } else {
      if (useClass !== undefined) providers.push({ provide: useClass, useClass });
      providers.push({
        provide: LLM_ROUTER_OPTIONS,
        useFactory: async (factory: LlmRouterOptionsFactory) => named(checkOptions(await factory.createLlmRouterOptions(), `${field} createLlmRouterOptions()`), name),
        inject: [(useClass ?? useExisting)!],
      });
    }
    return build(name, options.isGlobal === true, options.imports ?? [], providers, createMetricsController());
  }
}

/** The module's own options are checked when it is defined (`forRoot`) or its factory resolves; the router's when the router is created. */
function checkOptions(options: LlmRouterModuleOptions, field: string): LlmRouterModuleOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError(field, 'must return an object');
  resolveHealthOptions(options.health, DEFAULT_HEALTH_OPTIONS, 'health');
  if (options.metrics?.metadataLabels !== undefined) {
    if (options.metricsCollector !== undefined) throw new ConfigurationError('metrics.metadataLabels', 'cannot be combined with metricsCollector: give the collector its metadataLabels');
    if (options.metricsEnabled === false) throw new ConfigurationError('metrics.metadataLabels', 'needs metrics, but the router has metricsEnabled: false');
  }
  return options;
}

/** The registration's name: `undefined` or `'default'` is the default one. */
function checkName(name: unknown, field: string): string {
  if (name === undefined) return DEFAULT_LLM_ROUTER_NAME;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new ConfigurationError(field, 'must be 1 to 64 letters, digits, "_" or "-"');
  return name;
}

/** The async options with the name given to `forRootAsync` (the factory cannot rename the module). */
function named(options: LlmRouterModuleOptions, name: string): LlmRouterModuleOptions {
  return (options.name ?? DEFAULT_LLM_ROUTER_NAME) === name ? options : { ...options, name };
}

function routerOptions(options: LlmRouterModuleOptions, collector: MetricsCollector | undefined): LlmRouterOptions {
  const { metrics: _metrics, health: _health, isGlobal: _isGlobal, name: _name, openTelemetry: _openTelemetry, ...rest } = options;
  return collector === undefined ? rest : { ...rest, metricsCollector: collector };
}

function build(name: string, global: boolean, imports: NonNullable<DynamicModule['imports']>, optionsProviders: Provider[], controller: Type<unknown> | undefined): DynamicModule {
  const routerToken = getLlmRouterToken(name);
  const collectorToken = getMetricsCollectorToken(name);
  const healthToken = getLlmRouterHealthIndicatorToken(name);
  const providers: Provider[] = [
    ...optionsProviders,
    { provide: LLM_ROUTER_MODULE_ID, useValue: ++registrations },
    {
      provide: LLM_METRICS_COLLECTOR,
      useFactory: (o: LlmRouterModuleOptions) => (o.metricsEnabled === false ? undefined : (o.metricsCollector ?? new MetricsCollector({ logger: o.logger, metadataLabels: o.metrics?.metadataLabels }))),
      inject: [LLM_ROUTER_OPTIONS],
    },
    {
      provide: LLM_ROUTER_INSTANCE,
      useFactory: (o: LlmRouterModuleOptions, collector: MetricsCollector | undefined) => new LlmRouter(routerOptions(o, collector)),
      inject: [LLM_ROUTER_OPTIONS, LLM_METRICS_COLLECTOR],
    },
    { provide: LLM_ROUTER_HEALTH_OPTIONS, useFactory: (o: LlmRouterModuleOptions) => o.health ?? {}, inject: [LLM_ROUTER_OPTIONS] },
    { provide: routerToken, useExisting: LLM_ROUTER_INSTANCE },
    { provide: collectorToken, useFactory: (collector: MetricsCollector | undefined) => collector, inject: [LLM_METRICS_COLLECTOR] },
    {
      provide: healthToken,
      useFactory: (router: LlmRouter, health: LlmRouterHealthOptions) => new LlmRouterHealthIndicator(router, health),
      inject: [LLM_ROUTER_INSTANCE, LLM_ROUTER_HEALTH_OPTIONS],
    },
    LlmRouterLifecycle,
  ];
  const exports: NonNullable<DynamicModule['exports']> =
    name === DEFAULT_LLM_ROUTER_NAME
      ? [routerToken, collectorToken, healthToken, LLM_ROUTER_OPTIONS, LLM_METRICS_COLLECTOR, LLM_ROUTER_HEALTH_OPTIONS]
      : [routerToken, collectorToken, healthToken];
  if (controller !== undefined) {
    providers.push({
      provide: LLM_ROUTER_ROUTES,
      useFactory: (o: LlmRouterModuleOptions) => {
        const routes = resolveMetricsRoutes(o);
        configureMetricsController(controller, routes);
        return routes;
      },
      inject: [LLM_ROUTER_OPTIONS],
    });
  }
  return {
    module: LlmRouterModule,
    global,
    imports,
    controllers: controller === undefined ? [] : [controller],
    providers,
    exports,
  };
}
