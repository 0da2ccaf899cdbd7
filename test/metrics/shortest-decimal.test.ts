import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeShortestDecimal } from '../../lib/metrics/exposition/shortest-decimal.js';
import { seededRandom } from '../../lib/util/seeded-random.js';

const buffer = Buffer.alloc(64);
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** The decimal written for `value`, or undefined when the function declines. */
function written(value: number): string | undefined {
  const end = writeShortestDecimal(buffer, 3, value);
  return end < 0 ? undefined : buffer.toString('latin1', 3, end);
}

function assertLikeString(value: number): boolean {
  const text = written(value);
  if (text === undefined) return false;
  assert.equal(text, `${value}`, `bits ${words[1]!.toString(16)}:${words[0]!.toString(16)}`);
  return true;
}

test('writes exactly what String(value) writes, or declines: random doubles of every decade and their neighbours', () => {
  const random = seededRandom(7);
  let answered = 0;
  let total = 0;
  for (let i = 0; i < 60_000; i++) {
    let value: number;
    switch (i % 5) {
      case 0:
        words[0] = (random() * 2 ** 32) >>> 0;
        words[1] = ((random() * 2 ** 20) >>> 0) | ((1023 - 22 + Math.floor(random() * 74)) << 20);
        value = bits[0]!;
        break;
      case 1:
        value = Math.exp(5 + random() * 5) + random();
        break;
      case 2:
        value = random() * 0.01 + random() * 0.01 + random() * 0.01;
        break;
      case 3:
        value = Math.round(random() * 1e6) / 10 ** Math.floor(random() * 9);
        break;
      default:
        value = Number((random() * 10 ** (Math.floor(random() * 22) - 6)).toPrecision(1 + Math.floor(random() * 17)));
    }
    for (const delta of [0, 1, -1]) {
      bits[0] = value;
      words[0]! += delta;
      total++;
      if (assertLikeString(bits[0]!)) answered++;
    }
  }
  assert.ok(answered > total / 2, `answered ${answered} of ${total}`);
});

test('edges: the range limits, short decimals, powers of ten, halves', () => {
  const values = [1e-6, 1.0000000000000002e-6, 0.1, 0.2, 0.30000000000000004, 0.5, 1.5, 123.456, 999999999999999.9, 1e15 - 0.125, 4503599627370495.5, 0.000123, 9.999999999999999, 10.000000000000002];
  for (const value of values) assertLikeString(value);
  for (let e = -6; e < 15; e++) {
    bits[0] = 10 ** e;
    for (const delta of [-2, -1, 1, 2]) {
      bits[0] = 10 ** e;
      words[0]! += delta;
      assertLikeString(bits[0]!);
    }
  }
});

test('answers sixteen-digit decimals above 2^53 when scaled (success rates of 0.9…, latencies of 9,xxx ms)', () => {
  const random = seededRandom(11);
  const values = [0.9553571428571429, 0.9107142857142857, 0.95, 0.9999999999999999, 9876.543210987654, 9.007199254740993, 0.90071992547409931];
  for (let i = 0; i < 20_000; i++) {
    const total = 1 + Math.floor(random() * 5000);
    values.push(Math.floor(random() * total) / total, 9007.2 + random() * 992.7, 0.9007 + random() * 0.0992);
  }
  let answered = 0;
  for (const value of values) if (assertLikeString(value)) answered++;
  assert.ok(answered > values.length * 0.95, `answered ${answered} of ${values.length}`);
});

test('declines what it does not handle: integers aside, out of range, negative, not finite', () => {
  for (const value of [9.99e-7, 1e-7, 5e-324, 1e15, 1e21, -1.5, -0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assert.equal(writeShortestDecimal(buffer, 0, value), -1, `${value}`);
  }
});
