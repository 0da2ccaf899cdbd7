import type { ProviderSlot } from '../provider-slot.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';

/** Providers in the order configured. */
export class FallbackStrategy implements RoutingStrategyImpl {
  order(candidates: ProviderSlot[]): ProviderSlot[] {
    return candidates;
  }
}
