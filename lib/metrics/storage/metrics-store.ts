import type { Logger } from '../../logging/logger.js';
import type { AttemptRecord } from './attempt-record.js';
import { Histogram } from './histogram.js';
import { LabelValueCap, boundLabel } from './label-bounds.js';
import { CostRow, RowIndex, ValueRow, type EncodedLabels, type LabelledRow } from './labelled-rows.js';
import { RequestRecordRing } from './ring-buffer.js';
import type { SeriesAggregator, SeriesConfig } from './series-aggregator.js';
import { SeriesIndex } from './series-index.js';

/** Distinct outcomes (`success` and error class names) of the routed-request families; more are `other`. */
const MAX_OUTCOMES = 64;

/** What a store is built with. */
export interface StoreConfig {
  maxRecords: number;
  maxSeries: number;
  series: SeriesConfig;
  /** Metadata keys that become labels of the routed-request families and of the cost counter. */
  metadataLabels: readonly string[];
  /** Upper bounds (seconds) of `llm_router_overhead_seconds`. */
  overheadBounds: Float64Array;
  logger: Logger;
}

/** A label set with a histogram. */
export class HistogramRow implements LabelledRow {
  encoded: EncodedLabels | undefined = undefined;
  readonly histogram: Histogram;

  constructor(
    readonly labels: readonly string[],
    bounds: Float64Array,
  ) {
    this.histogram = new Histogram(bounds);
  }
}

/** How one routed request ended, as the caller saw it. */
export interface RoutedRequest {
  /** The model the caller asked for (or the default model's name). */
  model: string;
  /** The provider that answered; null when none did. */
  provider: string | null;
  /** `success` or the thrown error's class name. */
  outcome: string;
  latencyMs: number;
  /** Time in the router itself; NaN when unknown. */
  overheadMs: number;
  requestId: string | null;
  timestamp: number;
  metadata: Readonly<Record<string, string>> | null | undefined;
}

/**
 * Everything a collector has recorded: the attempt series and the raw-record ring, the cost rows, the
 * routed requests, retries, fallbacks, overheads and the providers' gauges. Label values are bounded in
 * length and, where callers choose them (models, outcomes, metadata), capped in number: past the cap a new
 * value is `other`.
 */
export class MetricsStore {
  readonly index: SeriesIndex;
  readonly ring: RequestRecordRing;
  /** Labels: provider, model, then the metadata labels. */
  readonly costs: RowIndex<CostRow>;
  /** Labels: model, provider, outcome, then the metadata labels. Each row's histogram is its duration. */
  readonly routed: RowIndex<HistogramRow>;
  /** Labels: provider. */
  readonly overhead: RowIndex<HistogramRow>;
  /** Labels: provider, to_provider. */
  readonly fallbacks: RowIndex<ValueRow>;
  /** Labels: provider. The circuit state: 0 closed, 1 half-open, 2 open. */
  readonly providerStates: RowIndex<ValueRow>;
  /** Labels: provider, kind (`requests` or `tokens`). */
  readonly rateLimits: RowIndex<ValueRow>;
  readonly metadataLabels: readonly string[];
  private readonly metadataValues: LabelValueCap[];
  private readonly routedModels: LabelValueCap;
  private readonly outcomes = new LabelValueCap(MAX_OUTCOMES);

  constructor(config: StoreConfig) {
    const { maxSeries } = config;
    const rows = 2 * maxSeries + 1;
    this.index = new SeriesIndex(maxSeries, config.series, config.logger);
    this.ring = new RequestRecordRing(config.maxRecords);
    this.metadataLabels = config.metadataLabels;
    this.metadataValues = config.metadataLabels.map(() => new LabelValueCap(maxSeries));
    this.routedModels = new LabelValueCap(maxSeries);
    this.costs = new RowIndex(rows, (labels) => new CostRow(labels));
    const durationBounds = config.series.durationBounds;
    this.routed = new RowIndex(rows, (labels) => new HistogramRow(labels, durationBounds));
    this.overhead = new RowIndex(rows, (labels) => new HistogramRow(labels, config.overheadBounds));
    this.fallbacks = new RowIndex(rows, (labels) => new ValueRow(labels));
    this.providerStates = new RowIndex(rows, (labels) => new ValueRow(labels));
    this.rateLimits = new RowIndex(rows, (labels) => new ValueRow(labels));
  }

  /** The series an attempt of (provider, model) is recorded in (made on first use; may log once). */
  series(provider: string, model: string): SeriesAggregator {
    return this.index.resolve(provider, model);
  }

  /** Records one attempt in its series, the ring and, with a known cost, the cost counter. */
  recordAttempt(series: SeriesAggregator, r: AttemptRecord): void {
    series.record(r);
    this.ring.push(r);
    const cost = r.costUsd;
    if (cost === cost) {
      const row = this.metadataLabels.length === 0 ? (series.cost ??= this.costs.get(series.labels)) : this.costs.get(this.withMetadata(series.labels, r.metadata));
      row.sum += cost;
      row.count++;
    }
  }

  recordRoutedRequest(request: RoutedRequest): void {
    const provider = request.provider === null ? 'none' : boundLabel(request.provider);
    const labels = this.withMetadata([this.routedModels.value(request.model), provider, this.outcomes.value(request.outcome)], request.metadata);
    this.routed.get(labels).histogram.observe(request.latencyMs, request.requestId, request.timestamp);
    const overhead = request.overheadMs;
    if (overhead >= 0 && overhead < Number.POSITIVE_INFINITY) this.overhead.get([provider]).histogram.observe(overhead, null, request.timestamp);
  }

  retry(provider: string, model: string): void {
    this.index.resolve(provider, model).retries++;
  }

  fallback(fromProvider: string, toProvider: string): void {
    this.fallbacks.get([boundLabel(fromProvider), boundLabel(toProvider)]).value++;
  }

  providerState(provider: string, value: number): void {
    this.providerStates.get([boundLabel(provider)]).value = value;
  }

  rateLimit(provider: string, kind: 'requests' | 'tokens', remaining: number): void {
    this.rateLimits.get([boundLabel(provider), kind]).value = remaining;
  }

  /** Forgets what was recorded; circuit states and rate-limit headroom are current facts and stay. */
  reset(): void {
    this.index.clear();
    this.ring.clear();
    this.costs.clear();
    this.routed.clear();
    this.overhead.clear();
    this.fallbacks.clear();
    for (const cap of this.metadataValues) cap.clear();
    this.routedModels.clear();
    this.outcomes.clear();
  }

  private withMetadata(labels: readonly string[], metadata: Readonly<Record<string, string>> | null | undefined): readonly string[] {
    const keys = this.metadataLabels;
    if (keys.length === 0) return labels;
    const out = [...labels];
    for (let i = 0; i < keys.length; i++) {
      const value = metadata?.[keys[i]!];
      out.push(typeof value === 'string' ? this.metadataValues[i]!.value(value) : '');
    }
    return out;
  }
}
