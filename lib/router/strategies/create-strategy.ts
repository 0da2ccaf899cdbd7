import type { RoutingStrategy } from '../../config/router-options.js';
import type { CostCalculator } from '../../cost/index.js';
import { FallbackStrategy } from './fallback-strategy.js';
import { LeastBusyStrategy } from './least-busy-strategy.js';
import { LeastLatencyStrategy } from './least-latency-strategy.js';
import { LowestCostStrategy } from './lowest-cost-strategy.js';
import { RoundRobinStrategy } from './round-robin-strategy.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';
import { UsageBasedStrategy } from './usage-based-strategy.js';
import { WeightedStrategy } from './weighted-strategy.js';

/** What strategies may need of the router. */
export interface StrategyDeps {
  /** Prices requests (`lowest-cost`). */
  cost: CostCalculator;
}

export function createStrategy(name: RoutingStrategy, deps: StrategyDeps): RoutingStrategyImpl {
  switch (name) {
    case 'round-robin':
      return new RoundRobinStrategy();
    case 'weighted':
      return new WeightedStrategy();
    case 'least-latency':
      return new LeastLatencyStrategy();
    case 'least-busy':
      return new LeastBusyStrategy();
    case 'lowest-cost':
      return new LowestCostStrategy(deps.cost);
    case 'usage-based':
      return new UsageBasedStrategy();
    default:
      return new FallbackStrategy();
  }
}
