/** The quantiles reported everywhere: p50, p95, p99. */
export const STANDARD_QUANTILES: readonly number[] = Object.freeze([0.5, 0.95, 0.99]);

/** numpy's `_lerp`: `a + (b - a) * t`, computed from the nearer end for `t >= 0.5`. */
export function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** The lower of the two 0-based ranks numpy's linear method interpolates for quantile `q` of `n > 0` values. */
export function lowerRank(n: number, q: number): number {
  const index = (n - 1) * q;
  return index >= n - 1 ? n - 1 : Math.floor(index);
}

/** numpy's linear interpolation for quantile `q` of `n` values, given the values at `lowerRank(n, q)` and the rank after it. */
export function interpolate(n: number, q: number, atLower: number, atUpper: number): number {
  const index = (n - 1) * q;
  return index >= n - 1 ? atLower : lerp(atLower, atUpper, index - Math.floor(index));
}

/**
 * numpy's default quantile (`np.quantile(x, q)`, method `linear`) of the first `n` values of an
 * ascending array. Returns NaN for `n = 0`.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, n: number, q: number): number {
  if (n === 0) return Number.NaN;
  const lo = lowerRank(n, q);
  return interpolate(n, q, sorted[lo]!, sorted[lo === n - 1 ? lo : lo + 1]!);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HIGH_WORD = LITTLE_ENDIAN ? 1 : 0;
/** Bits of a double's high word dropped to form a bucket key: 64 keys per power of two (~1.1% wide). */
const KEY_SHIFT = 14;
const MAX_KEYS = 4096;
/** Most quantiles per call of `exactQuantiles`. */
export const MAX_QUANTILES = 8;
/** Most ranks and rank ranges per call of `selectRanks`. */
const MAX_RANKS = 4 * MAX_QUANTILES;

const counts = new Uint32Array(MAX_KEYS);
/** Region index + 1 of each bucket copied out in the second pass, 0 for the others. */
const marks = new Int8Array(MAX_KEYS);
const regionKeyFrom = new Int32Array(MAX_RANKS);
const regionKeyTo = new Int32Array(MAX_RANKS);

const scratchWord = new Float64Array(1);
const scratchWords = new Uint32Array(scratchWord.buffer);
function keyOf(value: number): number {
  scratchWord[0] = value;
  return scratchWords[HIGH_WORD]! >>> KEY_SHIFT;
}

/**
 * Where `selectRanks` left the values of the wanted ranks (shared scratch: valid until the next call). The
 * samples of the buckets covering each rank range are in `candidates`, one contiguous region per range
 * (ranges sharing a bucket share a region), partitioned so that the value of `wanted[j]` sits at
 * `position[j]`, everything before it in its region is <= and everything after it is >=.
 */
export class RankSelection {
  candidates = new Float64Array(1024);
  readonly position = new Int32Array(MAX_RANKS);
  /** `[regionStart[j], regionEnd[j])`: the region holding `wanted[j]`; `regionRank[j]`: the rank of its first sample. */
  readonly regionStart = new Int32Array(MAX_RANKS);
  readonly regionEnd = new Int32Array(MAX_RANKS);
  readonly regionRank = new Int32Array(MAX_RANKS);
}

const selection = new RankSelection();
const regionStart = new Int32Array(MAX_RANKS);
const regionFill = new Int32Array(MAX_RANKS);
const regionRank = new Int32Array(MAX_RANKS);

/**
 * Finds the values at ranks `wanted[0, nWanted)` (ascending, unique, 0-based) of the first `n` values of
 * `values` (non-negative, any order, not modified; `min < max` their extremes). `ranges[0, 2 * nRanges)` are
 * `[from, to]` rank pairs, ascending and disjoint, covering every wanted rank: the samples ranked in a
 * range are all copied out, so a caller may read a whole neighbourhood of ranks.
 *
 * O(n): one pass buckets the values by the high bits of their IEEE-754 form (monotone for non-negative
 * doubles), a second copies out only the buckets covering the ranges, where a quickselect finds each rank.
 */
