import type { Aggregator } from 'prom-client';
import type { FamilyDefinition } from './metric-families.js';
import type { FamilyValue } from './sample-sink.js';

/** The one unlabelled sample a family reports while its registry is probed (see `PrometheusExporter.defaultLabels`). */
export const PROBE_METRIC_SUFFIX = '_probe';

/**
 * A collector family as a prom-client registry entry: `registry.metrics()`, `getMetricsAsJSON()` and
 * `AggregatorRegistry` read it through `get()`, built from the collector's aggregates at that moment.
 */
export class CollectorMetricFamily {
  readonly help: string;
  readonly type: string;
  readonly aggregator: Aggregator;
  readonly labelNames: string[];
  /** Set for the duration of one synchronous `get()` call by the exporter's registry probe. */
  probing = false;
  private readonly fixedName: string;

  constructor(
    readonly definition: FamilyDefinition,
    readonly exporter: { values(definition: FamilyDefinition): FamilyValue[] },
  ) {
    this.fixedName = definition.name;
    this.help = definition.help;
    this.type = definition.type;
    this.aggregator = definition.aggregator;
    this.labelNames = [...definition.labelNames];
  }

  /** The family name. prom-client renames counters in place when it writes OpenMetrics; that is ignored. */
  get name(): string {
    return this.fixedName;
  }

  set name(_ignored: string) {}

  get(): Promise<{ name: string; help: string; type: string; aggregator: Aggregator; values: FamilyValue[] }> {
    const values = this.probing ? [{ value: 1, labels: {}, metricName: `${this.fixedName}${PROBE_METRIC_SUFFIX}` }] : this.exporter.values(this.definition);
    return Promise.resolve({ name: this.fixedName, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** The collector owns the data: `registry.resetMetrics()` leaves it alone; use `collector.reset()`. */
  reset(): void {}
}
