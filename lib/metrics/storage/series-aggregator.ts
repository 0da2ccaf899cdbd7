import type { AttemptRecord } from './attempt-record.js';
import { Histogram } from './histogram.js';
import { boundLabel } from './label-bounds.js';
import type { CostRow, EncodedLabels, LabelledRow } from './labelled-rows.js';
import { RollingWindow } from './rolling-window.js';
import { SeriesStats } from './series-stats.js';

/** What every series of one collector shares. */
export interface SeriesConfig {
  exactLimit: number;
  relativeAccuracy: number;
  /** Upper bounds (seconds, ascending) of the duration histogram, without +Inf. */
  durationBounds: Float64Array;
  /** Upper bounds (seconds, ascending) of the time-to-first-token histogram, without +Inf. */
  ttftBounds: Float64Array;
  /** Upper bounds (seconds, ascending) of the time-per-output-token histogram, without +Inf. */
  tpotBounds: Float64Array;
  exemplars: boolean;
  windowBucketMs: number;
  /** Buckets per rolling window ring; 0 disables windows. */
  windowBuckets: number;
  windowBucketExactLimit: number;
}

/** Distinct (error type, status code) pairs per series; more are counted with an empty status code. */
const MAX_ERROR_PAIRS = 256;

/** The failed attempts of one series with one error type and status code (`llm_router_errors_total`). */
export class ErrorPair {
  count = 0;
  /** The exporter's encoding of the two labels, kept with the pair. */
  encoded: EncodedLabels | undefined = undefined;

  constructor(
    readonly errorType: string,
    /** -1: no HTTP status. */
    readonly statusCode: number,
  ) {}

  /** The values of the labels `error_type` and `status_code` (empty without a status). */
  get extraValues(): readonly string[] {
    return [this.errorType, this.statusCode < 0 ? '' : `${this.statusCode}`];
  }
}

/**
 * Everything recorded for one (provider, model) series: lifetime statistics (since the collector started or
 * was reset), the rolling window, the histograms of the Prometheus export, errors by type and status, retries.
 */
export class SeriesAggregator implements LabelledRow {
  readonly labels: readonly string[];
  encoded: EncodedLabels | undefined = undefined;
  readonly stats: SeriesStats;
  readonly window: RollingWindow | undefined;
  readonly duration: Histogram;
  readonly ttft: Histogram;
  readonly timePerOutputToken: Histogram;
  /** Failed attempts by (error type, status code), in first-seen order. */
  readonly errorPairs: ErrorPair[] = [];
  retries = 0;
  /** The cost counter row of this series, when the collector has no metadata labels (the store's). */
  cost: CostRow | undefined = undefined;

  constructor(
    readonly provider: string,
    readonly model: string,
    private readonly config: SeriesConfig,
  ) {
    this.labels = [provider, model];
    this.stats = new SeriesStats(config.exactLimit, config.relativeAccuracy);
    this.window =
      config.windowBuckets > 0
        ? new RollingWindow(config.windowBucketMs, config.windowBuckets, config.windowBucketExactLimit, config.relativeAccuracy)
        : undefined;
    this.duration = new Histogram(config.durationBounds);
    this.ttft = new Histogram(config.ttftBounds);
    this.timePerOutputToken = new Histogram(config.tpotBounds);
  }

  /** Records one attempt. O(1). */
  record(r: AttemptRecord): void {
    const stats = this.stats;
    stats.add(r);
    this.window?.add(r);
    const requestId = this.config.exemplars ? r.requestId : null;
    this.duration.observe(r.latencyMs, requestId, r.timestamp);
    const ttftMs = r.ttftMs;
    if (ttftMs === ttftMs) {
      this.ttft.observe(ttftMs, requestId, r.timestamp);
      const tokens = r.completionTokens;
      if (r.success && r.stream && tokens > 1 && r.latencyMs >= ttftMs) {
        this.timePerOutputToken.observe((r.latencyMs - ttftMs) / (tokens - 1), requestId, r.timestamp);
      }
    }
    if (!r.success && r.errorType !== null) this.countErrorPair(stats.errorKey(boundLabel(r.errorType)), r.statusCode);
  }

  private countErrorPair(errorType: string, statusCode: number): void {
    const pairs = this.errorPairs;
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i]!;
      if (pair.statusCode === statusCode && pair.errorType === errorType) {
        pair.count++;
        return;
      }
    }
    if (pairs.length >= MAX_ERROR_PAIRS && statusCode !== -1) {
      this.countErrorPair(errorType, -1);
      return;
    }
    const pair = new ErrorPair(errorType, statusCode);
    pair.count = 1;
    pairs.push(pair);
  }
}
