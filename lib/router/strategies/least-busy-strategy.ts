import type { Target } from '../request-run.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';
import { keyBuffer, sortByKeys } from './sort-by-keys.js';

/** Fewest attempts in flight (in this router) first; ties keep the configured order. */
export class LeastBusyStrategy implements RoutingStrategyImpl {
  order(targets: readonly Target[]): readonly Target[] {
    const n = targets.length;
    if (n < 2) return targets;
    const keys = keyBuffer(n);
    for (let i = 0; i < n; i++) keys[i] = targets[i]!.slot.inFlight;
    return sortByKeys(targets, keys);
  }
}
