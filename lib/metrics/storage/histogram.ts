/** Buckets whose exemplar replacements are tracked (bits of `replacedOpenMetrics`); higher ones count as always replaced. */
export const MAX_TRACKED_EXEMPLARS = 31;

/** The latest observation of each histogram bucket that carried a request id (OpenMetrics exemplars). */
export class BucketExemplars {
  readonly requestIds: (string | undefined)[];
  readonly values: Float64Array;
  readonly timestamps: Float64Array;
  /** Bit `b`: bucket `b`'s exemplar was replaced since the exporter last wrote the histogram in OpenMetrics. */
  replacedOpenMetrics = 0;

  constructor(buckets: number) {
    this.requestIds = new Array<string | undefined>(buckets);
    this.values = new Float64Array(buckets);
    this.timestamps = new Float64Array(buckets);
  }

  set(bucket: number, requestId: string, value: number, timestamp: number): void {
    this.requestIds[bucket] = requestId;
    if (bucket < MAX_TRACKED_EXEMPLARS) this.replacedOpenMetrics |= 1 << bucket;
    this.values[bucket] = value;
    this.timestamps[bucket] = timestamp;
  }
}

/**
 * A Prometheus histogram of durations observed in milliseconds and bucketed in seconds: non-cumulative counts
 * per bucket (the last one is +Inf), the count, the sum in seconds, and exemplars when asked for.
 */
export class Histogram {
  readonly counts: Float64Array;
  count = 0;
  sumSeconds = 0;
  exemplars: BucketExemplars | undefined = undefined;
  /**
   * Per exposition format, the lowest bucket observed into since the exporter last wrote this histogram in
   * that format: the bucket lines below it are unchanged since then. (Fields, not an array: the exporter
   * reads thousands of histograms in a row, and each array is one more cache line to fetch.)
   */
  unchangedBelowPrometheus = 0;
  unchangedBelowOpenMetrics = 0;

  /** `bounds`: upper bounds in seconds, ascending, without +Inf. */
  constructor(private readonly bounds: Float64Array) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one duration (ms). A `requestId` (null: none) becomes its bucket's exemplar. O(buckets). */
  observe(ms: number, requestId: string | null, timestamp: number): void {
    const seconds = ms / 1000;
    const bounds = this.bounds;
    const n = bounds.length;
    let bucket = 0;
    while (bucket < n && seconds > bounds[bucket]!) bucket++;
    this.counts[bucket]!++;
    if (bucket < this.unchangedBelowPrometheus) this.unchangedBelowPrometheus = bucket;
    if (bucket < this.unchangedBelowOpenMetrics) this.unchangedBelowOpenMetrics = bucket;
    this.count++;
    this.sumSeconds += seconds;
    if (requestId !== null) (this.exemplars ??= new BucketExemplars(n + 1)).set(bucket, requestId, seconds, timestamp);
  }
}
