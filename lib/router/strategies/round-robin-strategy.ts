import type { Target } from '../request-run.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';

/** Each request starts at the next provider; the others follow in order as fallbacks. */
export class RoundRobinStrategy implements RoutingStrategyImpl {
  private next = 0;

  order(targets: readonly Target[]): readonly Target[] {
    const n = targets.length;
    if (n < 2) return targets;
    const start = this.next++ % n;
    if (this.next > 1e9) this.next = 0;
    if (start === 0) return targets;
    const out = new Array<Target>(n);
    for (let i = 0; i < n; i++) out[i] = targets[(start + i) % n]!;
    return out;
  }
}
