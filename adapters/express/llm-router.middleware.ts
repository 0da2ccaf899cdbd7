import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import { ConfigurationError, MetricsCollector } from 'llm-api-router';
import { BEARER_CHALLENGE, createBearerTokenVerifier } from '../shared/bearer-token.js';
import {
  DEFAULT_HEALTH_OPTIONS,
  judgeRouterHealth,
  type ResolvedHealthOptions,
  resolveHealthOptions,
  toHealthResponse,
} from '../shared/evaluate-router-health.js';
import { onlyKnownOptions } from '../shared/known-options.js';
import { buildLlmRouterStats, normalizePath, statsPath, statsWindowFromQuery } from '../shared/llm-router-stats.js';
import type { LlmRouterMiddleware, LlmRouterMiddlewareAuthorizer, LlmRouterMiddlewareOptions } from './llm-router-middleware-options.interface.js';

type Verdict = 'allow' | 401 | 403;

const MIDDLEWARE_KEYS = ['router', 'path', 'collector', 'metadataLabels', 'auth', 'stats', 'health'] as const satisfies ReadonlyArray<keyof LlmRouterMiddlewareOptions>;

interface HealthRoute {
  path: string;
  key: string;
  thresholds: ResolvedHealthOptions;
}

/**
 * An Express (4 or 5) middleware serving a router's metrics:
 *
 * ```ts
 * const metrics = llmRouterMiddleware({ router, path: '/metrics', auth: { bearerToken: process.env.METRICS_TOKEN! } });
 * app.use(metrics);
 * // on shutdown: metrics.close(); await router.close();
 * ```
 *
 * `GET <path>` answers the Prometheus text (OpenMetrics when the `Accept` header asks for it, with the
 * matching `Content-Type`); `GET <stats.path>` answers JSON stats and `GET <health.path>` the router's
 * health when enabled; every other request goes to `next()`. It depends on nothing from Express, so it
 * also runs under connect or `node:http`.
 */
export function llmRouterMiddleware(options: LlmRouterMiddlewareOptions): LlmRouterMiddleware {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError('options', 'must be an object');
  onlyKnownOptions(options, MIDDLEWARE_KEYS, '', 'llmRouterMiddleware');
  const { router } = options;
  if (typeof router !== 'object' || router === null || typeof router.getMetricsCollector !== 'function') {
    throw new ConfigurationError('router', 'must be an LlmRouter or a Client');
  }
  const own = router.getMetricsCollector();
  const labels = options.metadataLabels;
  if (labels !== undefined && options.collector !== undefined) {
    throw new ConfigurationError('metadataLabels', 'cannot be combined with collector: give the collector its metadataLabels');
  }
  const created = labels === undefined ? undefined : new MetricsCollector({ metadataLabels: labels });
  const collector = options.collector ?? created ?? own;
  if (collector === undefined) throw new ConfigurationError('collector', 'is required when the router has metricsEnabled: false');
  const metricsPath = normalizePath(options.path, '/metrics', 'path');
  const stats = statsPath(options.stats, 'stats');
  if (stats === metricsPath) throw new ConfigurationError('stats.path', 'must differ from the metrics path');
  const health = resolveHealthRoute(options.health, collector, [metricsPath, stats]);
  const authorize = createAuthorizer(options.auth);
  let subscription: Subscription | undefined = collector === own ? undefined : collector.attach(router);

  const serve = async (req: IncomingMessage, res: ServerResponse, route: 'metrics' | 'stats'): Promise<void> => {
    const verdict = authorize === undefined ? 'allow' : await authorize(req);
    if (verdict === 401) {
      res.setHeader('WWW-Authenticate', BEARER_CHALLENGE);
      sendJson(req, res, 401, { statusCode: 401, message: 'Unauthorized' });
    } else if (verdict === 403) {
      sendJson(req, res, 403, { statusCode: 403, message: 'Forbidden' });
    } else if (route === 'metrics') {
      const accept = req.headers.accept;
      const { contentType, body } = await collector.getMetricsResponse(accept);
      send(req, res, 200, contentType, body);
    } else {
      const window = statsWindowFromQuery(req.url, collector);
      if (!window.ok) sendJson(req, res, 400, { statusCode: 400, message: window.message });
      else sendJson(req, res, 200, buildLlmRouterStats(router, collector, window.windowMs));
    }
  };

  const serveHealth = (req: IncomingMessage, res: ServerResponse, route: HealthRoute): void => {
    const body = toHealthResponse(route.key, judgeRouterHealth(router, route.thresholds, collector), route.thresholds.degradedStatus);
    sendJson(req, res, body.status === 'error' ? 503 : 200, body);
  };

  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let pathname = q < 0 ? url : url.slice(0, q);
    if (pathname.length > 1 && pathname.endsWith('/')) pathname = pathname.slice(0, -1);
    if (health !== undefined && pathname === health.path) {
      try {
        serveHealth(req, res, health);
      } catch (error) {
        next(error);
      }
      return;
    }
    const route = pathname === metricsPath ? 'metrics' : pathname === stats ? 'stats' : undefined;
    if (route === undefined) return next();
    serve(req, res, route).catch(next);
  };

  return Object.assign(middleware, {
    collector,
    close(): void {
      subscription?.unsubscribe();
      subscription = undefined;
      created?.close();
    },
  });
}

function resolveHealthRoute(health: LlmRouterMiddlewareOptions['health'], collector: MetricsCollector, taken: Array<string | undefined>): HealthRoute | undefined {
  if (health === undefined || health === false) return undefined;
  if (health !== true && (typeof health !== 'object' || health === null)) throw new ConfigurationError('health', 'must be a boolean or { path, key, ...thresholds }');
  const o = health === true ? {} : health;
  const path = normalizePath(o.path, '/health', 'health.path');
  if (taken.includes(path)) throw new ConfigurationError('health.path', 'must differ from the metrics and stats paths');
  if (o.key !== undefined && (typeof o.key !== 'string' || o.key.length === 0)) throw new ConfigurationError('health.key', 'must be a non-empty string');
  const thresholds = resolveHealthOptions(o, DEFAULT_HEALTH_OPTIONS, 'health', ['path', 'key']);
  const max = collector.maxWindowMs;
  if (thresholds.windowMs > max) {
    throw new ConfigurationError('health.windowMs', max === 0 ? 'needs rolling windows, but the collector has maxWindowMs: 0' : `must be at most the collector's maxWindowMs (${max})`);
  }
  return { path, key: o.key ?? 'llm', thresholds };
}

function createAuthorizer(auth: LlmRouterMiddlewareOptions['auth']): ((req: IncomingMessage) => Promise<Verdict>) | undefined {
  if (auth === undefined) return undefined;
  if (typeof auth === 'function') {
    const check: LlmRouterMiddlewareAuthorizer = auth;
    return async (req) => ((await check(req)) === true ? 'allow' : 403);
  }
  if (typeof auth !== 'object' || auth === null) throw new ConfigurationError('auth', 'must be { bearerToken } or a function of the request');
  onlyKnownOptions(auth, ['bearerToken'], 'auth');
  if (auth.bearerToken === undefined) return undefined;
  const verify = createBearerTokenVerifier(auth.bearerToken, 'auth.bearerToken');
  return async (req) => (verify(req.headers.authorization) ? 'allow' : 401);
}

function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void {
  send(req, res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}
