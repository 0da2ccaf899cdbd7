import { createRequire } from 'node:module';
import type { DDSketch } from '@datadog/sketches-js';
import { QuantileTracker } from './quantile-tracker.js';
import { STANDARD_QUANTILES, exactQuantiles, lerp } from './quantiles.js';

/** A `LatencyDigest` in plain JSON, e.g. to send it from a cluster worker to the primary. */
export interface SerializedLatencyDigest {
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  exactLimit: number;
  relativeAccuracy: number;
  /** The samples, while the digest is exact. */
  samples?: number[];
  /** The sketch's non-empty bins, once it is not. */
  sketch?: { zeroCount: number; keys: number[]; counts: number[] };
}

const INITIAL_CAPACITY = 16;

let DDSketchClass: typeof DDSketch | undefined;

/** A new DDSketch; @datadog/sketches-js (CommonJS) is loaded when a digest first needs one. */
function newSketch(relativeAccuracy: number): DDSketch {
  DDSketchClass ??= (createRequire(import.meta.url)('@datadog/sketches-js') as typeof import('@datadog/sketches-js')).DDSketch;
  return new DDSketchClass({ relativeAccuracy });
}

/**
 * The last sketch key computed. A record's latency goes to two digests in a row (its series' lifetime one and
 * its rolling-window bucket), so the second finds its key here instead of taking a logarithm again.
 */
let memoValue = Number.NaN;
let memoGamma = Number.NaN;
let memoKey = 0;

/**
 * The latencies of one series: count, sum, min and max, and the samples themselves while there are at most
 * `exactLimit` of them (exact numpy percentiles); past that, a DDSketch (mergeable, relative error at most
 * `relativeAccuracy`). Adding is O(1) amortised; percentiles are cached until the next change.
 */
export class LatencyDigest {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  private samples: Float64Array | null = null;
  private size = 0;
  private sketch: DDSketch | null = null;
  private version = 0;
  private cachedVersion = -1;
  private readonly cached = new Float64Array(STANDARD_QUANTILES.length);
  /** Set on the second computation of exact percentiles: the digest is read again and again, keep bands. */
  private tracker: QuantileTracker | null = null;
  private computedOnce = false;

  constructor(
    readonly exactLimit: number,
    readonly relativeAccuracy: number,
  ) {}

