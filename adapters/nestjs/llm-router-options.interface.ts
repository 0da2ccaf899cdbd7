import type { CanActivate, ModuleMetadata, Provider, Type } from '@nestjs/common';
import type { LlmRouterOptions } from 'llm-api-router';
import type { OpenTelemetryInstrumentationOptions } from 'llm-api-router/opentelemetry';
import type { LlmRouterHealthOptions } from '../shared/evaluate-router-health.js';

export type { LlmRouterHealthOptions } from '../shared/evaluate-router-health.js';

/** Where and how the module serves the router's metrics. */
export interface LlmRouterMetricsOptions {
  /**
   * Serve the Prometheus text. Default `true` (`false` when the router's `metricsEnabled` is `false`).
   * When `false` no route is mapped, so the path answers 404 like any unknown path.
   */
  enabled?: boolean;
  /**
   * Path of the Prometheus route. Default `/metrics` (`/metrics/<name>` for a named registration). It is relative to the application's global prefix,
   * if any (exclude it with `app.setGlobalPrefix('api', { exclude: ['metrics'] })`). Each module
   * registration has its own path, so two applications in one process may serve different ones.
   */
  path?: string;
  /**
   * A bearer token the scraper must send (`Authorization: Bearer <token>`); other requests get 401.
   * Compared in constant time. Prometheus sends it with `authorization: { credentials: <token> }`.
   */
  bearerToken?: string;
  /**
   * Your own guard for the metrics and stats routes, as a class (instantiated in this module's
   * injector, or taken from the container if it is already a provider) or an instance. It runs after
   * the bearer check; returning `false` answers 403.
   */
  guard?: Type<CanActivate> | CanActivate;
  /**
   * A JSON stats route (summary, aggregates per provider and model, provider comparison and circuit
   * states), protected like the metrics route. `true` serves it at `/stats`. Default off. Accepts
   * `?windowMs=` to aggregate a rolling window only, of at most the collector's `maxWindowMs`; any
   * other value answers 400.
   */
  stats?: boolean | { path?: string };
  /**
   * `metadata` keys that become labels of the routed-request families and the cost counter of the
   * module's own collector. Not together with `metricsCollector` (give that one its `metadataLabels`) nor
   * `metricsEnabled: false`: either is a `ConfigurationError`.
   */
  metadataLabels?: string[];
}

/**
 * Options of `LlmRouterModule.forRoot`: the `LlmRouter` options plus the module's own.
 *
 * The collector: `metricsCollector` if given (you own it and close it), else a new `MetricsCollector`
 * per module instance, closed with the application (never the process-wide one, so applications
 * started and stopped in one process never share or leak metrics).
 */
export interface LlmRouterModuleOptions extends LlmRouterOptions {
  /**
   * Tells several routers of one application apart. The default registration (no name, or `'default'`)
   * provides `LlmRouter`, `MetricsCollector` and `LlmRouterHealthIndicator` by class; a named one
   * provides them under `getLlmRouterToken(name)`, `getMetricsCollectorToken(name)` and
   * `getLlmRouterHealthIndicatorToken(name)` (`@InjectLlmRouter(name)`, …), and its routes default to
   * `/metrics/<name>` and `/stats/<name>`. Letters, digits, `_` and `-`. In `forRootAsync`, give it in
   * the async options.
   */
  name?: string;
  /** The metrics routes. Default: Prometheus text at `/metrics`, no stats route, no protection. */
  metrics?: LlmRouterMetricsOptions;
  /** Default thresholds of `LlmRouterHealthIndicator.isHealthy()`. */
  health?: LlmRouterHealthOptions;
  /** Register the module globally, so that `LlmRouter` is injectable everywhere without importing it. Default `false`. */
  isGlobal?: boolean;
  /**
   * Export the router's events as OpenTelemetry GenAI metrics and spans (`instrumentOpenTelemetry` of
   * `llm-api-router/opentelemetry`, loaded only when this is set, so `@opentelemetry/api` stays an
   * optional peer). `true` uses the global meter and tracer providers; an object passes its
   * `meterProvider`, `tracerProvider` and `captureContent`. Subscribed when the module starts,
   * unsubscribed when the application closes (after the router, so its last attempts are exported).
   * Default off.
   */
  openTelemetry?: boolean | OpenTelemetryInstrumentationOptions;
}

/** A class that creates the module's options (for `forRootAsync({ useClass | useExisting })`). */
export interface LlmRouterOptionsFactory {
  createLlmRouterOptions(): Promise<LlmRouterModuleOptions> | LlmRouterModuleOptions;
}

/** Options of `LlmRouterModule.forRootAsync`. Give exactly one of `useFactory`, `useClass`, `useExisting`. */
export interface LlmRouterModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** The registration's name (see `LlmRouterModuleOptions.name`); it shapes the module, so it is given here. */
  name?: string;
  /** A function returning the options; its arguments are the providers listed in `inject`. */
  useFactory?: (...args: any[]) => Promise<LlmRouterModuleOptions> | LlmRouterModuleOptions;
  /** Providers passed to `useFactory`, in order. */
  inject?: Array<Type<unknown> | string | symbol | { token: Type<unknown> | string | symbol; optional: boolean }>;
  /** A class, instantiated in this module, whose `createLlmRouterOptions()` returns the options. */
  useClass?: Type<LlmRouterOptionsFactory>;
  /** An existing provider (from `imports`) whose `createLlmRouterOptions()` returns the options. */
  useExisting?: Type<LlmRouterOptionsFactory>;
  /** Extra providers available to the options factory. */
  extraProviders?: Provider[];
  /**
   * Register the module globally. Must be given here rather than by the factory, because it shapes the
   * module before the factory runs. Default `false`.
   */
  isGlobal?: boolean;
}
