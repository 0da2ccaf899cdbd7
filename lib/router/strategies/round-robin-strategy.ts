import type { ProviderSlot } from '../provider-slot.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';

/** Each request starts at the next provider; the others follow in order as fallbacks. */
export class RoundRobinStrategy implements RoutingStrategyImpl {
  private next = 0;

  order(candidates: ProviderSlot[]): ProviderSlot[] {
    const n = candidates.length;
    if (n < 2) return candidates;
    const start = this.next++ % n;
    if (this.next > 1e9) this.next = 0;
    return start === 0 ? candidates : [...candidates.slice(start), ...candidates.slice(0, start)];
  }
}
