import type { AttemptRecord } from './attempt-record.js';
import { SeriesStats } from './series-stats.js';

/** One time bucket of a rolling window: the statistics of the attempts that ended in it. */
class WindowBucket {
  /** `floor(timestamp / bucketMs)` of the attempts held; -1 while unused. */
  epoch = -1;
  readonly stats: SeriesStats;

  constructor(exactLimit: number, relativeAccuracy: number) {
    this.stats = new SeriesStats(exactLimit, relativeAccuracy);
  }
}

/**
 * The recent attempts of one series, in a ring of time buckets keyed by the attempts' own timestamps
 * (event time, so no timer is needed and replayed or late events land where they belong). A bucket is
 * recycled when the ring comes round to it; attempts older than the ring are left out.
 *
 * Each bucket keeps at most `bucketExactLimit` exact latency samples, then a sketch, so that a window
 * whose buckets are all exact holds at most `bucketExactLimit * size` samples and gets exact percentiles.
 */
export class RollingWindow {
  private readonly buckets: (WindowBucket | undefined)[];

  constructor(
    private readonly bucketMs: number,
    private readonly size: number,
    private readonly bucketExactLimit: number,
    private readonly relativeAccuracy: number,
  ) {
    this.buckets = new Array<WindowBucket | undefined>(size);
  }

  add(r: AttemptRecord): void {
    const epoch = Math.floor(r.timestamp / this.bucketMs);
    if (epoch < 0) return;
    const slot = epoch % this.size;
    let bucket = this.buckets[slot];
    if (bucket === undefined) {
      bucket = this.buckets[slot] = new WindowBucket(this.bucketExactLimit, this.relativeAccuracy);
    }
    if (bucket.epoch !== epoch) {
      if (bucket.epoch > epoch) return;
      bucket.stats.reset();
      bucket.epoch = epoch;
    }
    bucket.stats.add(r);
  }

  /** Merges into `into` every bucket from the one holding `fromTimestamp` on. Returns whether any did hold data. */
  collect(fromTimestamp: number, into: SeriesStats): boolean {
    const fromEpoch = Math.floor(fromTimestamp / this.bucketMs);
    let found = false;
    for (const bucket of this.buckets) {
      if (bucket !== undefined && bucket.epoch >= fromEpoch && bucket.stats.count > 0) {
        into.merge(bucket.stats);
        found = true;
      }
    }
    return found;
  }
}
