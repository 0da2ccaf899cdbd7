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

test('a row patched over its previous lines keeps what matches and writes afresh from the first line that does not', () => {
  const open = encode('f{');
  const labels = encode('a="x"');
  const q = (v: string): Uint8Array => encode(`,q="${v}"} `);
  const previousText = '\nf{a="x",q="0.95"} 10\nf{a="x",q="0.99"} 20\nf{a="x"} 7';
  const arena = Buffer.alloc(4096);
  arena.write(previousText, 0, 'latin1');
  const previous = { buffer: arena, base: 0, length: previousText.length };
  const patch = (lines: Array<[Uint8Array, Uint8Array | undefined, number]>): string => {
    const writer = new ExpositionWriter(16, arena, 2048, 4096, previous);
    writer.beginPatch(0, previousText.length);
    for (const [suffix, check, value] of lines) {
      if (writer.patchHead(1 + open.length + labels.length + suffix.length, check)) {
        writer.value(value, 'prometheus');
        writer.patchDone();
      } else {
        writer.line(open, labels, suffix);
        writer.value(value, 'prometheus');
      }
    }
    writer.endPatch();
    return writer.finish();
  };
  const close = encode('} ');
  // Same layout, values of the same length: patched in place.
  assert.equal(patch([[q('0.95'), q('0.95'), 11], [q('0.99'), q('0.99'), 22], [close, undefined, 8]]), '\nf{a="x",q="0.95"} 11\nf{a="x",q="0.99"} 22\nf{a="x"} 8');
  // A value that gains a digit: the lines after it are written.
  assert.equal(patch([[q('0.95'), q('0.95'), 100], [q('0.99'), q('0.99'), 22], [close, undefined, 8]]), '\nf{a="x",q="0.95"} 100\nf{a="x",q="0.99"} 22\nf{a="x"} 8');
  // A line whose suffix differs from the previous line at its place, with the same length (0.99 where 0.95 was).
  assert.equal(patch([[q('0.99'), q('0.99'), 11], [close, undefined, 8]]), '\nf{a="x",q="0.99"} 11\nf{a="x"} 8');
  // Fewer lines than before: the previous ones past the last match are dropped.
  assert.equal(patch([[q('0.95'), q('0.95'), 12]]), '\nf{a="x",q="0.95"} 12');
  // More lines than before: the new ones are written after the copy.
  assert.equal(
    patch([[q('0.95'), q('0.95'), 10], [q('0.99'), q('0.99'), 20], [close, undefined, 7], [close, undefined, 1.5]]),
    '\nf{a="x",q="0.95"} 10\nf{a="x",q="0.99"} 20\nf{a="x"} 7\nf{a="x"} 1.5',
  );
});

test('histogram bucket lines patched over their previous lines: counts rewritten in place until one gains a digit', () => {
  const open = encode('h_bucket{');
  const labels = encode('a="x"');
  const suffixes = ['1', '2', '+Inf'].map((le) => encode(`,le="${le}"} `));
  const previousText = '\nh_bucket{a="x",le="1"} 3\nh_bucket{a="x",le="2"} 8\nh_bucket{a="x",le="+Inf"} 15';
  const arena = Buffer.alloc(4096);
  arena.write(previousText, 0, 'latin1');
  const previous = { buffer: arena, base: 0, length: previousText.length };
  const patch = (counts: number[], changedFrom: number): string => {
    const writer = new ExpositionWriter(16, arena, 2048, 4096, previous);
    writer.beginPatch(0, previousText.length);
    writer.patchBuckets(open, labels, suffixes, Float64Array.from(counts), changedFrom);
    writer.endPatch();
    return writer.finish();
  };
  assert.equal(patch([3, 6, 7], 1), '\nh_bucket{a="x",le="1"} 3\nh_bucket{a="x",le="2"} 9\nh_bucket{a="x",le="+Inf"} 16');
  assert.equal(patch([3, 7, 7], 1), '\nh_bucket{a="x",le="1"} 3\nh_bucket{a="x",le="2"} 10\nh_bucket{a="x",le="+Inf"} 17');
  assert.equal(patch([3, 5, 90], 2), '\nh_bucket{a="x",le="1"} 3\nh_bucket{a="x",le="2"} 8\nh_bucket{a="x",le="+Inf"} 98');
});

test('sameAsPrevious: true only when the bytes written are those of the previous output, every byte and the length', () => {
  const previousText = '\nf{a="x"} 10\nf{a="y"} 20';
  const arena = Buffer.alloc(4096);
  arena.write(previousText, 0, 'latin1');
  const previous = { buffer: arena, base: 0, length: previousText.length };
  const written = (text: string): ExpositionWriter => {
    const writer = new ExpositionWriter(16, arena, 2048, 4096, previous);
    writer.text(text);
    return writer;
  };
  assert.equal(written(previousText).sameAsPrevious(), true);
  assert.equal(written(previousText.replace('20', '21')).sameAsPrevious(), false);
  assert.equal(written(previousText.slice(0, -1)).sameAsPrevious(), false);
  assert.equal(written(`${previousText}0`).sameAsPrevious(), false);
  const withoutPrevious = new ExpositionWriter(16);
  withoutPrevious.text(previousText);
  assert.equal(withoutPrevious.sameAsPrevious(), false);
});
