import type { LlmRouter } from '../../lib/index.js';

/** Health of one provider or of the router. */
export type HealthStatus = 'up' | 'degraded' | 'down';

/** One provider in the health answer. */
export interface ProviderHealth {
  status: HealthStatus;
  circuit: string;
  requests: number;
  failed: number;
  successRate: number | null;
  latencyEwmaMs: number | null;
  inFlight: number;
  reason?: string;
}

interface HealthEntry {
  status: HealthStatus;
  usableProviders: number;
  totalProviders: number;
  windowMs: number;
  providers: Record<string, ProviderHealth>;
}

/** The body of `GET /health`, in @nestjs/terminus' shape so that both variants answer alike. */
export interface HealthResponse {
  status: 'ok' | 'degraded' | 'error';
  info: Record<string, HealthEntry>;
  error: Record<string, HealthEntry>;
  details: Record<string, HealthEntry>;
}

/** Thresholds of {@link routerHealth}; the defaults are those of `LlmRouterHealthIndicator`. */
export interface RouterHealthOptions {
  windowMs?: number;
  degradedSuccessRate?: number;
  downSuccessRate?: number;
  minRequests?: number;
}

/**
 * The health of a router for the plain Express variant, judged like the NestJS variant's
 * `LlmRouterHealthIndicator`: a provider is down when its circuit is open or its success rate over the
 * window is below `downSuccessRate`, degraded when half-open or below `degradedSuccessRate`; the router
 * is down (503) when no provider is usable, degraded (200) when one is not up.
 */
export function routerHealth(router: LlmRouter, key = 'llm', options: RouterHealthOptions = {}): { status: 200 | 503; body: HealthResponse } {
  const { windowMs = 60_000, degradedSuccessRate = 0.9, downSuccessRate = 0.5, minRequests = 5 } = options;
  const totals = new Map<string, { requests: number; failed: number }>();
  for (const a of router.getAggregatedMetrics({ windowMs })) {
    const t = totals.get(a.provider) ?? { requests: 0, failed: 0 };
    t.requests += a.totalRequests;
    t.failed += a.failedRequests;
    totals.set(a.provider, t);
  }
  const providers: Record<string, ProviderHealth> = {};
  const statuses = router.getProviderStatus();
  let usable = 0;
  let allUp = true;
  for (const p of statuses) {
    const { requests, failed } = totals.get(p.name) ?? { requests: 0, failed: 0 };
    const rate = requests === 0 ? null : (requests - failed) / requests;
    const judged = rate !== null && requests >= minRequests;
    let status: HealthStatus = 'up';
    let reason: string | undefined;
    if (p.state === 'open') [status, reason] = ['down', 'circuit open'];
    else if (judged && rate < downSuccessRate) [status, reason] = ['down', `success rate ${round(rate)} < ${downSuccessRate}`];
    else if (p.state === 'half_open') [status, reason] = ['degraded', 'circuit half-open'];
    else if (judged && rate < degradedSuccessRate) [status, reason] = ['degraded', `success rate ${round(rate)} < ${degradedSuccessRate}`];
    if (status !== 'down') usable++;
    if (status !== 'up') allUp = false;
    providers[p.name] = {
      status,
      circuit: p.state,
      requests,
      failed,
      successRate: rate === null ? null : round(rate),
      latencyEwmaMs: p.latencyEwmaMs === null ? null : round(p.latencyEwmaMs),
      inFlight: p.inFlight,
      ...(reason === undefined ? {} : { reason }),
    };
  }
  const status: HealthStatus = usable === 0 ? 'down' : allUp ? 'up' : 'degraded';
  const entry: HealthEntry = { status, usableProviders: usable, totalProviders: statuses.length, windowMs, providers };
  const down = status === 'down';
  return {
    status: down ? 503 : 200,
    body: {
      status: down ? 'error' : status === 'degraded' ? 'degraded' : 'ok',
      info: down ? {} : { [key]: entry },
      error: down ? { [key]: entry } : {},
      details: { [key]: entry },
    },
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
