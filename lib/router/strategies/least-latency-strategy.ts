import type { ProviderSlot } from '../provider-slot.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';

/**
 * Fastest first, by the moving average of successful attempts' latency. Providers not yet measured go
 * first (so each gets measured); ties keep the configured order.
 */
export class LeastLatencyStrategy implements RoutingStrategyImpl {
  order(candidates: ProviderSlot[]): ProviderSlot[] {
    if (candidates.length < 2) return candidates;
    return [...candidates].sort((a, b) => {
      const la = a.latencyEwma ?? -1;
      const lb = b.latencyEwma ?? -1;
      return la === lb ? a.index - b.index : la - lb;
    });
  }
}