export function selectRanks(
  values: Float64Array,
  n: number,
  min: number,
  max: number,
  ranges: Int32Array,
  nRanges: number,
  wanted: Int32Array,
  nWanted: number,
): RankSelection {
  const keyMax = keyOf(max);
  const base = Math.max(keyOf(min), keyMax - (MAX_KEYS - 1));
  counts.fill(0, 0, keyMax - base + 1);
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  for (let i = 0, w = HIGH_WORD; i < n; i++, w += 2) {
    const k = (words[w]! >>> KEY_SHIFT) - base;
    counts[k < 0 ? 0 : k]!++;
  }

  // The buckets of each range, merged into regions where ranges share a bucket.
  let regions = 0;
  let total = 0;
  for (let r = 0, b = 0, before = 0; r < nRanges; r++) {
    const from = ranges[2 * r]!;
    const to = ranges[2 * r + 1]!;
    while (before + counts[b]! <= from) before += counts[b++]!;
    const keyFrom = b;
    const rankFrom = before;
    while (before + counts[b]! <= to) before += counts[b++]!;
    if (regions > 0 && keyFrom <= regionKeyTo[regions - 1]!) {
      for (let k = regionKeyTo[regions - 1]! + 1; k <= b; k++) total += counts[k]!;
      regionKeyTo[regions - 1] = b;
      continue;
    }
    regionKeyFrom[regions] = keyFrom;
    regionKeyTo[regions] = b;
    regionStart[regions] = total;
    regionRank[regions] = rankFrom;
    for (let k = keyFrom; k <= b; k++) total += counts[k]!;
    regions++;
  }
  for (let r = 0; r < regions; r++) {
    regionFill[r] = regionStart[r]!;
    marks.fill(r + 1, regionKeyFrom[r]!, regionKeyTo[r]! + 1);
  }
  let candidates = selection.candidates;
  if (candidates.length < total) candidates = selection.candidates = new Float64Array(Math.max(total, candidates.length * 2));
  for (let i = 0, w = HIGH_WORD; i < n; i++, w += 2) {
    let k = (words[w]! >>> KEY_SHIFT) - base;
    if (k < 0) k = 0;
    const m = marks[k]!;
    if (m !== 0) candidates[regionFill[m - 1]!++] = values[i]!;
  }
  for (let r = 0; r < regions; r++) marks.fill(0, regionKeyFrom[r]!, regionKeyTo[r]! + 1);

  // Ascending ranks: each quickselect starts past the previous rank of its region.
  for (let j = 0, r = 0, left = regionStart[0]!; j < nWanted; j++) {
    const rank = wanted[j]!;
    while (rank >= regionRank[r]! + (regionFill[r]! - regionStart[r]!)) left = regionStart[++r]!;
    const start = regionStart[r]!;
    const end = regionFill[r]!;
    const k = start + rank - regionRank[r]!;
    select(candidates, left, end, k);
    selection.position[j] = k;
    selection.regionStart[j] = start;
    selection.regionEnd[j] = end;
    selection.regionRank[j] = regionRank[r]!;
    left = k + 1;
  }
  return selection;
}

const qRanges = new Int32Array(2 * MAX_QUANTILES);
const qWanted = new Int32Array(2 * MAX_QUANTILES);

/**
 * Exact numpy-linear quantiles of the first `n` values of `values` (non-negative, in any order; the array
 * is not modified). `min` and `max` are the smallest and largest of them. Writes `out[i]` for `qs[i]`;
 * `qs` must be ascending. O(n), see `selectRanks`.
 */
export function exactQuantiles(
  values: Float64Array,
  n: number,
  min: number,
  max: number,
  qs: readonly number[],
  out: Float64Array | number[],
): void {
  const nq = qs.length;
  if (nq > MAX_QUANTILES) throw new RangeError(`exactQuantiles computes at most ${MAX_QUANTILES} quantiles at once`);
  if (n === 0 || min === max) {
    for (let i = 0; i < nq; i++) out[i] = n === 0 ? Number.NaN : min;
    return;
  }
  let nr = 0;
  let nw = 0;
  for (let i = 0; i < nq; i++) {
    const lo = lowerRank(n, qs[i]!);
    const hi = lo === n - 1 ? lo : lo + 1;
    if (nr > 0 && lo <= qRanges[2 * nr - 1]!) qRanges[2 * nr - 1] = hi;
    else {
      qRanges[2 * nr] = lo;
      qRanges[2 * nr + 1] = hi;
      nr++;
    }
    if (nw === 0 || qWanted[nw - 1]! < lo) qWanted[nw++] = lo;
    if (qWanted[nw - 1]! < hi) qWanted[nw++] = hi;
  }
  const { candidates, position } = selectRanks(values, n, min, max, qRanges, nr, qWanted, nw);
  for (let i = 0, j = 0; i < nq; i++) {
    const q = qs[i]!;
    const lo = lowerRank(n, q);
    while (qWanted[j] !== lo) j++;
    const atLower = candidates[position[j]!]!;
    out[i] = interpolate(n, q, atLower, lo === n - 1 ? atLower : candidates[position[j + 1]!]!);
  }
}

/**
 * Puts the `k`-th smallest of `a[left, right)` at index `k`, smaller or equal values before it and greater
 * or equal after (quickselect with a three-way partition, so runs of equal latencies cost nothing;
 * insertion sort for the last few).
 */
function select(a: Float64Array, left: number, right: number, k: number): void {
  while (right - left > 16) {
    const x = a[left]!;
    const y = a[(left + right) >>> 1]!;
    const z = a[right - 1]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let lt = left;
    let i = left;
    let gt = right;
    while (i < gt) {
      const v = a[i]!;
      if (v < pivot) {
        a[i++] = a[lt]!;
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[--gt]!;
        a[gt] = v;
      } else {
        i++;
      }
    }
    if (k < lt) right = lt;
    else if (k >= gt) left = gt;
    else return;
  }
  insertionSort(a, left, right);
}

/** Sorts `a[start, end)` in place; for a few values, cheaper than a native sort call. */
export function insertionSort(a: Float64Array, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= start && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}
