import type { Target } from '../request-run.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';

/** Picks the first provider at random in proportion to its `weight`; the others follow in order. */
export class WeightedStrategy implements RoutingStrategyImpl {
  constructor(private readonly random: () => number = Math.random) {}

  order(targets: readonly Target[]): readonly Target[] {
    const n = targets.length;
    if (n < 2) return targets;
    let total = 0;
    for (let i = 0; i < n; i++) total += targets[i]!.slot.provider.config.weight;
    let pick = this.random() * total;
    let chosen = n - 1;
    for (let i = 0; i < n; i++) {
      pick -= targets[i]!.slot.provider.config.weight;
      if (pick < 0) {
        chosen = i;
        break;
      }
    }
    if (chosen === 0) return targets;
    const out = new Array<Target>(n);
    out[0] = targets[chosen]!;
    for (let i = 0, j = 1; i < n; i++) if (i !== chosen) out[j++] = targets[i]!;
    return out;
  }
}
