import { MAX_QUANTILES, insertionSort, interpolate, lowerRank, selectRanks } from './quantiles.js';

/** Ranks kept on each side of a quantile's two ranks after a rebuild: at least this many... */
const MIN_HALF_WIDTH = 16;
/** ...and at most this many (wider when many samples arrived between two reads). */
const MAX_HALF_WIDTH = 128;
/** A band may grow to this many times the distinct values it started with, then it is rebuilt narrow (bounds its memory)... */
const BAND_GROWTH = 4;
/** ...and to this many distinct values at most (3 bands of 512 values and counts: 24 KB). */
const MAX_BAND_VALUES = 512;

/**
 * Fields of one band (see `QuantileTracker`): the band holds every sample whose value lies in `[LOW, HIGH]`,
 * run-length encoded in ascending order (`SIZE` distinct values, `TOTAL` samples), and `BELOW` samples lie
 * below it, so that in the sorted samples ranks `BELOW … BELOW + TOTAL - 1` are exactly the band's values.
 * `CURSOR` is the distinct value the last read stopped at and `CURSOR_RANK` the rank of its first sample:
 * the next read walks from there, a step or two. `LIMIT`: distinct values before the band must be rebuilt.
 */
const BELOW = 0;
const TOTAL = 1;
const SIZE = 2;
const LIMIT = 3;
const LOW = 4;
const HIGH = 5;
const CURSOR = 6;
const CURSOR_RANK = 7;
const FIELDS = 8;

const ranges = new Int32Array(2 * MAX_QUANTILES);
const wanted = new Int32Array(4 * MAX_QUANTILES);

/**
 * Exact numpy-linear quantiles of a growing set of samples (appended, never changed), cheap to refresh
 * after a few appends. Besides the answers, a full computation keeps, for each quantile, a band: the
 * sorted values ranked within a few dozen places of its two ranks, and the count of samples below. A later
 * read only folds the samples appended since into the bands (O(new samples)); while each quantile's two
 * ranks still fall inside its band, the answers come from the bands, bit for bit what a full computation
 * gives. Otherwise (or after many appends) it computes in full, O(n), and re-centres the bands.
 *
 * Everything lives in one typed array: `FIELDS` numbers per band, then each band's distinct values, each
 * followed by its count (a thousand series read in a row touch few cache lines each).
 */
export class QuantileTracker {
  /**
   * Band `b`'s fields at `[b * FIELDS, (b + 1) * FIELDS)`; its `i`-th distinct value at `pairAt(b) + 2 * i`
   * and that value's count right after it.
   */
  private data: Float64Array;
  /** Room for this many distinct values per band. */
  private stride = 0;
  /** Samples `[0, scanned)` are accounted for in the bands; -1: no bands. */
  private scanned = -1;

  constructor(private readonly qs: readonly number[]) {
    if (qs.length > MAX_QUANTILES) throw new RangeError(`QuantileTracker tracks at most ${MAX_QUANTILES} quantiles`);
    this.data = new Float64Array(qs.length * FIELDS);
  }

  /**
   * The quantiles of `samples[0, n)` (non-negative, `min < max` unless all equal) into `out`. Since the previous
   * call, samples may only have been appended (call `reset()` otherwise).
   */
  quantiles(samples: Float64Array, n: number, min: number, max: number, out: Float64Array | number[]): void {
    const scanned = this.scanned;
    if (scanned >= 0 && n >= scanned && n - scanned <= n >>> 1 && this.advance(samples, scanned, n) && this.answer(n, out)) return;
    this.rebuild(samples, n, min, max, out, scanned >= 0 && n > scanned ? n - scanned : 0);
  }

  /** Forgets the bands (the samples were replaced or cleared). */
  reset(): void {
    this.scanned = -1;
  }

  /** Where band `b`'s first (value, count) pair sits in `data`. */
  private pairAt(b: number): number {
    return this.qs.length * FIELDS + 2 * b * this.stride;
  }

  private advance(samples: Float64Array, from: number, n: number): boolean {
    const nb = this.qs.length;
    for (let i = from; i < n; i++) {
      const v = samples[i]!;
      for (let b = 0, f = 0; b < nb; b++, f += FIELDS) {
        // Read again each time: an insert may have moved everything to a larger array.
        const bands = this.data;
        if (v < bands[f + LOW]!) {
          bands[f + BELOW]!++;
          bands[f + CURSOR_RANK]!++;
        } else if (v <= bands[f + HIGH]! && !this.insert(b, v)) {
          this.scanned = -1;
          return false;
        }
      }
    }
    this.scanned = n;
    return true;
  }

