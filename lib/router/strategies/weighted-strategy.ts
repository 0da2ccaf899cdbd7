import type { ProviderSlot } from '../provider-slot.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';

/** Picks the first provider at random in proportion to its `weight`; the others follow in order. */
export class WeightedStrategy implements RoutingStrategyImpl {
  constructor(private readonly random: () => number = Math.random) {}

  order(candidates: ProviderSlot[]): ProviderSlot[] {
    if (candidates.length < 2) return candidates;
    let total = 0;
    for (const c of candidates) total += c.provider.config.weight;
    let pick = this.random() * total;
    let chosen = candidates.length - 1;
    for (let i = 0; i < candidates.length; i++) {
      pick -= candidates[i]!.provider.config.weight;
      if (pick < 0) {
        chosen = i;
        break;
      }
    }
    if (chosen === 0) return candidates;
    return [candidates[chosen]!, ...candidates.slice(0, chosen), ...candidates.slice(chosen + 1)];
  }
}
