import type { ProviderSlot } from '../provider-slot.js';
import type { Target } from '../request-run.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';
import { keyBuffer, sortByKeys } from './sort-by-keys.js';

/**
 * Share of a provider's `rpm` / `tpm` still free in its window, from 0 to 1: the smaller of the two
 * shares; 1 for a provider with no limit.
 */
export function headroomOf(slot: ProviderSlot): number {
  const limits = slot.limits;
  if (limits === undefined) return 1;
  let h = 1;
  if (limits.rpm !== undefined) h = Math.min(h, 1 - (slot.usedRequests ?? 0) / limits.rpm);
  if (limits.tpm !== undefined) h = Math.min(h, 1 - (slot.usedTokens ?? 0) / limits.tpm);
  return h < 0 ? 0 : h;
}

/**
 * Most headroom under `rpm` / `tpm` first (the counts of the request's state read: shared ones with
 * `sharedState`); ties keep the configured order.
 */
export class UsageBasedStrategy implements RoutingStrategyImpl {
  order(targets: readonly Target[]): readonly Target[] {
    const n = targets.length;
    if (n < 2) return targets;
    const keys = keyBuffer(n);
    for (let i = 0; i < n; i++) keys[i] = -headroomOf(targets[i]!.slot);
    return sortByKeys(targets, keys);
  }
}
