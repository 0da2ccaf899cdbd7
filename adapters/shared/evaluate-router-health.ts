import { ConfigurationError, type CircuitState, type MetricsCollector, type LlmRouter } from 'llm-api-router';
import { onlyKnownOptions } from './known-options.js';

/** The health of one provider or of the whole router. */
export type LlmHealthStatus = 'up' | 'degraded' | 'down';

/** Thresholds of the router's health (`LlmRouterHealthIndicator`, `evaluateRouterHealth`, the Express `health` route). */
export interface LlmRouterHealthOptions {
  /** Rolling window of the success rate, in ms, at most the collector's `maxWindowMs` (default 5 minutes). Default 60,000. */
  windowMs?: number;
  /** A provider whose success rate in the window is below this is degraded. Default 0.9. */
  degradedSuccessRate?: number;
  /** A provider whose success rate in the window is below this is down. Default 0.5. */
  downSuccessRate?: number;
  /** Attempts a provider needs in the window before its success rate counts. Default 5. */
  minRequests?: number;
  /**
   * How a degraded router is reported. `'degraded'` (default) uses @nestjs/terminus 12's `degraded`
   * status: the check answers 200 with overall status `degraded`. `'up'` reports `up` with a
   * `degraded: true` detail, for probes that only know up and down (and for terminus 11, which has no
   * `degraded` status and always gets this form).
   */
  degradedStatus?: 'degraded' | 'up';
}

/** What the health check reports about one provider. */
export interface LlmProviderHealth {
  status: LlmHealthStatus;
  /** Circuit breaker state. */
  circuit: CircuitState;
  /** Attempts in the window. */
  requests: number;
  /** Failed attempts in the window. */
  failed: number;
  /** Success rate in the window (0–1), or `null` without attempts. */
  successRate: number | null;
  /** Moving average latency of successful attempts, or `null` before the first. */
  latencyEwmaMs: number | null;
  inFlight: number;
  /** End of the provider's cool-down (after a 429 or 503 with a retry delay) while one runs. */
  cooldownUntil?: number;
  /** Present (true) while the provider is at its `rpm` or `tpm` limit. */
  rateLimited?: true;
  /** Why the provider is not `up`. */
  reason?: string;
}

/** The details of a router's health, under the check's key. */
export interface LlmRouterHealthDetails {
  /** Present (true) when the router is degraded but reported as `up` (`degradedStatus: 'up'`). */
  degraded?: true;
  /** Providers that can take a request now (not down). */
  usableProviders: number;
  totalProviders: number;
  windowMs: number;
  providers: Record<string, LlmProviderHealth>;
  /** The budgets spent for their window (requests they cover are refused): present when there are any. */
  exhaustedBudgets?: string[];
}

/** The router's health and each provider's. */
export interface LlmRouterHealth {
  status: LlmHealthStatus;
  details: LlmRouterHealthDetails;
}

/** Options of `evaluateRouterHealth`. */
export interface EvaluateRouterHealthOptions extends LlmRouterHealthOptions {
  /** The collector whose rolling window is judged. Default: the router's own. */
  collector?: MetricsCollector;
}

/** One entry of a health check body: the details plus the status, as @nestjs/terminus writes it. */
export type LlmRouterHealthEntry = LlmRouterHealthDetails & { status: LlmHealthStatus };

/**
 * A health check body in @nestjs/terminus' shape (`HealthCheckResult`), so that a plain Express route
 * answers like a Nest application's terminus route; sent with 503 when `status` is `error`, else 200.
 */
export interface LlmRouterHealthResponse {
  status: 'ok' | 'degraded' | 'error';
  info: Record<string, LlmRouterHealthEntry>;
  error: Record<string, LlmRouterHealthEntry>;
  details: Record<string, LlmRouterHealthEntry>;
}

/** Thresholds with every default filled in and checked. */
export type ResolvedHealthOptions = Readonly<Required<LlmRouterHealthOptions>>;

const HEALTH_KEYS = ['windowMs', 'degradedSuccessRate', 'downSuccessRate', 'minRequests', 'degradedStatus'] as const satisfies ReadonlyArray<keyof LlmRouterHealthOptions>;

/** The default thresholds. */
export const DEFAULT_HEALTH_OPTIONS: ResolvedHealthOptions = {
  windowMs: 60_000,
  degradedSuccessRate: 0.9,
  downSuccessRate: 0.5,
  minRequests: 5,
  degradedStatus: 'degraded',
};

/** Fills `options` in from `base` and checks them; a `ConfigurationError` names `${field}.<threshold>`. */
export function resolveHealthOptions(options: LlmRouterHealthOptions | undefined, base: ResolvedHealthOptions, field: string, otherKeys: readonly string[] = []): ResolvedHealthOptions {
  if (typeof options === 'object' && options !== null) onlyKnownOptions(options, [...otherKeys, ...HEALTH_KEYS], field);
  const o = { ...base, ...definedOnly(pickThresholds(options ?? {})) };
  if (!(Number.isFinite(o.windowMs) && o.windowMs > 0)) throw new ConfigurationError(`${field}.windowMs`, 'must be a number > 0');
  for (const k of ['degradedSuccessRate', 'downSuccessRate'] as const) {
    if (!(o[k] >= 0 && o[k] <= 1)) throw new ConfigurationError(`${field}.${k}`, 'must be a number between 0 and 1');
  }
  if (o.downSuccessRate > o.degradedSuccessRate) throw new ConfigurationError(`${field}.downSuccessRate`, 'must be <= degradedSuccessRate');
  if (!(Number.isInteger(o.minRequests) && o.minRequests >= 1)) throw new ConfigurationError(`${field}.minRequests`, 'must be a whole number >= 1');
  if (o.degradedStatus !== 'degraded' && o.degradedStatus !== 'up') throw new ConfigurationError(`${field}.degradedStatus`, "must be 'degraded' or 'up'");
  return o;
}

