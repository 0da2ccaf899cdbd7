import { Inject, Injectable, Optional } from '@nestjs/common';
import { LlmRouter } from 'llm-api-router';
import {
  DEFAULT_HEALTH_OPTIONS,
  judgeRouterHealth,
  type LlmHealthStatus,
  type LlmRouterHealthDetails,
  type LlmRouterHealthOptions,
  type ResolvedHealthOptions,
  resolveHealthOptions,
} from '../shared/evaluate-router-health.js';
import { LLM_ROUTER_HEALTH_OPTIONS, LLM_ROUTER_INSTANCE } from './llm-router.constants.js';

export type { LlmHealthStatus, LlmProviderHealth, LlmRouterHealthDetails } from '../shared/evaluate-router-health.js';

/** A terminus-compatible result: `{ [key]: { status, ...details } }`. */
export type LlmRouterHealthResult<Key extends string = string> = Record<Key, { status: LlmHealthStatus } & LlmRouterHealthDetails>;

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
 * It judges by the rules of `evaluateRouterHealth` (shared with the Express middleware's `health` route):
 * a provider is `down` when its circuit is open and cooling down, or its success rate over the rolling
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
  private readonly defaults: ResolvedHealthOptions;

  constructor(
    @Inject(LLM_ROUTER_INSTANCE) private readonly router: LlmRouter,
    @Optional() @Inject(LLM_ROUTER_HEALTH_OPTIONS) options?: LlmRouterHealthOptions,
  ) {
    this.defaults = resolveHealthOptions(options, DEFAULT_HEALTH_OPTIONS, 'health');
  }

  /** Checks the router; `options` override the module's thresholds for this call. */
  async isHealthy<const Key extends string = 'llm'>(key: Key = 'llm' as Key, options?: LlmRouterHealthOptions): Promise<LlmRouterHealthResult<Key>> {
    const o = options === undefined ? this.defaults : resolveHealthOptions(options, this.defaults, 'options');
    const { status, details } = judgeRouterHealth(this.router, o);
    const session = (await loadHealthService()).check(key);
    let result: Record<string, unknown>;
    if (status === 'down') result = session.down(details);
    else if (status === 'up') result = session.up(details);
    else if (o.degradedStatus === 'degraded' && typeof session.degraded === 'function') result = session.degraded(details);
    else result = session.up({ ...details, degraded: true });
    return result as LlmRouterHealthResult<Key>;
  }

  /** The router's health and each provider's, without going through terminus (see `evaluateRouterHealth`). */
  evaluate(options: LlmRouterHealthOptions = {}): { status: LlmHealthStatus; details: LlmRouterHealthDetails } {
    return judgeRouterHealth(this.router, resolveHealthOptions(options, this.defaults, 'options'));
  }
}
