/** Exact powers of ten as doubles (10^22 is the largest). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** 2^(i - 150): the gaps between neighbouring doubles of the range handled. */
const POW2 = Array.from({ length: 200 }, (_, i) => 2 ** (i - 150));
/** Veltkamp's splitter for doubles: 2^27 + 1. */
const SPLITTER = 134_217_729;
const TWO_53 = 2 ** 53;
/** Below this distance from a boundary a decision is not trusted (the answer is then left to `String(value)`). */
const DOUBT = 1e-7;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** Low part of the exact product `a * b` (`a * b - fl(a * b)`, exact: Dekker's two-product, no overflow here). */
function productError(a: number, b: number, p: number): number {
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** The `k` that puts a value of `[1e-6, 1e15)` at sixteen digits before the point: `value * 10^k` in `[1e15, 1e16)`. */
function scaleOf(value: number): number {
  if (value >= 1) {
    if (value >= 1e8) {
      if (value >= 1e12) return value >= 1e14 ? 1 : value >= 1e13 ? 2 : 3;
      return value >= 1e10 ? (value >= 1e11 ? 4 : 5) : value >= 1e9 ? 6 : 7;
    }
    if (value >= 1e4) return value >= 1e6 ? (value >= 1e7 ? 8 : 9) : value >= 1e5 ? 10 : 11;
    return value >= 100 ? (value >= 1000 ? 12 : 13) : value >= 10 ? 14 : 15;
  }
  if (value >= 1e-3) return value >= 0.1 ? 16 : value >= 0.01 ? 17 : 18;
  return value >= 1e-4 ? 19 : value >= 1e-5 ? 20 : 21;
}

/**
 * Writes `value` at `p` as JavaScript's `String(value)` spells it (the shortest decimal that reads back as
 * the same double, the nearest one if several), without making a string, and returns the position after
 * it; or returns -1, writing nothing, when it cannot tell for sure (then use `String(value)`). Handles
 * non-integers in `[1e-6, 1e15)` that are not powers of two: the sums, rates and quantiles of an export.
 *
 * With `value * 10^k` known exactly (as a double and its exact remainder), a decimal `c / 10^k` reads back
 * as `value` iff `c` lies within half the gap between `value`'s neighbouring doubles (scaled by `10^k`) of
 * it; any decision within `DOUBT` of a boundary or a tie gives -1.
 */
export function writeShortestDecimal(buffer: Uint8Array, p: number, value: number): number {
  if (!(value >= 1e-6 && value < 1e15)) return -1;
  bits[0] = value;
  const high = words[1]!;
  // A power of two: the gap below it is half the one above.
  if ((high & 0xfffff) === 0 && words[0] === 0) return -1;
  const k = scaleOf(value);
  const pow = POW10[k]!;
  const scaled = value * pow;
  if (scaled < 1e15 || scaled >= 1e16) return -1;
  const low = productError(value, pow, scaled);
  const halfGap = POW2[(high >>> 20) - 1075 + 150]! * pow * 0.5;
  // A multiple of ten within reach: the one shorter decimal (the interval is narrower than 2.3).
  const tens = Math.round(scaled / 10) * 10;
  let d = Math.abs(tens - scaled - low);
  if (d < halfGap - DOUBT) {
    // Exact, even above 2^53: `tens` is ten times a whole number below 10^15.
    let digits = tens / 10;
    let places = k - 1;
    while (digits % 10 === 0) {
      digits /= 10;
      places--;
    }
    return places <= 0 ? -1 : writeWhole(buffer, p, digits, places);
  }
  if (d < halfGap + DOUBT) return -1;
  // The sixteen-digit decimal nearest to the value, if it reads back: `m + step`, kept apart because above
  // 2^53 `m ± 1` is no double.
  const m = Math.round(scaled);
  const offset = m - scaled - low;
  let step = 0;
  d = Math.abs(offset);
  const below = Math.abs(offset - 1);
  if (below < d) {
    step = -1;
    d = below;
  } else {
    const above = Math.abs(offset + 1);
    if (above < d) {
      step = 1;
      d = above;
    }
  }
  if (d < halfGap - DOUBT) {
    if (Math.abs(d - 0.5) < DOUBT) return -1;
    if (m + 1 < TWO_53) return writeWhole(buffer, p, m + step, k);
    // m is even and of sixteen digits: its last eight apart, exactly.
    splitLastEight(m, step);
    const rest = eight[1]!;
    return rest % 10 === 0 ? -1 : writeDigits(buffer, p, eight[0]!, rest, 16, k);
  }
  if (d < halfGap + DOUBT) return -1;
  // None reads back: the answer is `value` rounded to 17 digits, from the exact product.
  if (k + 1 > 22) return -1;
  const pow17 = POW10[k + 1]!;
  const hi = value * pow17;
  const lo = productError(value, pow17, hi);
  const r = Math.round(lo);
  if (Math.abs(lo - r) > 0.5 - 1e-9) return -1;
  // hi + r: an integer of 17 digits, above 2^53: as 9 + 8 digits.
  splitLastEight(hi, r);
  const upper = eight[0]!;
  const rest = eight[1]!;
  if (upper < 1e8 || upper >= 1e9 || rest % 10 === 0) return -1;
  return writeDigits(buffer, p, upper, rest, 17, k + 1);
}

/** `splitLastEight`'s answer: the digits above the last eight, and the last eight. */
const eight = new Float64Array(2);

/**
 * Splits `whole + add` (`whole` a whole number of up to 17 digits, maybe above 2^53, `add` a small whole
 * number) into `eight`: `floor((whole + add) / 1e8)` and the remainder, each exact.
 */
function splitLastEight(whole: number, add: number): void {
  let upper = Math.floor(whole / 1e8);
  let rest = whole - upper * 1e8 + add;
  while (rest < 0) {
    rest += 1e8;
    upper--;
  }
  while (rest >= 1e8) {
    rest -= 1e8;
    upper++;
  }
  eight[0] = upper;
  eight[1] = rest;
}

/** Writes the whole number `value` in `[1, 2^53)` divided by `10^k` (`k` > 0, last digit not 0) in fixed notation. */
function writeWhole(buffer: Uint8Array, p: number, value: number, k: number): number {
  if (value < 1e8) return writeDigits(buffer, p, 0, value, digitCount(value), k);
  let upper = Math.floor(value / 1e8);
  let lower = value - upper * 1e8;
  if (lower < 0) {
    upper--;
    lower += 1e8;
  } else if (lower >= 1e8) {
    upper++;
    lower -= 1e8;
  }
  return writeDigits(buffer, p, upper, lower, digitCount(upper) + 8, k);
}

/** Digits of a whole number in `[1, 1e9)`. */
function digitCount(t: number): number {
  return t < 1e4 ? (t < 100 ? (t < 10 ? 1 : 2) : t < 1000 ? 3 : 4) : t < 1e6 ? (t < 1e5 ? 5 : 6) : t < 1e7 ? 7 : t < 1e8 ? 8 : 9;
}

/**
 * Writes the `n`-digit number `upper * 10^8 + lower` (`lower` its last 8 digits, or all of them when `n` ≤ 8
 * and `upper` is 0) divided by `10^k`, in fixed notation, from its last digit back; returns the end.
 */
function writeDigits(buffer: Uint8Array, p: number, upper: number, lower: number, n: number, k: number): number {
  const end = n > k ? p + n + 1 : p + k + 2;
  let q = end - 1;
  let fraction = k;
  const inLower = n < 8 ? n : 8;
  let t = lower | 0;
  for (let i = 0; i < inLower; i++) {
    const next = (t / 10) | 0;
    buffer[q--] = 48 + t - next * 10;
    t = next;
    if (--fraction === 0) buffer[q--] = 46;
  }
  t = upper | 0;
  for (let i = inLower; i < n; i++) {
    const next = (t / 10) | 0;
    buffer[q--] = 48 + t - next * 10;
    t = next;
    if (--fraction === 0) buffer[q--] = 46;
  }
  if (q >= p) {
    // 0.000ddd
    while (fraction > 0) {
      buffer[q--] = 48;
      if (--fraction === 0) buffer[q--] = 46;
    }
    buffer[q] = 48;
  }
  return end;
}
