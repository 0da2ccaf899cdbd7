/** The quantiles reported everywhere: p50, p95, p99. */
export const STANDARD_QUANTILES: readonly number[] = Object.freeze([0.5, 0.95, 0.99]);

/** numpy's `_lerp`: `a + (b - a) * t`, computed from the nearer end for `t >= 0.5`. */
export function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** The 0-based ranks whose values numpy's linear method interpolates for quantile `q` of `n` values. */
export function quantileRanks(n: number, q: number): { lo: number; hi: number; t: number } {
  const index = (n - 1) * q;
  if (index >= n - 1) return { lo: n - 1, hi: n - 1, t: 0 };
  const lo = Math.floor(index);
  return { lo, hi: lo + 1, t: index - lo };
}

/**
 * numpy's default quantile (`np.quantile(x, q)`, method `linear`) of the first `n` values of an
 * ascending array. Returns NaN for `n = 0`.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, n: number, q: number): number {
  if (n === 0) return Number.NaN;
  const index = (n - 1) * q;
  if (index >= n - 1) return sorted[n - 1]!;
  const lo = Math.floor(index);
  return lerp(sorted[lo]!, sorted[lo + 1]!, index - lo);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HIGH_WORD = LITTLE_ENDIAN ? 1 : 0;
/** Bits of a double's high word dropped to form a bucket key: 64 keys per power of two (~1.1% wide). */
const KEY_SHIFT = 14;
const MAX_KEYS = 4096;
const MAX_QUANTILES = 8;

const counts = new Uint32Array(MAX_KEYS);
const marks = new Int8Array(MAX_KEYS);
let candidates = new Float64Array(1024);
const rankLo = new Float64Array(MAX_QUANTILES);
const rankBucket = new Int32Array(2 * MAX_QUANTILES);
const rankOffset = new Int32Array(2 * MAX_QUANTILES);
const wanted = new Int32Array(2 * MAX_QUANTILES);
const targetStart = new Int32Array(2 * MAX_QUANTILES);
const targetFill = new Int32Array(2 * MAX_QUANTILES);
const targetKey = new Int32Array(2 * MAX_QUANTILES);
const rankValue = new Float64Array(2 * MAX_QUANTILES);

const scratchWord = new Float64Array(1);
const scratchWords = new Uint32Array(scratchWord.buffer);
function keyOf(value: number): number {
  scratchWord[0] = value;
  return scratchWords[HIGH_WORD]! >>> KEY_SHIFT;
}

/**
 * Exact numpy-linear quantiles of the first `n` values of `values` (non-negative, in any order; the array
 * is not modified). `min` and `max` are the smallest and largest of them. Writes `out[i]` for `qs[i]`;
 * `qs` must be ascending. O(n): one pass buckets the values by the high bits of their IEEE-754 form
 * (monotone for non-negative doubles), a second pass copies out only the buckets holding the wanted
 * ranks, where a quickselect finds each.
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
  if (n === 0) {
    for (let i = 0; i < nq; i++) out[i] = Number.NaN;
    return;
  }
  if (min === max) {
    for (let i = 0; i < nq; i++) out[i] = min;
    return;
  }
  // The ranks needed, ascending and unique.
  let nw = 0;
  for (let i = 0; i < nq; i++) {
    const index = (n - 1) * qs[i]!;
    const lo = index >= n - 1 ? n - 1 : Math.floor(index);
    rankLo[i] = lo;
    const hi = index >= n - 1 ? n - 1 : lo + 1;
    if (nw === 0 || wanted[nw - 1]! < lo) wanted[nw++] = lo;
    if (wanted[nw - 1]! < hi) wanted[nw++] = hi;
  }

  const keyMax = keyOf(max);
  const base = Math.max(keyOf(min), keyMax - (MAX_KEYS - 1));
  const range = keyMax - base + 1;
  counts.fill(0, 0, range);
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  for (let i = 0, w = HIGH_WORD; i < n; i++, w += 2) {
    const k = (words[w]! >>> KEY_SHIFT) - base;
    counts[k < 0 ? 0 : k]!++;
  }

  // Locate the bucket and in-bucket offset of every wanted rank.
  let nt = 0;
  let total = 0;
  for (let r = 0, b = 0, before = 0; r < nw; r++) {
    const rank = wanted[r]!;
    while (before + counts[b]! <= rank) before += counts[b++]!;
    rankBucket[r] = b;
    rankOffset[r] = rank - before;
    if (nt === 0 || targetKey[nt - 1]! !== b) {
      targetKey[nt] = b;
      targetStart[nt] = total;
      targetFill[nt] = total;
      marks[b] = nt + 1;
      total += counts[b]!;
      nt++;
    }
  }
  if (candidates.length < total) candidates = new Float64Array(Math.max(total, candidates.length * 2));
  for (let i = 0, w = HIGH_WORD; i < n; i++, w += 2) {
    let k = (words[w]! >>> KEY_SHIFT) - base;
    if (k < 0) k = 0;
    const m = marks[k]!;
    if (m !== 0) candidates[targetFill[m - 1]!++] = values[i]!;
  }
  for (let t = 0; t < nt; t++) marks[targetKey[t]!] = 0;
  for (let r = 0, t = 0; r < nw; r++) {
    while (targetKey[t] !== rankBucket[r]) t++;
    const k = targetStart[t]! + rankOffset[r]!;
    select(candidates, targetStart[t]!, targetFill[t]!, k);
    rankValue[r] = candidates[k]!;
  }

  for (let i = 0; i < nq; i++) {
    const index = (n - 1) * qs[i]!;
    const lo = rankLo[i]!;
    const a = valueAtRank(lo, nw);
    out[i] = index >= n - 1 ? a : lerp(a, valueAtRank(lo + 1, nw), index - lo);
  }
}

/**
 * Puts the `k`-th smallest of `a[left, right)` at index `k` (quickselect with a three-way partition, so
 * runs of equal latencies cost nothing; insertion sort for the last few).
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

/** Sorts `a[start, end)` in place; for the few values of one bucket, cheaper than a native sort call. */
function insertionSort(a: Float64Array, start: number, end: number): void {
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

function valueAtRank(rank: number, nw: number): number {
  let r = 0;
  while (r < nw && wanted[r] !== rank) r++;
  return rankValue[r]!;
}