  /** Adds a sample within band `b`'s `[LOW, HIGH]`. False when the band would outgrow its `LIMIT`. */
  private insert(b: number, value: number): boolean {
    let data = this.data;
    const f = b * FIELDS;
    const size = data[f + SIZE]!;
    let base = this.pairAt(b);
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (data[base + 2 * mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    const at = lo;
    const cursor = data[f + CURSOR]!;
    data[f + TOTAL]!++;
    if (at < size && data[base + 2 * at] === value) {
      data[base + 2 * at + 1]!++;
      if (at < cursor) data[f + CURSOR_RANK]!++;
      return true;
    }
    if (size === this.stride) {
      if (size + 1 > data[f + LIMIT]!) return false;
      this.widen(size + 1);
      data = this.data;
      base = this.pairAt(b);
    }
    const start = base + 2 * at;
    data.copyWithin(start + 2, start, base + 2 * size);
    data[start] = value;
    data[start + 1] = 1;
    data[f + SIZE] = size + 1;
    if (at <= cursor) {
      data[f + CURSOR] = cursor + 1;
      data[f + CURSOR_RANK]!++;
    }
    return true;
  }

  /** Room for `minimum` distinct values in every band (doubling, up to the largest `LIMIT`), keeping their contents. */
  private widen(minimum: number): void {
    const nq = this.qs.length;
    const old = this.data;
    let limit = minimum;
    for (let f = LIMIT; f < nq * FIELDS; f += FIELDS) limit = Math.max(limit, old[f]!);
    const stride = Math.min(limit, Math.max(minimum, this.stride * 2, 8));
    const data = new Float64Array(nq * FIELDS + 2 * nq * stride);
    data.set(old.subarray(0, nq * FIELDS));
    for (let b = 0; b < nq; b++) {
      const size = old[b * FIELDS + SIZE]!;
      const from = this.pairAt(b);
      data.set(old.subarray(from, from + 2 * size), nq * FIELDS + 2 * b * stride);
    }
    this.data = data;
    this.stride = stride;
  }

  private answer(n: number, out: Float64Array | number[]): boolean {
    const bands = this.data;
    for (let b = 0, f = 0; b < this.qs.length; b++, f += FIELDS) {
      const lo = lowerRank(n, this.qs[b]!);
      const hi = lo === n - 1 ? lo : lo + 1;
      if (lo < bands[f + BELOW]! || hi >= bands[f + BELOW]! + bands[f + TOTAL]!) return false;
    }
    for (let b = 0; b < this.qs.length; b++) out[b] = this.quantile(b, n, this.qs[b]!);
    return true;
  }

  /** numpy's linear quantile `q` of `n` samples from band `b`, which holds both its ranks: a walk from the cursor. */
  private quantile(b: number, n: number, q: number): number {
    const data = this.data;
    const f = b * FIELDS;
    const base = this.pairAt(b);
    const lo = lowerRank(n, q);
    let i = data[f + CURSOR]!;
    let first = data[f + CURSOR_RANK]!;
    while (first > lo) first -= data[base + 2 * --i + 1]!;
    while (first + data[base + 2 * i + 1]! <= lo) first += data[base + 2 * i++ + 1]!;
    data[f + CURSOR] = i;
    data[f + CURSOR_RANK] = first;
    const atLower = data[base + 2 * i]!;
    if (lo === n - 1) return interpolate(n, q, atLower, atLower);
    return interpolate(n, q, atLower, lo + 1 < first + data[base + 2 * i + 1]! ? atLower : data[base + 2 * i + 2]!);
  }

  /** Band `b` as one distinct value: `count` samples equal to `value`, none below. */
  private single(b: number, value: number, count: number): void {
    if (this.stride === 0) this.widen(1);
    const f = b * FIELDS;
    const data = this.data;
    const base = this.pairAt(b);
    data[base] = value;
    data[base + 1] = count;
    data[f + BELOW] = 0;
    data[f + TOTAL] = count;
    data[f + SIZE] = 1;
    data[f + LIMIT] = BAND_GROWTH * (2 * MIN_HALF_WIDTH + 2);
    data[f + LOW] = data[f + HIGH] = value;
    data[f + CURSOR] = 0;
    data[f + CURSOR_RANK] = 0;
  }

  private rebuild(samples: Float64Array, n: number, min: number, max: number, out: Float64Array | number[], appended: number): void {
    const qs = this.qs;
    const nq = qs.length;
    if (n === 0) {
      for (let i = 0; i < nq; i++) out[i] = Number.NaN;
      this.scanned = -1;
      return;
    }
    if (min === max) {
      for (let i = 0; i < nq; i++) {
        out[i] = min;
        this.single(i, min, n);
      }
      this.scanned = n;
      return;
    }
    const half = Math.min(MAX_HALF_WIDTH, MIN_HALF_WIDTH + Math.ceil(2 * Math.sqrt(appended)));
    let nr = 0;
    let nw = 0;
    for (let i = 0; i < nq; i++) {
      const lo = lowerRank(n, qs[i]!);
      const from = Math.max(0, lo - half);
      const to = Math.min(n - 1, lo + 1 + half);
      if (nr > 0 && from <= ranges[2 * nr - 1]!) ranges[2 * nr - 1] = to;
      else {
        ranges[2 * nr] = from;
        ranges[2 * nr + 1] = to;
        nr++;
      }
      nw = addRank(nw, from);
      nw = addRank(nw, lo);
      if (lo < n - 1) nw = addRank(nw, lo + 1);
      nw = addRank(nw, to);
    }
    insertionSortInt(wanted, nw);
    const selection = selectRanks(samples, n, min, max, ranges, nr, wanted, nw);
    const { candidates, position } = selection;
    for (let i = 0; i < nq; i++) {
      const q = qs[i]!;
      const lo = lowerRank(n, q);
      const j = indexOfRank(lo, nw);
      const atLower = candidates[position[j]!]!;
      out[i] = interpolate(n, q, atLower, lo === n - 1 ? atLower : candidates[position[j + 1]!]!);
    }
    const width = 2 * half + 2;
    if (this.stride < width || this.stride > BAND_GROWTH * width) {
      // A fresh array sized for the new bands (which overwrite everything): grown by earlier inserts, it may be far too large.
      this.stride = width;
      this.data = new Float64Array(nq * FIELDS + 2 * nq * width);
    }
    const data = this.data;
    for (let i = 0; i < nq; i++) {
      const lo = lowerRank(n, qs[i]!);
      const jFrom = indexOfRank(Math.max(0, lo - half), nw);
      const jTo = indexOfRank(Math.min(n - 1, lo + 1 + half), nw);
      const start = selection.regionStart[jFrom]!;
      const end = selection.regionEnd[jFrom]!;
      const pFrom = position[jFrom]!;
      const pTo = position[jTo]!;
      // Positions pFrom..pTo hold exactly the ranks of the band: sorting them in place moves no rank's value.
      if (pTo - pFrom < 64) insertionSort(candidates, pFrom, pTo + 1);
      else candidates.subarray(pFrom, pTo + 1).sort();
      const low = candidates[pFrom]!;
      const high = candidates[pTo]!;
      let tiesBelow = 0;
      for (let p = start; p < pFrom; p++) if (candidates[p] === low) tiesBelow++;
      let tiesAbove = 0;
      for (let p = pTo + 1; p < end; p++) if (candidates[p] === high) tiesAbove++;
      const base = this.pairAt(i);
      let size = 0;
      for (let p = pFrom; p <= pTo; p++) {
        const v = candidates[p]!;
        if (size > 0 && data[base + 2 * (size - 1)] === v) data[base + 2 * (size - 1) + 1]!++;
        else {
          data[base + 2 * size] = v;
          data[base + 2 * size++ + 1] = 1;
        }
      }
      data[base + 1]! += tiesBelow;
      data[base + 2 * (size - 1) + 1]! += tiesAbove;
      const f = i * FIELDS;
      const below = selection.regionRank[jFrom]! + (pFrom - start) - tiesBelow;
      data[f + BELOW] = below;
      data[f + TOTAL] = pTo - pFrom + 1 + tiesBelow + tiesAbove;
      data[f + SIZE] = size;
      data[f + LIMIT] = Math.min(MAX_BAND_VALUES, BAND_GROWTH * (pTo - pFrom + 1));
      data[f + LOW] = low;
      data[f + HIGH] = high;
      data[f + CURSOR] = 0;
      data[f + CURSOR_RANK] = below;
    }
    this.scanned = n;
  }
}

function indexOfRank(rank: number, nw: number): number {
  let j = 0;
  while (j < nw && wanted[j] !== rank) j++;
  return j;
}

function addRank(nw: number, rank: number): number {
  for (let j = 0; j < nw; j++) if (wanted[j] === rank) return nw;
  wanted[nw] = rank;
  return nw + 1;
}

function insertionSortInt(a: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}
