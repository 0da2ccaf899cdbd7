import type { Target } from '../request-run.js';

let scratch = new Float64Array(16);

/** A reusable key buffer of at least `n` entries (strategies run synchronously, one at a time). */
export function keyBuffer(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/**
 * `targets` ordered by ascending `keys[i]` (stable: ties keep the configured order). Returns `targets`
 * itself when already in order; else one copy sorted by insertion, which beats a general sort for the
 * handful of providers of a router and allocates nothing else. `keys` is reordered alongside.
 */
export function sortByKeys(targets: readonly Target[], keys: Float64Array): readonly Target[] {
  const n = targets.length;
  let i = 1;
  while (i < n && !(keys[i]! < keys[i - 1]!)) i++;
  if (i >= n) return targets;
  const out = targets.slice();
  for (; i < n; i++) {
    const k = keys[i]!;
    const t = out[i]!;
    let j = i;
    while (j > 0 && keys[j - 1]! > k) {
      keys[j] = keys[j - 1]!;
      out[j] = out[j - 1]!;
      j--;
    }
    keys[j] = k;
    out[j] = t;
  }
  return out;
}
