import { LATENCY_REPROBE_MS } from '../../config/defaults.js';
import type { Target } from '../request-run.js';
import type { RouteContext, RoutingStrategyImpl } from './routing-strategy.js';
import { keyBuffer, sortByKeys } from './sort-by-keys.js';

/**
 * Fastest first, by the moving average of the latency the router measured on successful attempts
 * (time to first chunk for streams). Exploration, deterministic: a provider with no sample, or whose
 * latest sample is older than `reprobeMs` of the router clock, goes first (so it is measured, and a
 * provider that was slow once is probed again now and then). Ties keep the configured order.
 */
export class LeastLatencyStrategy implements RoutingStrategyImpl {
  constructor(private readonly reprobeMs: number = LATENCY_REPROBE_MS) {}

  order(targets: readonly Target[], ctx: RouteContext): readonly Target[] {
    const n = targets.length;
    if (n < 2) return targets;
    const keys = keyBuffer(n);
    const stale = ctx.now - this.reprobeMs;
    for (let i = 0; i < n; i++) {
      const s = targets[i]!.slot;
      const l = s.latencyEwma;
      keys[i] = l === undefined || (s.latencyMeasuredAt ?? 0) < stale ? -1 : l;
    }
    return sortByKeys(targets, keys);
  }
}
