import type { IncomingMessage } from 'node:http';
import type { MetricsCollector, LlmRouter } from 'llm-api-router';
import type { LlmRouterHealthOptions } from '../shared/evaluate-router-health.js';

/** Decides whether a request may read the metrics; `false` answers 403. */
export type LlmRouterMiddlewareAuthorizer = (req: IncomingMessage) => boolean | Promise<boolean>;

/** Options of `llmRouterMiddleware`. */
export interface LlmRouterMiddlewareOptions {
  /** The router (or `Client`) whose metrics are served. */
  router: LlmRouter;
  /**
   * Path of the Prometheus route, relative to where the middleware is mounted. Default `/metrics`.
   * Answers `GET` and `HEAD`; every other request goes to `next()`.
   */
  path?: string;
  /**
   * The collector to serve. Default: the router's own (`router.getMetricsCollector()`), which the router
   * already feeds. Another collector is attached to the router's events here and detached by `close()`.
   * Required when the router has `metricsEnabled: false`.
   */
  collector?: MetricsCollector;
  /**
   * `metadata` keys that become labels of the routed-request families and the cost counter. Given, the
   * middleware serves a collector of its own with these labels (attached to the router, closed by
   * `close()`); not together with `collector`.
   */
  metadataLabels?: string[];
  /**
   * Protection of the metrics and stats routes: a bearer token the scraper must send (401 otherwise,
   * compared in constant time), or a function of the request (403 when it returns `false`).
   * `{ bearerToken: undefined }` means no protection (as `metrics.bearerToken: undefined` in the NestJS
   * module), so `auth: { bearerToken: process.env.METRICS_TOKEN }` protects only when the variable is set.
   */
  auth?: { bearerToken: string | undefined } | LlmRouterMiddlewareAuthorizer;
  /**
   * A JSON stats route (summary, aggregates per provider and model, provider comparison and circuit
   * states). `true` serves it at `/stats`. Default off. Accepts `?windowMs=` for a rolling window of at
   * most the collector's `maxWindowMs`; any other value answers 400.
   */
  stats?: boolean | { path?: string };
  /**
   * A health route judged like `LlmRouterHealthIndicator` (see `evaluateRouterHealth`) over the served
   * collector: 200 when the router is up or degraded, 503 when it is down, with a body in
   * @nestjs/terminus' shape (`{ status, info, error, details }`, the details under `key`). `true` serves
   * it at `/health` with the default thresholds. Default off. Not behind `auth`, since probes rarely send
   * credentials; mount the middleware behind a guard of your own if the details are sensitive.
   */
  health?: boolean | LlmRouterMiddlewareHealthOptions;
}

/** The `health` route of `llmRouterMiddleware`: its path, its key and the thresholds. */
export interface LlmRouterMiddlewareHealthOptions extends LlmRouterHealthOptions {
  /** Path of the route. Default `/health`. */
  path?: string;
  /** The key of the entry in the body (`details[key]`). Default `llm`. */
  key?: string;
}

/** An Express (4 or 5) middleware with a `close()` that detaches what it attached. */
export interface LlmRouterMiddleware {
  (req: IncomingMessage, res: import('node:http').ServerResponse, next: (error?: unknown) => void): void;
  /** The collector being served. */
  readonly collector: MetricsCollector;
  /** Detaches the collector from the router if the middleware attached it. Idempotent. */
  close(): void;
}
