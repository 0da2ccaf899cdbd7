import { Inject, Injectable, Optional } from '@nestjs/common';
import { ConfigurationError } from '../../lib/errors/llm-router-error.js';
import type { CircuitState } from '../../lib/events/router-event.js';
import { LlmRouter, type ProviderStatus } from '../../lib/router/llm-router.js';
import { LLM_ROUTER_HEALTH_OPTIONS } from './llm-router.constants.js';
import type { LlmRouterHealthOptions } from './llm-router-options.interface.js';

/** The health of one provider or of the whole router. */
export type LlmHealthStatus = 'up' | 'degraded' | 'down';

/** What the indicator reports about one provider. */
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
  /** Why the provider is not `up`. */
  reason?: string;
}

/** The details of a router's health, under the indicator's key. */
export interface LlmRouterHealthDetails {
  /** Present (true) when the router is degraded but reported as `up` (`degradedStatus: 'up'`). */
  degraded?: true;
  /** Providers that can take a request now (not down). */
  usableProviders: number;
  totalProviders: number;
  windowMs: number;
  providers: Record<string, LlmProviderHealth>;
}

/** A terminus-compatible result: `{ [key]: { status, ...details } }`. */
export type LlmRouterHealthResult<Key extends string = string> = Record<Key, { status: LlmHealthStatus } & LlmRouterHealthDetails>;

/**
 * A provider status that may say whether the provider would be tried now (an open circuit whose
 * cool-down is over lets the next request through as a probe).
 */
type ProviderAvailability = ProviderStatus & { available?: boolean };

/** The part of terminus' `HealthIndicatorSession` the indicator uses (terminus 11 has no `degraded`). */
interface HealthSession {
  up(data: object): Record<string, unknown>;
  down(data: object): Record<string, unknown>;
  degraded?(data: object): Record<string, unknown>;
}

interface HealthService {
  check(key: string): HealthSession;
}

/** Builds results of the same shape as terminus when @nestjs/terminus is not installed. */
const plainHealthService: HealthService = {
  check: (key) => ({
    up: (data) => ({ [key]: { ...data, status: 'up' } }),
    down: (data) => ({ [key]: { ...data, status: 'down' } }),
    degraded: (data) => ({ [key]: { ...data, status: 'degraded' } }),
  }),
};

let healthService: Promise<HealthService> | undefined;

/** terminus' `HealthIndicatorService`, loaded on first use so that terminus stays an optional peer. */
function loadHealthService(): Promise<HealthService> {
  healthService ??= import('@nestjs/terminus').then(
    (terminus) => new terminus.HealthIndicatorService() as unknown as HealthService,
    () => plainHealthService,
  );
  return healthService;
}

const DEFAULTS: Required<LlmRouterHealthOptions> = {
  windowMs: 60_000,
  degradedSuccessRate: 0.9,
  downSuccessRate: 0.5,
  minRequests: 5,
  degradedStatus: 'degraded',
};