  /** Adds one latency; `value` must be finite and non-negative. */
  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.version++;
    if (this.sketch !== null) {
      this.sketchAdd(this.sketch, value);
      return;
    }
    if (this.size < this.exactLimit) {
      let samples = this.samples;
      if (samples === null || this.size === samples.length) samples = this.grow(this.size + 1);
      samples[this.size++] = value;
      return;
    }
    this.sketchAdd(this.toSketch(), value);
  }

  /** Adds everything `other` holds. Exact stays exact while the union fits in `exactLimit`. */
  merge(other: LatencyDigest): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.version++;
    if (this.sketch === null && other.sketch === null && this.size + other.size <= this.exactLimit) {
      const samples = this.size + other.size > (this.samples?.length ?? 0) ? this.grow(this.size + other.size) : this.samples!;
      samples.set(other.samples!.subarray(0, other.size), this.size);
      this.size += other.size;
      return;
    }
    const sketch = this.toSketch();
    if (other.sketch !== null) {
      sketch.merge(other.sketch);
    } else {
      const samples = other.samples!;
      for (let i = 0; i < other.size; i++) sketch.accept(samples[i]!);
    }
  }

  /**
   * p50, p95, p99 (NaN when empty), cached until the next change. A digest read repeatedly (a series' lifetime
   * digest, at every scrape) refreshes exact percentiles from the samples added since the previous read
   * (`QuantileTracker`). The returned array is reused: copy what you keep.
   */
  standardQuantiles(): Float64Array {
    if (this.cachedVersion !== this.version) {
      if (this.count > 0 && this.sketch === null && (this.computedOnce || this.tracker !== null)) {
        this.tracker ??= new QuantileTracker(STANDARD_QUANTILES);
        this.tracker.quantiles(this.samples!, this.size, this.min, this.max, this.cached);
      } else {
        this.quantiles(STANDARD_QUANTILES, this.cached);
        this.computedOnce = this.count > 0;
      }
      this.cachedVersion = this.version;
    }
    return this.cached;
  }

  /** Quantiles `qs` (ascending, at most 8) into `out`: exact while exact, else from the sketch, clamped to [min, max]. */
  quantiles(qs: readonly number[], out: Float64Array | number[]): void {
    if (this.count === 0) {
      for (let i = 0; i < qs.length; i++) out[i] = Number.NaN;
    } else if (this.sketch === null) {
      exactQuantiles(this.samples!, this.size, this.min, this.max, qs, out);
    } else {
      this.sketchQuantiles(this.sketch, qs, out);
    }
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.size = 0;
    this.sketch = null;
    if (this.samples !== null && this.samples.length > 1024) this.samples = null;
    this.tracker = null;
    this.computedOnce = false;
    this.version++;
  }

  /**
   * The digest as plain JSON. An exact digest holding more than `maxSamples` samples is written as the sketch
   * of those samples instead (a few hundred bins rather than up to `exactLimit` numbers).
   */
  toJSON(maxSamples = Number.POSITIVE_INFINITY): SerializedLatencyDigest {
    const json: SerializedLatencyDigest = {
      count: this.count,
      sum: this.sum,
      min: this.count === 0 ? null : this.min,
      max: this.count === 0 ? null : this.max,
      exactLimit: this.exactLimit,
      relativeAccuracy: this.relativeAccuracy,
    };
    let sketch = this.sketch;
    if (sketch === null && this.size > maxSamples) {
      sketch = newSketch(this.relativeAccuracy);
      for (let i = 0; i < this.size; i++) sketch.accept(this.samples![i]!);
    }
    if (sketch === null) {
      json.samples = this.samples === null ? [] : Array.from(this.samples.subarray(0, this.size));
    } else {
      const store = sketch.store;
      const keys: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < store.bins.length; i++) {
        const c = store.bins[i]!;
        if (c > 0) {
          keys.push(i + store.offset);
          counts.push(c);
        }
      }
      json.sketch = { zeroCount: sketch.zeroCount, keys, counts };
    }
    return json;
  }

  static fromJSON(json: SerializedLatencyDigest): LatencyDigest {
    const digest = new LatencyDigest(json.exactLimit, json.relativeAccuracy);
    digest.count = json.count;
    digest.sum = json.sum;
    digest.min = json.min ?? Number.POSITIVE_INFINITY;
    digest.max = json.max ?? Number.NEGATIVE_INFINITY;
    if (json.sketch !== undefined) {
      const sketch = newSketch(json.relativeAccuracy);
      const { keys, counts, zeroCount } = json.sketch;
      for (let i = 0; i < keys.length; i++) sketch.store.add(keys[i]!, counts[i]!);
      sketch.zeroCount = zeroCount;
      sketch.count = zeroCount + sketch.store.count;
      sketch.sum = json.sum;
      sketch.min = digest.min;
      sketch.max = digest.max;
      digest.sketch = sketch;
    } else {
      const samples = json.samples ?? [];
      digest.grow(samples.length).set(samples);
      digest.size = samples.length;
    }
    return digest;
  }

  private grow(minimum: number): Float64Array {
    const doubled = Math.max(INITIAL_CAPACITY, (this.samples?.length ?? 0) * 2);
    const samples = new Float64Array(Math.max(minimum, Math.min(doubled, this.exactLimit)));
    if (this.samples !== null) samples.set(this.samples.subarray(0, this.size));
    this.samples = samples;
    return samples;
  }

  /** `sketch.accept(value)` without the bookkeeping the digest does itself (sum, min, max), sharing the key memo. */
  private sketchAdd(sketch: DDSketch, value: number): void {
    const mapping = sketch.mapping;
    if (value > mapping.minPossible) {
      let key: number;
      if (value === memoValue && mapping.gamma === memoGamma) {
        key = memoKey;
      } else {
        key = mapping.key(value);
        memoValue = value;
        memoGamma = mapping.gamma;
        memoKey = key;
      }
      sketch.store.add(key, 1);
    } else {
      sketch.zeroCount++;
    }
    sketch.count++;
  }

  private toSketch(): DDSketch {
    if (this.sketch !== null) return this.sketch;
    const sketch = newSketch(this.relativeAccuracy);
    const samples = this.samples;
    for (let i = 0; i < this.size; i++) sketch.accept(samples![i]!);
    this.sketch = sketch;
    this.samples = null;
    this.size = 0;
    this.tracker = null;
    return sketch;
  }

  private sketchQuantiles(sketch: DDSketch, qs: readonly number[], out: Float64Array | number[]): void {
    const n = this.count;
    const ranks: number[] = [];
    for (const q of qs) {
      const index = (n - 1) * q;
      const lo = index >= n - 1 ? n - 1 : Math.floor(index);
      ranks.push(lo, index >= n - 1 ? lo : lo + 1);
    }
    const order = ranks.map((_, i) => i).sort((a, b) => ranks[a]! - ranks[b]!);
    const values = new Array<number>(ranks.length);
    const { bins, offset } = sketch.store;
    const zeros = sketch.zeroCount;
    let b = 0;
    let before = zeros;
    for (const i of order) {
      const rank = ranks[i]!;
      if (rank < zeros) {
        values[i] = 0;
        continue;
      }
      while (b < bins.length - 1 && before + bins[b]! <= rank) before += bins[b++]!;
      values[i] = sketch.mapping.value(b + offset);
    }
    for (let i = 0; i < qs.length; i++) {
      const index = (n - 1) * qs[i]!;
      const lo = Math.floor(index);
      const v = index >= n - 1 ? values[2 * i]! : lerp(values[2 * i]!, values[2 * i + 1]!, index - lo);
      out[i] = v < this.min ? this.min : v > this.max ? this.max : v;
    }
  }
}
