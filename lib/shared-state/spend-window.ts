import { BUDGET_BUCKETS } from './router-state-store.js';

/** Bucket length of a budget window; the Redis store uses the same arithmetic so both agree on buckets. */
export function bucketMsOf(windowMs: number): number {
  return windowMs / BUDGET_BUCKETS;
}

export function bucketIndex(now: number, bucketMs: number): number {
  return Math.floor(now / bucketMs);
}

/**
 * USD spent over a rolling window, in `BUDGET_BUCKETS` time buckets of `windowMs / BUDGET_BUCKETS`:
 * fixed memory, O(1) adds and reads (a read after the clock moved to another bucket clears the
 * buckets that left and re-sums 60 numbers).
 */
export class SpendWindow {
  private readonly spend = new Float64Array(BUDGET_BUCKETS);
  private readonly index = new Float64Array(BUDGET_BUCKETS).fill(-Infinity);
  private readonly bucketMs: number;
  private current = -Infinity;
  private total = 0;

  constructor(readonly windowMs: number) {
    this.bucketMs = bucketMsOf(windowMs);
  }

  add(usd: number, now: number): number {
    this.advance(now);
    const idx = bucketIndex(now, this.bucketMs);
    const slot = this.slot(idx);
    if (this.index[slot] !== idx) {
      this.index[slot] = idx;
      this.spend[slot] = 0;
    }
    this.spend[slot] += usd;
    this.total += usd;
    return this.total;
  }

  read(now: number): number {
    this.advance(now);
    return this.total;
  }

  /** When the oldest bucket still holding spend leaves the window; `null` when the window holds none. */
  nextReleaseAt(now: number): number | null {
    this.advance(now);
    let oldest = Infinity;
    for (let i = 0; i < BUDGET_BUCKETS; i++) if (this.spend[i] !== 0 && this.index[i]! < oldest) oldest = this.index[i]!;
    return oldest === Infinity ? null : (oldest + BUDGET_BUCKETS) * this.bucketMs;
  }

  private advance(now: number): void {
    const idx = bucketIndex(now, this.bucketMs);
    if (idx === this.current) return;
    this.current = idx;
    const oldest = idx - BUDGET_BUCKETS + 1;
    let total = 0;
    for (let i = 0; i < BUDGET_BUCKETS; i++) {
      const at = this.index[i]!;
      if (at < oldest) {
        this.index[i] = -Infinity;
        this.spend[i] = 0;
      } else if (at <= idx) total += this.spend[i]!;
    }
    this.total = total;
  }

  private slot(idx: number): number {
    const s = idx % BUDGET_BUCKETS;
    return s < 0 ? s + BUDGET_BUCKETS : s;
  }
}