function resolve(options: LlmRouterHealthOptions | undefined, base: Required<LlmRouterHealthOptions>, field: string): Required<LlmRouterHealthOptions> {
  const o = { ...base, ...definedOnly(options ?? {}) };
  if (!(Number.isFinite(o.windowMs) && o.windowMs > 0)) throw new ConfigurationError(`${field}.windowMs`, 'must be a number > 0');
  for (const k of ['degradedSuccessRate', 'downSuccessRate'] as const) {
    if (!(o[k] >= 0 && o[k] <= 1)) throw new ConfigurationError(`${field}.${k}`, 'must be a number between 0 and 1');
  }
  if (o.downSuccessRate > o.degradedSuccessRate) throw new ConfigurationError(`${field}.downSuccessRate`, 'must be <= degradedSuccessRate');
  if (!(Number.isInteger(o.minRequests) && o.minRequests >= 1)) throw new ConfigurationError(`${field}.minRequests`, 'must be a whole number >= 1');
  if (o.degradedStatus !== 'degraded' && o.degradedStatus !== 'up') throw new ConfigurationError(`${field}.degradedStatus`, "must be 'degraded' or 'up'");
  return o;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Health of an `LlmRouter` for @nestjs/terminus 12 (`HealthIndicatorService`):
 *
 * ```ts
 * @Controller('health')
 * export class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly llm: LlmRouterHealthIndicator) {}
 *
 *   @Get()
 *   @HealthCheck()
 *   check() {
 *     return this.health.check([() => this.llm.isHealthy('llm')]);
 *   }
 * }
 * // in a module that imports TerminusModule and LlmRouterModule
 * ```
 *
 * A provider is `down` when its circuit is open and cooling down, or its success rate over the rolling
 * window is below `downSuccessRate`; `degraded` when its circuit is half-open or its success rate is
 * below `degradedSuccessRate`; else `up`. Success rates count once a provider has `minRequests`
 * attempts in the window. The router is `down` when no provider is usable (the check answers 503),
 * `degraded` when a provider is not `up` but another still serves (200), else `up`; each provider's
 * figures are in the details.
 *
 * @nestjs/terminus stays an optional peer: `LlmRouterModule` provides this class without loading it;
 * the first check loads it, and without it the result has the same shape, for a health route of your own.
 * Outside Nest: `new LlmRouterHealthIndicator(router, thresholds)`.
 */
@Injectable()
export class LlmRouterHealthIndicator {
  private readonly defaults: Required<LlmRouterHealthOptions>;

  constructor(
    private readonly router: LlmRouter,
    @Optional() @Inject(LLM_ROUTER_HEALTH_OPTIONS) options?: LlmRouterHealthOptions,
  ) {
    this.defaults = resolve(options, DEFAULTS, 'health');
  }

  /** Checks the router; `options` override the module's thresholds for this call. */
  async isHealthy<const Key extends string = 'llm'>(key: Key = 'llm' as Key, options?: LlmRouterHealthOptions): Promise<LlmRouterHealthResult<Key>> {
    const o = options === undefined ? this.defaults : resolve(options, this.defaults, 'options');
    const { status, details } = this.evaluate(o);
    const session = (await loadHealthService()).check(key);
    let result: Record<string, unknown>;
    if (status === 'down') result = session.down(details);
    else if (status === 'up') result = session.up(details);
    else if (o.degradedStatus === 'degraded' && typeof session.degraded === 'function') result = session.degraded(details);
    else result = session.up({ ...details, degraded: true });
    return result as LlmRouterHealthResult<Key>;
  }

  /** The router's health and each provider's, without going through terminus. */
  evaluate(options: LlmRouterHealthOptions = {}): { status: LlmHealthStatus; details: LlmRouterHealthDetails } {
    const o = resolve(options, this.defaults, 'options');
    const totals = new Map<string, { requests: number; failed: number }>();
    for (const a of this.router.getAggregatedMetrics({ windowMs: o.windowMs })) {
      const t = totals.get(a.provider) ?? { requests: 0, failed: 0 };
      t.requests += a.totalRequests;
      t.failed += a.failedRequests;
      totals.set(a.provider, t);
    }
    const providers: Record<string, LlmProviderHealth> = {};
    let usable = 0;
    let allUp = true;
    const statuses: ProviderAvailability[] = this.router.getProviderStatus();
    for (const p of statuses) {
      const t = totals.get(p.name) ?? { requests: 0, failed: 0 };
      const successRate = t.requests === 0 ? null : (t.requests - t.failed) / t.requests;
      const judged = successRate !== null && t.requests >= o.minRequests;
      let status: LlmHealthStatus = 'up';
      let reason: string | undefined;
      if (p.state === 'open' && p.available !== true) {
        status = 'down';
        reason = 'circuit open';
      } else if (p.state === 'open') {
        status = 'degraded';
        reason = 'circuit open, cool-down over: the next request probes it';
      } else if (judged && successRate < o.downSuccessRate) {
        status = 'down';
        reason = `success rate ${round(successRate)} < ${o.downSuccessRate}`;
      } else if (p.state === 'half_open') {
        status = 'degraded';
        reason = 'circuit half-open';
      } else if (judged && successRate < o.degradedSuccessRate) {
        status = 'degraded';
        reason = `success rate ${round(successRate)} < ${o.degradedSuccessRate}`;
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
        ...(reason === undefined ? {} : { reason }),
      };
    }
    const status: LlmHealthStatus = usable === 0 ? 'down' : allUp ? 'up' : 'degraded';
    return { status, details: { usableProviders: usable, totalProviders: statuses.length, windowMs: o.windowMs, providers } };
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
