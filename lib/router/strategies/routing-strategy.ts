import type { ProviderSlot } from '../provider-slot.js';

/** Orders the candidate providers of one request: the first is tried first, the rest are fallbacks. */
export interface RoutingStrategyImpl {
  order(candidates: ProviderSlot[]): ProviderSlot[];
}
