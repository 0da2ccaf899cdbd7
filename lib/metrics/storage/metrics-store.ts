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

/** Raw (model, provider, outcome) triples whose routed row is remembered; past this many the memory starts over. */
const MAX_CACHED_ROUTED_ROWS = 4096;

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
  /** Routed rows by raw model, provider label and raw outcome (see `routedRow`). */
  private readonly routedRows = new Map<string, Map<string, Map<string, HistogramRow>>>();
  private cachedRoutedRows = 0;
  private lastOverheadProvider: string | undefined = undefined;
  private lastOverheadRow: HistogramRow | undefined = undefined;

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

  /**
   * Records one routed request as its caller saw it: the model asked for (or the default model's name),
   * the provider that answered (null: none did), `success` or the thrown error's class name, its latency,
   * the time in the router itself (NaN: unknown) and the request id of the exemplar (null: none).
   */
  recordRoutedRequest(
    model: string,
    answeredBy: string | null,
    outcome: string,
    latencyMs: number,
    overheadMs: number,
    requestId: string | null,
    timestamp: number,
    metadata: Readonly<Record<string, string>> | null | undefined,
  ): void {
    const provider = answeredBy === null ? 'none' : boundLabel(answeredBy);
    this.routedRow(model, provider, outcome, metadata).histogram.observe(latencyMs, requestId, timestamp);
    if (overheadMs >= 0 && overheadMs < Number.POSITIVE_INFINITY) this.overheadRow(provider).histogram.observe(overheadMs, null, timestamp);
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
    this.routedRows.clear();
    this.cachedRoutedRows = 0;
    this.lastOverheadProvider = this.lastOverheadRow = undefined;
  }

  /**
   * The routed row of a request. Without metadata labels, a row once found is remembered by the raw model
   * and outcome and the provider's label, so that a request already seen costs three map reads and
   * allocates nothing (the label caps only ever fold a value they already folded, until `reset`).
   */
  private routedRow(model: string, provider: string, outcome: string, metadata: Readonly<Record<string, string>> | null | undefined): HistogramRow {
    if (this.metadataLabels.length > 0) {
      return this.routed.get(this.withMetadata([this.routedModels.value(model), provider, this.outcomes.value(outcome)], metadata));
    }
    let byProvider = this.routedRows.get(model);
    let byOutcome = byProvider?.get(provider);
    const cached = byOutcome?.get(outcome);
    if (cached !== undefined) return cached;
    const row = this.routed.get([this.routedModels.value(model), provider, this.outcomes.value(outcome)]);
    if (this.cachedRoutedRows >= MAX_CACHED_ROUTED_ROWS) {
      this.routedRows.clear();
      this.cachedRoutedRows = 0;
      byProvider = byOutcome = undefined;
    }
    if (byProvider === undefined) this.routedRows.set(model, (byProvider = new Map()));
    if (byOutcome === undefined) byProvider.set(provider, (byOutcome = new Map()));
    byOutcome.set(outcome, row);
    this.cachedRoutedRows++;
    return row;
  }

  private overheadRow(provider: string): HistogramRow {
    if (provider === this.lastOverheadProvider) return this.lastOverheadRow!;
    const row = this.overhead.get([provider]);
    this.lastOverheadProvider = provider;
    this.lastOverheadRow = row;
    return row;
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
