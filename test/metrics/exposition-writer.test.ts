import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpositionWriter, encode } from '../../lib/metrics/exposition/exposition-writer.js';

test('numbers are written exactly as JavaScript (and prom-client) print them', () => {
  const values = [0, -0, 7, 10, 99, 12345, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 7, 1e15 + 3, 2 ** 53 - 1, 2 ** 53, 1e21, 0.1 + 0.2, 1.5, -3, -2.5, 1e-7, 123.456];
  const writer = new ExpositionWriter(16);
  for (const v of values) {
    writer.value(v, 'prometheus');
    writer.byte(32);
  }
  writer.value(Number.NaN, 'prometheus');
  writer.byte(32);
  writer.value(Number.NaN, 'openmetrics');
  writer.byte(32);
  writer.value(Number.POSITIVE_INFINITY, 'prometheus');
  writer.byte(32);
  writer.value(Number.NEGATIVE_INFINITY, 'openmetrics');
  assert.equal(writer.finish(), `${values.map((v) => `${v}`).join(' ')} Nan NaN +Inf -Inf`);
});

test('grows past its first buffer and keeps UTF-8 intact', () => {
  const writer = new ExpositionWriter(16);
  const label = encode('model="qwen-中文-é"');
  for (let i = 0; i < 5000; i++) {
    writer.bytes(label);
    writer.byte(10);
  }
  writer.notAscii();
  writer.text('ünïcödé 🚀');
  const text = writer.finish();
  assert.equal(text, `${'model="qwen-中文-é"\n'.repeat(5000)}ünïcödé 🚀`);
  assert.equal(writer.length, Buffer.byteLength(text));
});

test('a non-ASCII string written with text() is decoded as UTF-8 without being told', () => {
  const writer = new ExpositionWriter();
  writer.text('a');
  writer.text('é');
  assert.equal(writer.finish(), 'aé');
});

test('cumulative bucket lines, from the first bucket or from a later one with the counts below it summed', () => {
  const suffixes = ['1', '2', '+Inf'].map((le) => encode(`,le="${le}"} `));
  const counts = Float64Array.from([3, 0, 12]);
  const all = new ExpositionWriter();
  all.cumulativeLines(encode('h_bucket{'), encode('a="x"'), suffixes, counts);
  assert.equal(all.finish(), '\nh_bucket{a="x",le="1"} 3\nh_bucket{a="x",le="2"} 3\nh_bucket{a="x",le="+Inf"} 15');
  const tail = new ExpositionWriter();
  tail.cumulativeLines(encode('h_bucket{'), encode('a="x"'), suffixes, counts, 1);
  assert.equal(tail.finish(), '\nh_bucket{a="x",le="2"} 3\nh_bucket{a="x",le="+Inf"} 15');
  const none = new ExpositionWriter();
  none.cumulativeLines(encode('h_bucket{'), encode('a="x"'), suffixes, counts, 3);
  assert.equal(none.finish(), '');
});
