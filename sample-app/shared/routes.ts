import { ApiError } from './api-error.js';

/** One route of the sample service: a path pattern and the methods it answers. */
interface Route {
  pattern: RegExp;
  methods: readonly string[];
}

const GET = ['GET', 'HEAD'] as const;

/** The routes of the sample service (the same on every variant), for 404 and 405 answers. */
export function sampleRoutes(metricsPath: string): readonly Route[] {
  const exact = (path: string): RegExp => new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/?$`);
  return [
    { pattern: exact('/v1/chat/completions'), methods: ['POST'] },
    { pattern: exact('/v1/embeddings'), methods: ['POST'] },
    { pattern: exact('/v1/models'), methods: GET },
    { pattern: /^\/v1\/models\/[^/]+\/?$/, methods: GET },
    { pattern: exact(metricsPath), methods: GET },
    { pattern: exact('/stats'), methods: GET },
    { pattern: exact('/health'), methods: GET },
  ];
}

/**
 * The answer to a request no route took, worded like OpenAI's: 405 `Invalid method for URL (…)`
 * with an `Allow` header when the path exists with other methods, else 404 `Invalid URL (…)`.
 */
export function unmatchedRoute(routes: readonly Route[], method: string | undefined, url: string | undefined): ApiError {
  const m = method ?? 'GET';
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  const route = routes.find((r) => r.pattern.test(path));
  if (route !== undefined && !route.methods.includes(m)) {
    return new ApiError(405, `Invalid method for URL (${m} ${shown})`, 'invalid_request_error', 'method_not_allowed', null, { allow: route.methods.join(', ') });
  }
  return new ApiError(404, `Invalid URL (${m} ${shown})`, 'invalid_request_error', 'unknown_url');
}
