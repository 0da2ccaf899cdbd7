import type { Target } from '../request-run.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';

/** Providers in the order configured. */
export class FallbackStrategy implements RoutingStrategyImpl {
  order(targets: readonly Target[]): readonly Target[] {
    return targets;
  }
}
