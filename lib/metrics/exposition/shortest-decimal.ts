/** Exact powers of ten as doubles (10^22 is the largest). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** 10^-6 … 10^15, approximately (to estimate a value's decade; the estimate is checked). */
const DECADES = Array.from({ length: 22 }, (_, i) => Number(`1e${i - 6}`));
/** Veltkamp's splitter for doubles: 2^27 + 1. */
const SPLITTER = 134_217_729;
const TWO_53 = 2 ** 53;
const scratch = new Uint8Array(24);

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

/**
 * Writes `value` at `p` as JavaScript's `String(value)` spells it (the shortest decimal that reads back as
 * the same double, the nearest one if several), without making a string, and returns the position after
 * it; or returns -1, writing nothing, when it cannot tell for sure (then use `String(value)`). Handles
 * non-integers in `[1e-6, 1e15)`: the sums, rates and quantiles of an export; every decision is checked
 * exactly (a candidate reads back as `value` iff `m / 10^k === value`, both operands exact), any doubt
 * (a tie, a candidate out of range) gives -1.
 */
export function writeShortestDecimal(buffer: Uint8Array, p: number, value: number): number {
  if (!(value >= 1e-6 && value < 1e15)) return -1;
  // k: the scale that gives `value * 10^k` sixteen digits before the point.
  let e = 0;
  while (e < 20 && value >= DECADES[e + 1]!) e++;
  let k = 21 - e;
  if (k < 1 || k > 21) return -1;
  let scaled = value * POW10[k]!;
  if (scaled < 1e15) scaled = value * POW10[++k]!;
  else if (scaled >= 1e16) scaled = value * POW10[--k]!;
  if (k < 1 || k > 21 || scaled < 1e15 || scaled >= 1e16) return -1;
  const pow = POW10[k]!;
  // The 16-digit decimals that read back as `value` lie within about one unit of `scaled`.
  const m = Math.round(scaled);
  if (m + 2 >= TWO_53) return -1;
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  let secondDistance = Number.POSITIVE_INFINITY;
  let endsInZero = -1;
  let low = Number.NaN;
  for (let c = m - 2; c <= m + 2; c++) {
    if (c < 1e15 || c / pow !== value) continue;
    if (c % 10 === 0) endsInZero = c;
    if (Number.isNaN(low)) low = productError(value, pow, scaled);
    // |c - value * 10^k|: c - scaled is exact (close numbers), low is the product's exact remainder.
    const distance = Math.abs(c - scaled - low);
    if (distance < bestDistance) {
      secondDistance = bestDistance;
      bestDistance = distance;
      best = c;
    } else if (distance < secondDistance) {
      secondDistance = distance;
    }
  }
  if (endsInZero >= 0) {
    // A shorter decimal reads back too: it is the only one of its length, so the answer, less its trailing zeros.
    let digits = endsInZero;
    while (digits % 10 === 0) {
      digits /= 10;
      k--;
    }
    return k <= 0 ? -1 : place(buffer, p, scratchDigits(digits), k);
  }
  if (best >= 0) return secondDistance - bestDistance < 1e-6 ? -1 : place(buffer, p, scratchDigits(best), k);
  // No 16-digit decimal reads back: the answer is `value` rounded to 17 digits, from the exact product.
  if (k + 1 > 22) return -1;
  const pow17 = POW10[k + 1]!;
  const hi = value * pow17;
  const lo = productError(value, pow17, hi);
  const r = Math.round(lo);
  if (Math.abs(lo - r) > 0.5 - 1e-9) return -1;
  // hi + r: an integer of 17 digits, above 2^53: as 9 + 8 digits.
  let upper = Math.floor(hi / 1e8);
  let rest = hi - upper * 1e8 + r;
  while (rest < 0) {
    rest += 1e8;
    upper--;
  }
  while (rest >= 1e8) {
    rest -= 1e8;
    upper++;
  }
  if (upper < 1e8 || upper >= 1e9 || rest % 10 === 0) return -1;
  paddedDigits(upper, 0, 9);
  paddedDigits(rest, 9, 8);
  return place(buffer, p, 17, k + 1);
}

/** The decimal digits of a whole number in `[1, 2^53)` into `scratch`; their count. */
function scratchDigits(value: number): number {
  if (value < 1e8) return int32Digits(value, 0);
  let upper = Math.floor(value / 1e8);
  let lower = value - upper * 1e8;
  if (lower < 0) {
    upper--;
    lower += 1e8;
  } else if (lower >= 1e8) {
    upper++;
    lower -= 1e8;
  }
  const n = int32Digits(upper, 0);
  paddedDigits(lower, n, 8);
  return n + 8;
}

/** The digits of a whole number in `[1, 1e8)` at `scratch[at…]`; their count. */
function int32Digits(t: number, at: number): number {
  const n = t < 1e4 ? (t < 100 ? (t < 10 ? 1 : 2) : t < 1000 ? 3 : 4) : t < 1e6 ? (t < 1e5 ? 5 : 6) : t < 1e7 ? 7 : 8;
  paddedDigits(t, at, n);
  return n;
}

/** Exactly `n` digits of a whole number below `10^n` (leading zeros kept) at `scratch[at…]`. */
function paddedDigits(value: number, at: number, n: number): void {
  let t = value | 0;
  for (let i = at + n - 1; i >= at; i--) {
    const q = (t / 10) | 0;
    scratch[i] = 48 + t - q * 10;
    t = q;
  }
}

/** Writes the `n` digits in `scratch` as the number `digits / 10^k` in fixed notation (non-integer: `k` > 0, last digit not 0). */
function place(buffer: Uint8Array, p: number, n: number, k: number): number {
  const whole = n - k;
  if (whole > 0) {
    for (let i = 0; i < whole; i++) buffer[p++] = scratch[i]!;
    buffer[p++] = 46;
    for (let i = whole; i < n; i++) buffer[p++] = scratch[i]!;
    return p;
  }
  buffer[p++] = 48;
  buffer[p++] = 46;
  for (let i = whole; i < 0; i++) buffer[p++] = 48;
  for (let i = 0; i < n; i++) buffer[p++] = scratch[i]!;
  return p;
}
