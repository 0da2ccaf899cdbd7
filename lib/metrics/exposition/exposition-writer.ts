import type { ExpositionFormat } from '../exposition-format.js';
import { formatValue } from './text-format.js';

const INITIAL_SIZE = 64 * 1024;
const scratchDigits = new Uint8Array(24);
/** Below this many bytes a loop copies faster than `Uint8Array.prototype.set` (a bucket's `,le="…"} `, for one). */
const SHORT = 16;
/** Digits of the largest whole number written as one (2^53 has 16). */
const MAX_INTEGER_DIGITS = 16;

/**
 * Builds exposition text as UTF-8 bytes in one growing buffer, then decodes it once: no per-line string is
 * allocated, so writing tens of thousands of lines creates almost no garbage. Integers are written digit
 * by digit; other numbers as JavaScript prints them (`${value}`, as prom-client does).
 */
export class ExpositionWriter {
  private buffer: Buffer;
  private position = 0;
  private isAscii = true;

  /**
   * `sizeHint`: the expected size in bytes (e.g. the previous output's), to avoid growing. `reuse`: a buffer
   * to write into when it is large enough (an earlier output no longer needed): a fresh one costs a page
   * fault per 4 KB on first write.
   */
  constructor(sizeHint = INITIAL_SIZE, reuse?: Buffer) {
    const size = Math.max(INITIAL_SIZE, sizeHint);
    this.buffer = reuse !== undefined && reuse.length >= size ? reuse : Buffer.allocUnsafe(size);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.position;
  }

  /** False once anything written was not ASCII (the text is then decoded as UTF-8). */
  get ascii(): boolean {
    return this.isAscii;
  }

  /** The buffer written so far (its first `length` bytes), e.g. to copy unchanged parts from into the next output. */
  get output(): Buffer {
    return this.buffer;
  }

  /** Copies pre-encoded UTF-8 bytes (call `notAscii()` once if any of them is not ASCII). */
  bytes(source: Uint8Array): void {
    const n = source.length;
    if (this.position + n > this.buffer.length) this.grow(n);
    this.put(source, n);
  }

  /** Starts a sample line: a newline, then `open`, `labels` and `suffix` (pre-encoded, as for `bytes`). */
  line(open: Uint8Array, labels: Uint8Array, suffix: Uint8Array | undefined): void {
    const n = 1 + open.length + labels.length + (suffix === undefined ? 0 : suffix.length);
    if (this.position + n > this.buffer.length) this.grow(n);
    this.buffer[this.position++] = 10;
    this.put(open, open.length);
    this.put(labels, labels.length);
    if (suffix !== undefined) this.put(suffix, suffix.length);
  }

  /**
   * The bucket lines of a histogram without exemplars, from bucket `from` on, in one tight loop: per bucket a
   * newline, `open`, `labels`, the bucket's suffix, then the cumulative count (`counts` are per bucket, whole
   * numbers). The newline, `open` and `labels` of the first line are copied within the buffer for the others.
   */
  cumulativeLines(open: Uint8Array, labels: Uint8Array, suffixes: readonly Uint8Array[], counts: Float64Array, from = 0): void {
    const nb = counts.length;
    if (from >= nb) return;
    const head = 1 + open.length + labels.length;
    let room = (nb - from) * (head + MAX_INTEGER_DIGITS);
    for (let b = from; b < nb; b++) room += suffixes[b]!.length;
    if (this.position + room > this.buffer.length) this.grow(room);
    const buffer = this.buffer;
    const first = this.position;
    let p = first;
    buffer[p++] = 10;
    buffer.set(open, p);
    p += open.length;
    buffer.set(labels, p);
    p += labels.length;
    let cumulative = 0;
    for (let b = 0; b < from; b++) cumulative += counts[b]!;
    for (let b = from; b < nb; b++) {
      if (b > from) {
        buffer.copyWithin(p, first, first + head);
        p += head;
      }
      const suffix = suffixes[b]!;
      for (let i = 0; i < suffix.length; i++) buffer[p++] = suffix[i]!;
      cumulative += counts[b]!;
      p = writeInteger(buffer, p, cumulative);
    }
    this.position = p;
  }

  /** Copies `source[start, end)`, bytes written earlier by a writer whose ASCII-ness the caller carries over. */
  copy(source: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.position + n > this.buffer.length) this.grow(n);
    this.buffer.set(source.subarray(start, end), this.position);
    this.position += n;
  }

  /** Says that bytes copied with `bytes` were not all ASCII, so that the result is decoded as UTF-8. */
  notAscii(): void {
    this.isAscii = false;
  }

  /** Writes one byte (an ASCII character code). */
  byte(code: number): void {
    if (this.position === this.buffer.length) this.grow(1);
    this.buffer[this.position++] = code;
  }

  /** Writes any string as UTF-8. */
  text(value: string): void {
    const max = value.length * 3;
    if (this.position + max > this.buffer.length) this.grow(max);
    const written = this.buffer.write(value, this.position, 'utf8');
    if (written !== value.length) this.isAscii = false;
    this.position += written;
  }

  /** Writes a sample value as prom-client formats it. */
  value(value: number, format: ExpositionFormat): void {
    if (value >= 0 && value <= Number.MAX_SAFE_INTEGER && Math.floor(value) === value) {
      this.integer(value);
      return;
    }
    const text = formatValue(value, format);
    const n = text.length;
    if (this.position + n > this.buffer.length) this.grow(n);
    const buffer = this.buffer;
    let p = this.position;
    for (let i = 0; i < n; i++) buffer[p++] = text.charCodeAt(i);
    this.position = p;
  }

  /** The text written so far. */
  finish(): string {
    return this.buffer.toString(this.isAscii ? 'latin1' : 'utf8', 0, this.position);
  }

  /** Copies `n` bytes of `source` into room already checked. A native copy beats a loop but for a few bytes. */
  private put(source: Uint8Array, n: number): void {
    const buffer = this.buffer;
    let p = this.position;
    if (n < SHORT) {
      for (let i = 0; i < n; i++) buffer[p++] = source[i]!;
    } else {
      buffer.set(source, p);
      p += n;
    }
    this.position = p;
  }

  private integer(value: number): void {
    if (this.position + MAX_INTEGER_DIGITS > this.buffer.length) this.grow(MAX_INTEGER_DIGITS);
    this.position = writeInteger(this.buffer, this.position, value);
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + needed));
    this.buffer.copy(next, 0, 0, this.position);
    this.buffer = next;
  }
}

/** Writes the decimal digits of a whole number in `[0, 2^53]` at `p`; returns the position after them. */
function writeInteger(buffer: Uint8Array, p: number, value: number): number {
  if (value < 10) {
    buffer[p] = 48 + value;
    return p + 1;
  }
  const digits = scratchDigits;
  let n = 0;
  if (value <= 0x7fffffff) {
    for (let t = value | 0; t > 0; t = (t / 10) | 0) digits[n++] = 48 + (t % 10);
  } else {
    for (let t = value; t >= 1; t = Math.floor(t / 10)) digits[n++] = 48 + (t % 10);
  }
  while (n > 0) buffer[p++] = digits[--n]!;
  return p;
}

/** UTF-8 bytes of a string, for the writer's `bytes`. */
export function encode(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
