import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyDigest } from '../../lib/metrics/quantiles/latency-digest.js';
import { QuantileTracker } from '../../lib/metrics/quantiles/quantile-tracker.js';
import { STANDARD_QUANTILES, exactQuantiles, lerp, quantileOfSorted } from '../../lib/metrics/quantiles/quantiles.js';
import { seededRandom } from '../../lib/util/seeded-random.js';


function shuffled(values: number[], seed: number): number[] {
  const random = seededRandom(seed);
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function quantilesOf(values: number[]): number[] {
  const array = Float64Array.from(values);
  const out = [0, 0, 0];
  exactQuantiles(array, array.length, Math.min(...values), Math.max(...values), STANDARD_QUANTILES, out);
  return out;
}

describe('numpy linear interpolation', () => {
  test('hand-computed quantiles of small samples', () => {
    // n = 5: index (n-1)q = 2, 3.8, 3.96 -> 30, 40 + 10 * 0.8 = 48, 40 + 10 * 0.96 = 49.6
    assert.deepEqual(quantilesOf([50, 10, 40, 20, 30]), [30, 48, 49.6]);
    // n = 2: index 0.5, 0.95, 0.99 between 1 and 3 -> 2, 3 - 2 * 0.05 = 2.9, 3 - 2 * 0.01 = 2.98
    assert.deepEqual(quantilesOf([3, 1]), [2, 2.9, 2.98]);
    // n = 3, 1.1 2.2 3.3: index 1, 1.9, 1.98 -> 2.2, 3.3 - 1.1 * 0.1 = 3.19, 3.3 - 1.1 * 0.02 = 3.278; numpy takes
    // fractions >= 0.5 from the upper end: from the lower end these would be 3.1899999999999995 and 3.2779999999999996
    assert.deepEqual(quantilesOf([3.3, 1.1, 2.2]), [2.2, 3.19, 3.278]);
    // n = 1: every quantile is the value
    assert.deepEqual(quantilesOf([7]), [7, 7, 7]);
    // all equal
    assert.deepEqual(quantilesOf([4, 4, 4, 4]), [4, 4, 4]);
    // n = 10, 100..1000: index 4.5, 8.55, 8.91. numpy interpolates from the upper end when the fraction is
    // >= 0.5: p95 = 1000 - 100 * (1 - 0.5499999999999989) = 954.9999999999999 (as np.quantile prints it).
    assert.deepEqual(quantilesOf([1000, 900, 800, 700, 600, 500, 400, 300, 200, 100]), [550, 954.9999999999999, 991]);
    // duplicates and zeros: sorted [0, 0, 5.5, 5.5, 9, 123.4]; index 2.5 -> 5.5; 4.75 -> 123.4 - 114.4 * 0.25 = 94.8;
    // 4.95 -> 123.4 - 114.4 * 0.05 = 117.68 (both as doubles)
    assert.deepEqual(quantilesOf([5.5, 0, 123.4, 9, 0, 5.5]), [5.5, 123.4 - 114.4 * (1 - 0.75), 123.4 - (123.4 - 9) * (1 - (4.95 - 4))]);
  });

  test('lerp computes from the nearer end like numpy', () => {
    assert.equal(lerp(10, 20, 0.25), 12.5);
    assert.equal(lerp(10, 20, 0.75), 17.5);
    assert.equal(lerp(0.1, 0.2, 0.5), 0.2 - (0.2 - 0.1) * 0.5);
  });

  test('quantileOfSorted handles the ends', () => {
    const sorted = [1, 2, 3, 4];
    assert.equal(quantileOfSorted(sorted, 4, 0), 1);
    assert.equal(quantileOfSorted(sorted, 4, 1), 4);
    assert.ok(Number.isNaN(quantileOfSorted([], 0, 0.5)));
  });

  test('exactQuantiles equals sort-then-interpolate on many random samples, without touching the input', () => {
    const random = seededRandom(42);
    const qs = [0, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];
    const out = new Array<number>(qs.length).fill(0);
    for (let trial = 0; trial < 600; trial++) {
      const n = 1 + Math.floor(random() * 4000);
      const values = new Float64Array(n);
      const kind = trial % 6;
      for (let i = 0; i < n; i++) {
        const r = random();
        values[i] =
          kind === 0
            ? r * 1000
            : kind === 1
              ? Math.floor(r * 5)
              : kind === 2
                ? Math.exp(r * 30) - 1
                : kind === 3
                  ? (i % 9 === 0 ? 0 : 250 + r * 1e-6)
                  : kind === 4
                    ? Math.round(200 + r * 3000)
                    : r < 0.5
                      ? 1e-9
                      : 1e9 * r;
      }
      const copy = values.slice();
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      exactQuantiles(values, n, min, max, qs, out);
      assert.deepEqual(values, copy, 'input unchanged');
      const sorted = values.slice().sort();
      for (let i = 0; i < qs.length; i++) {
        assert.equal(out[i], quantileOfSorted(sorted, n, qs[i]!), `trial ${trial} kind ${kind} n ${n} q ${qs[i]}`);
      }
    }
  });
});

/** Appends `count` values to a growing sample array, as a digest does. */
class Samples {
  values = new Float64Array(20_000);
  n = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  append(count: number, next: () => number): void {
    for (let i = 0; i < count && this.n < this.values.length; i++) {
      const v = next();
      this.values[this.n++] = v;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
    }
  }

  numpy(): number[] {
    const sorted = this.values.slice(0, this.n).sort();
    return STANDARD_QUANTILES.map((q) => quantileOfSorted(sorted, this.n, q));
  }
}

describe('QuantileTracker', () => {
  const distributions: ((r: number, n: number) => number)[] = [
    (r) => r * 1000,
    (r) => Math.floor(r * 5),
    (r) => Math.exp(r * 30) - 1,
    (r) => (r < 0.1 ? 0 : 250 + r * 1e-6),
    (r) => Math.round(200 + r * 3000),
    (r) => (r < 0.5 ? 1e-9 : 1e9 * r),
    () => 7,
    (r) => (r < 0.98 ? 100 : 100 + r * 1e4),
    (r, n) => r * 100 + n * 0.5, // drifting upwards
    (r, n) => Math.max(0, 5000 - n + r * 10), // drifting downwards
  ];

  test('equals numpy after every read, however the samples arrive', () => {
    const random = seededRandom(99);
    let reads = 0;
    for (let trial = 0; trial < 300; trial++) {
      const distribution = distributions[trial % distributions.length]!;
      const samples = new Samples();
      const tracker = new QuantileTracker(STANDARD_QUANTILES);
      const out = new Float64Array(3);
      for (let read = 0, count = 5 + Math.floor(random() * 60); read < count; read++) {
        const batch = random() < 0.5 ? 1 + Math.floor(random() * 3) : Math.floor(random() * (random() < 0.8 ? 40 : 2000));
        samples.append(batch, () => distribution(random(), samples.n));
        if (samples.n === 0) continue;
        tracker.quantiles(samples.values, samples.n, samples.min, samples.max, out);
        assert.deepEqual([...out], samples.numpy(), `trial ${trial} read ${read} n ${samples.n}`);
        reads++;
      }
    }
    assert.ok(reads > 5_000);
  });

  test('reads after every few appends follow the growing samples exactly', () => {
    const random = seededRandom(5);
    const samples = new Samples();
    const tracker = new QuantileTracker(STANDARD_QUANTILES);
    const out = new Float64Array(3);
    samples.append(1000, () => Math.exp(5 + random() * 5));
    for (let read = 0; read < 2000; read++) {
      samples.append(1 + (read % 5), () => Math.exp(5 + random() * 5));
      tracker.quantiles(samples.values, samples.n, samples.min, samples.max, out);
      if (read % 7 === 0) assert.deepEqual([...out], samples.numpy(), `read ${read}`);
    }
    assert.deepEqual([...out], samples.numpy());
  });

  test('reset() forgets the bands (the samples were replaced)', () => {
    const tracker = new QuantileTracker(STANDARD_QUANTILES);
    const out = new Float64Array(3);
    tracker.quantiles(Float64Array.from([1, 2, 3, 4]), 4, 1, 4, out);
    tracker.reset();
    tracker.quantiles(Float64Array.from([40, 10, 30]), 3, 10, 40, out);
    // 10, 30, 40: index 1, 1.9, 1.98 -> 30, 40 - 10 * 0.1 = 39, 40 - 10 * 0.02 = 39.8
    assert.deepEqual([...out], [30, 39, 39.8]);
    tracker.quantiles(Float64Array.from([40, 10, 30, 20]), 4, 10, 40, out);
    assert.deepEqual([...out], STANDARD_QUANTILES.map((q) => quantileOfSorted([10, 20, 30, 40], 4, q)));
  });
});

/** Whether a digest still holds its samples (exact percentiles), as its serialized form shows. */
function isExact(digest: LatencyDigest): boolean {
  return digest.toJSON().samples !== undefined;
}

describe('LatencyDigest', () => {
  test('reads between adds stay exact, across the switch to the sketch and back after reset()', () => {
    const random = seededRandom(11);
    const digest = new LatencyDigest(500, 0.01);
    const values: number[] = [];
    const numpy = (): number[] => {
      const sorted = Float64Array.from(values).sort();
      return STANDARD_QUANTILES.map((q) => quantileOfSorted(sorted, values.length, q));
    };
    for (let round = 0; round < 2; round++) {
      while (values.length < 500) {
        for (let i = 0; i < 7 && values.length < 500; i++) {
          const v = Math.round(Math.exp(4 + random() * 4) * 100) / 100;
          values.push(v);
          digest.add(v);
        }
        assert.deepEqual([...digest.standardQuantiles()], numpy(), `${values.length} samples`);
      }
      digest.add(1e6);
      values.push(1e6);
      assert.equal(isExact(digest), false);
      const q = digest.standardQuantiles();
      numpy().forEach((exact, i) => assert.ok(Math.abs(q[i]! - exact) <= 0.01 * exact, `sketched p${STANDARD_QUANTILES[i]}`));
      digest.reset();
      values.length = 0;
      assert.equal(isExact(digest), true);
    }
  });

  test('is exact up to its limit and keeps count, sum, min, max', () => {
    const digest = new LatencyDigest(5, 0.01);
    for (const v of [30, 10, 50, 20, 40]) digest.add(v);
    assert.equal(isExact(digest), true);
    assert.deepEqual([digest.count, digest.sum, digest.min, digest.max], [5, 150, 10, 50]);
    assert.deepEqual([...digest.standardQuantiles()], [30, 48, 49.6]);
    digest.add(60);
    assert.equal(isExact(digest), false, 'the sixth sample switches to the sketch');
    assert.deepEqual([digest.count, digest.sum, digest.min, digest.max], [6, 210, 10, 60]);
  });

  test('past 10,000 samples the sketch stays within 1% of numpy on 1..100000', () => {
    const digest = new LatencyDigest(10_000, 0.01);
    const values = shuffled(Array.from({ length: 100_000 }, (_, i) => i + 1), 7);
    for (const v of values) digest.add(v);
    assert.equal(isExact(digest), false);
    assert.deepEqual([digest.count, digest.sum, digest.min, digest.max], [100_000, 5_000_050_000, 1, 100_000]);
    // numpy: index 99999 q -> 49999.5, 94999.05, 98999.01 over 1..100000 -> 50000.5, 95000.05, 99000.01
    const exact = [50_000.5, 95_000.05, 99_000.01];
    const q = digest.standardQuantiles();
    for (let i = 0; i < 3; i++) {
      const error = Math.abs(q[i]! - exact[i]!) / exact[i]!;
      assert.ok(error <= 0.01, `p${STANDARD_QUANTILES[i]} = ${q[i]} is ${(error * 100).toFixed(3)}% off ${exact[i]}`);
    }
  });

  test('the sketch bound holds on a long-tailed latency distribution', () => {
    const random = seededRandom(3);
    const values = Array.from({ length: 50_000 }, () => Math.round(50 + Math.exp(random() * 9)));
    const digest = new LatencyDigest(10_000, 0.01);
    for (const v of values) digest.add(v);
    const sorted = Float64Array.from(values).sort();
    const q = digest.standardQuantiles();
    STANDARD_QUANTILES.forEach((quantile, i) => {
      const exact = quantileOfSorted(sorted, sorted.length, quantile);
      assert.ok(Math.abs(q[i]! - exact) <= 0.01 * exact, `p${quantile}: ${q[i]} vs ${exact}`);
    });
  });

  test('merging exact digests stays exact while the union fits, then sketches', () => {
    const a = new LatencyDigest(10, 0.01);
    const b = new LatencyDigest(10, 0.01);
    [1, 2, 3, 4, 5].forEach((v) => a.add(v));
    [6, 7, 8, 9, 10].forEach((v) => b.add(v));
    a.merge(b);
    assert.equal(isExact(a), true);
    // 1..10: index 4.5, 8.55, 8.91 -> 5.5, 10 - 1 * 0.45 = 9.55 (as a double 9.549999999999999), 9.91
    assert.deepEqual([...a.standardQuantiles()], [5.5, 9.549999999999999, 9.91]);
    assert.deepEqual([a.count, a.sum, a.min, a.max], [10, 55, 1, 10]);
    const c = new LatencyDigest(10, 0.01);
    c.add(100);
    a.merge(c);
    assert.equal(isExact(a), false);
    assert.deepEqual([a.count, a.sum, a.min, a.max], [11, 155, 1, 100]);
  });

  test('JSON round trip keeps exact samples and sketch bins', () => {
    const exact = new LatencyDigest(100, 0.01);
    [5, 1, 9].forEach((v) => exact.add(v));
    const back = LatencyDigest.fromJSON(JSON.parse(JSON.stringify(exact.toJSON())));
    assert.equal(isExact(back), true);
    assert.deepEqual([...back.standardQuantiles()], [...exact.standardQuantiles()]);
    assert.deepEqual([back.count, back.sum, back.min, back.max], [3, 15, 1, 9]);

    const sketched = new LatencyDigest(10, 0.01);
    for (let v = 1; v <= 1000; v++) sketched.add(v);
    const copy = LatencyDigest.fromJSON(JSON.parse(JSON.stringify(sketched.toJSON())));
    assert.equal(isExact(copy), false);
    assert.deepEqual([...copy.standardQuantiles()], [...sketched.standardQuantiles()]);
    assert.deepEqual([copy.count, copy.sum, copy.min, copy.max], [1000, 500_500, 1, 1000]);
  });

  test('toJSON(maxSamples) sends a large exact digest as its sketch', () => {
    const digest = new LatencyDigest(10_000, 0.01);
    for (let v = 1; v <= 2_000; v++) digest.add(v);
    const small = digest.toJSON();
    assert.equal(small.samples?.length, 2_000);
    const json = digest.toJSON(1_000);
    assert.equal(json.samples, undefined);
    assert.ok(json.sketch !== undefined && json.sketch.keys.length < 1_000);
    const back = LatencyDigest.fromJSON(json);
    assert.equal(isExact(back), false);
    assert.deepEqual([back.count, back.sum, back.min, back.max], [2_000, 2_001_000, 1, 2_000]);
    // 1..2000: index 999.5, 1899.05, 1979.01 -> 1000.5, 1900.05, 1980.01
    [1000.5, 1900.05, 1980.01].forEach((exact, i) => assert.ok(Math.abs(back.standardQuantiles()[i]! - exact) <= 0.01 * exact));
  });

  test('zero latencies are counted at zero', () => {
    const digest = new LatencyDigest(2, 0.01);
    [0, 0, 0, 10].forEach((v) => digest.add(v));
    // sorted 0,0,0,10: index 1.5 -> 0; 2.85 -> 10 - 10 * 0.15 = 8.5; 2.97 -> 9.7 (sketch: 10 within 1%)
    const q = digest.standardQuantiles();
    assert.equal(q[0], 0);
    assert.ok(Math.abs(q[1]! - 8.5) <= 0.085, `${q[1]}`);
    assert.ok(Math.abs(q[2]! - 9.7) <= 0.097, `${q[2]}`);
  });
});