/**
 * The health of an `LlmRouter`, without any framework:
 *
 * ```ts
 * const { status, details } = evaluateRouterHealth(router, { windowMs: 30_000 });
 * ```
 *
 * A provider is `down` when its circuit is open and cooling down, or its success rate over the rolling
 * window is below `downSuccessRate`; `degraded` when its circuit is half-open (or open with the cool-down
 * over, so that the next request probes it) or its success rate is below `degradedSuccessRate`; else `up`.
 * A provider cooling down (after a 429 or 503 with a retry delay) or at its `rpm`/`tpm` limit is `degraded`.
 * Success rates count once a provider has `minRequests` attempts in the window. The router is `down` when
 * no provider is usable, `degraded` when a provider is not `up` but another still serves or a budget is
 * spent (`exhaustedBudgets`), else `up`.
 * `LlmRouterHealthIndicator` (NestJS) and the Express middleware's `health` route judge the same way.
 */
export function evaluateRouterHealth(router: LlmRouter, options: EvaluateRouterHealthOptions = {}): LlmRouterHealth {
  return judgeRouterHealth(router, resolveHealthOptions(options, DEFAULT_HEALTH_OPTIONS, 'options', ['collector']), options.collector);
}

/** `evaluateRouterHealth` with thresholds already resolved. */
export function judgeRouterHealth(router: LlmRouter, o: ResolvedHealthOptions, collector?: MetricsCollector): LlmRouterHealth {
  const totals = new Map<string, { requests: number; failed: number }>();
  for (const a of (collector ?? router).getAggregatedMetrics({ windowMs: o.windowMs })) {
    const t = totals.get(a.provider) ?? { requests: 0, failed: 0 };
    t.requests += a.totalRequests;
    t.failed += a.failedRequests;
    totals.set(a.provider, t);
  }
  const providers: Record<string, LlmProviderHealth> = {};
  let usable = 0;
  let allUp = true;
  const statuses = router.getProviderStatus();
  for (const p of statuses) {
    const t = totals.get(p.name) ?? { requests: 0, failed: 0 };
    const successRate = t.requests === 0 ? null : (t.requests - t.failed) / t.requests;
    let [status, reason] = verdict(p.state, p.available, t.requests >= o.minRequests ? successRate : null, o);
    if (status === 'up' && (p.cooldownUntil != null || p.rateLimited)) {
      status = 'degraded';
      reason = p.cooldownUntil != null ? 'cooling down after a rate limit' : 'at its rpm/tpm limit';
    }
    if (status !== 'down') usable++;
    if (status !== 'up') allUp = false;
    providers[p.name] = {
      status,
      circuit: p.state,
      requests: t.requests,
      failed: t.failed,
      successRate: successRate === null ? null : round(successRate),
      latencyEwmaMs: p.latencyEwmaMs === null ? null : round(p.latencyEwmaMs),
      inFlight: p.inFlight,
      ...(p.cooldownUntil == null ? {} : { cooldownUntil: p.cooldownUntil }),
      ...(p.rateLimited ? { rateLimited: true as const } : {}),
      ...(reason === undefined ? {} : { reason }),
    };
  }
  const exhausted = router.getBudgetStatus().filter((b) => b.remainingUsd <= 0).map((b) => b.name);
  const status: LlmHealthStatus = usable === 0 ? 'down' : allUp && exhausted.length === 0 ? 'up' : 'degraded';
  const details: LlmRouterHealthDetails = { usableProviders: usable, totalProviders: statuses.length, windowMs: o.windowMs, providers };
  if (exhausted.length > 0) details.exhaustedBudgets = exhausted;
  return { status, details };
}

/**
 * The body a terminus `HealthCheckService.check([() => indicator.isHealthy(key)])` answers, built from a
 * health evaluation: the entry goes to `info` (up, degraded) or `error` (down), and always to `details`.
 */
export function toHealthResponse(key: string, health: LlmRouterHealth, degradedStatus: 'degraded' | 'up'): LlmRouterHealthResponse {
  const asUp = health.status === 'degraded' && degradedStatus === 'up';
  const entry: LlmRouterHealthEntry = asUp ? { ...health.details, degraded: true, status: 'up' } : { ...health.details, status: health.status };
  const down = health.status === 'down';
  return {
    status: down ? 'error' : entry.status === 'degraded' ? 'degraded' : 'ok',
    info: down ? {} : { [key]: entry },
    error: down ? { [key]: entry } : {},
    details: { [key]: entry },
  };
}

/** A provider's status, and why it is not up; `rate` is `null` until it counts (`minRequests`). */
function verdict(state: CircuitState, available: boolean, rate: number | null, o: ResolvedHealthOptions): [LlmHealthStatus, string?] {
  if (state === 'open') return available ? ['degraded', 'circuit open, cool-down over: the next request probes it'] : ['down', 'circuit open'];
  if (rate !== null && rate < o.downSuccessRate) return ['down', `success rate ${round(rate)} < ${o.downSuccessRate}`];
  if (state === 'half_open') return ['degraded', 'circuit half-open'];
  if (rate !== null && rate < o.degradedSuccessRate) return ['degraded', `success rate ${round(rate)} < ${o.degradedSuccessRate}`];
  return ['up'];
}

function pickThresholds(o: LlmRouterHealthOptions): LlmRouterHealthOptions {
  const { windowMs, degradedSuccessRate, downSuccessRate, minRequests, degradedStatus } = o;
  return { windowMs, degradedSuccessRate, downSuccessRate, minRequests, degradedStatus };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
