import type { Aggregator } from 'prom-client';
import type { MetricFamilyData } from './exposition-format.js';
import type { FamilySpec } from './metric-families.js';

/** One sample as prom-client's `metric.get()` returns it. */
export interface FamilyValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number };
}

/**
 * A collector family as a prom-client registry entry: `registry.metrics()`, `getMetricsAsJSON()` and
 * `AggregatorRegistry` read it through `get()`, built from the collector's aggregates at that moment.
 */
export class CollectorMetricFamily {
  readonly help: string;
  readonly type: string;
  readonly aggregator: Aggregator;
  readonly labelNames: string[];
  private readonly fixedName: string;

  constructor(
    readonly spec: FamilySpec,
    readonly exporter: { values(spec: FamilySpec): FamilyValue[] },
  ) {
    this.fixedName = spec.name;
    this.help = spec.help;
    this.type = spec.type;
    this.aggregator = spec.aggregator;
    this.labelNames = [...spec.labelNames];
  }

  /** The family name. prom-client renames counters in place when it writes OpenMetrics; that is ignored. */
  get name(): string {
    return this.fixedName;
  }

  set name(_ignored: string) {}

  async get(): Promise<MetricFamilyData & { aggregator: Aggregator; values: FamilyValue[] }> {
    return { name: this.fixedName, help: this.help, type: this.type, aggregator: this.aggregator, values: this.exporter.values(this.spec) };
  }

  /** The collector owns the data: `registry.resetMetrics()` leaves it alone; use `collector.reset()`. */
  reset(): void {}
}
