import type { AttemptRecord } from './attempt-record.js';
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

  set(bucket: number, requestId: string, value: number, timestamp: number): void {
    this.requestIds[bucket] = requestId;
    this.values[bucket] = value;
    this.timestamps[bucket] = timestamp;
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

  /** Records one attempt. O(1). */
  record(r: AttemptRecord): void {
    this.stats.add(r);
    this.window?.add(r);
    const config = this.config;
    const requestId = config.exemplars ? r.requestId : null;
    const seconds = r.latencyMs / 1000;
    const bucket = bucketOf(config.durationBounds, seconds);
    this.durationCounts[bucket]!++;
    if (requestId !== null) (this.durationExemplars ??= new BucketExemplars(this.durationCounts.length)).set(bucket, requestId, seconds, r.timestamp);
    const ttftMs = r.ttftMs;
    if (ttftMs === ttftMs) {
      const ttft = ttftMs / 1000;
      const ttftBucket = bucketOf(config.ttftBounds, ttft);
      this.ttftCounts[ttftBucket]!++;
      this.ttftSumSeconds += ttft;
      this.ttftCount++;
      if (requestId !== null) (this.ttftExemplars ??= new BucketExemplars(this.ttftCounts.length)).set(ttftBucket, requestId, ttft, r.timestamp);
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
