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
  exemplars: boolean;
  windowBucketMs: number;
  /** Buckets per rolling window ring; 0 disables windows. */
  windowBuckets: number;
  windowBucketExactLimit: number;
}

/** The latest observation of each histogram bucket that carried a request id (OpenMetrics exemplars). */
export class BucketExemplars {
  readonly requestIds: (string | undefined)[];
  readonly values: Float64Array;
  readonly timestamps: Float64Array;

  constructor(buckets: number) {
    this.requestIds = new Array<string | undefined>(buckets);
    this.values = new Float64Array(buckets);
    this.timestamps = new Float64Array(buckets);
  }
}

/**
 * Everything recorded for one (provider, model) series: lifetime statistics (since the collector started or
 * was reset), the rolling window, the histogram buckets and exemplars of the Prometheus export, retries.
 */
export class SeriesAggregator {
  readonly stats: SeriesStats;
  readonly window: RollingWindow | undefined;
  /** Non-cumulative counts per duration bucket; the last one is +Inf. */
  readonly durationCounts: Float64Array;
  readonly ttftCounts: Float64Array;
  ttftSumSeconds = 0;
  ttftCount = 0;
  retries = 0;
  durationExemplars: BucketExemplars | undefined;
  ttftExemplars: BucketExemplars | undefined;
  /** Label strings cached by the exporter. */
  exportCache: unknown;

  constructor(
    readonly provider: string,
    readonly model: string,
    private readonly config: SeriesConfig,
  ) {
    this.stats = new SeriesStats(config.exactLimit, config.relativeAccuracy);
    this.window =
      config.windowBuckets > 0
        ? new RollingWindow(config.windowBucketMs, config.windowBuckets, config.windowBucketExactLimit, config.relativeAccuracy)
        : undefined;
    this.durationCounts = new Float64Array(config.durationBounds.length + 1);
    this.ttftCounts = new Float64Array(config.ttftBounds.length + 1);
  }

  /** Records one attempt. Token counts and `ttftMs` are NaN when absent. O(1). */
  record(
    timestamp: number,
    latencyMs: number,
    success: boolean,
    errorType: string | null,
    promptTokens: number,
    completionTokens: number,
    totalTokens: number,
    ttftMs: number,
    requestId: string | null,
  ): void {
    this.stats.add(timestamp, latencyMs, success, errorType, promptTokens, completionTokens, totalTokens);
    this.window?.add(timestamp, latencyMs, success, errorType, promptTokens, completionTokens, totalTokens);
    const config = this.config;
    const seconds = latencyMs / 1000;
    const bucket = bucketOf(config.durationBounds, seconds);
    this.durationCounts[bucket]!++;
    if (requestId !== null && config.exemplars) {
      const exemplars = (this.durationExemplars ??= new BucketExemplars(this.durationCounts.length));
      exemplars.requestIds[bucket] = requestId;
      exemplars.values[bucket] = seconds;
      exemplars.timestamps[bucket] = timestamp;
    }
    if (ttftMs === ttftMs) {
      const ttft = ttftMs / 1000;
      const ttftBucket = bucketOf(config.ttftBounds, ttft);
      this.ttftCounts[ttftBucket]!++;
      this.ttftSumSeconds += ttft;
      this.ttftCount++;
      if (requestId !== null && config.exemplars) {
        const exemplars = (this.ttftExemplars ??= new BucketExemplars(this.ttftCounts.length));
        exemplars.requestIds[ttftBucket] = requestId;
        exemplars.values[ttftBucket] = ttft;
        exemplars.timestamps[ttftBucket] = timestamp;
      }
    }
  }
}

/** Index of the first bound >= value (Prometheus `le`), or `bounds.length` for +Inf. */
function bucketOf(bounds: Float64Array, value: number): number {
  const n = bounds.length;
  let i = 0;
  while (i < n && value > bounds[i]!) i++;
  return i;
}
