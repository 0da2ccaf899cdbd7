import { MetricsCollector } from './metrics-collector.js';

let current: MetricsCollector | undefined;

/** The process-wide collector, created (with the default options) on first use. */
export function getMetricsCollector(): MetricsCollector {
  return (current ??= new MetricsCollector());
}

/**
 * Replaces the process-wide collector; routers built afterwards without a `metricsCollector` use it.
 * `undefined` forgets it, so that the next `getMetricsCollector()` creates a fresh one. The previous
 * collector is not closed.
 */
export function setMetricsCollector(collector: MetricsCollector | undefined): void {
  current = collector;
}
