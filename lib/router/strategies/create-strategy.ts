import type { RoutingStrategy } from '../../config/router-options.js';
import { FallbackStrategy } from './fallback-strategy.js';
import { LeastLatencyStrategy } from './least-latency-strategy.js';
import { RoundRobinStrategy } from './round-robin-strategy.js';
import type { RoutingStrategyImpl } from './routing-strategy.js';
import { WeightedStrategy } from './weighted-strategy.js';

export function createStrategy(name: RoutingStrategy): RoutingStrategyImpl {
  switch (name) {
    case 'round-robin':
      return new RoundRobinStrategy();
    case 'weighted':
      return new WeightedStrategy();
    case 'least-latency':
      return new LeastLatencyStrategy();
    default:
      return new FallbackStrategy();
  }
}
