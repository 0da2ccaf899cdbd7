import type { ExpositionFormat } from '../exposition-format.js';
import { writeShortestDecimal } from './shortest-decimal.js';
import { formatValue } from './text-format.js';

const INITIAL_SIZE = 64 * 1024;
const scratchDigits = new Uint8Array(24);
/** Below this many bytes a loop copies faster than `Uint8Array.prototype.set` (a bucket's `,le="…"} `, for one). */
const SHORT = 16;
/** Digits of the largest whole number written as one (2^53 has 16). */
const MAX_INTEGER_DIGITS = 16;
/** The longest decimal `writeShortestDecimal` writes (`0.00000` and 17 digits). */
const MAX_DECIMAL_BYTES = 24;

/** Where the previous output of a format sits: `buffer[base, base + length)`. */
export interface PreviousOutput {
  readonly buffer: Buffer;
  readonly base: number;
  readonly length: number;
}

/**
 * Builds exposition text as UTF-8 bytes in one growing buffer, then decodes it once: no per-line string is
 * allocated, so writing tens of thousands of lines creates almost no garbage. Integers are written digit
 * by digit; other numbers as JavaScript prints them (`${value}`, as prom-client does), most without making the string
 * (`writeShortestDecimal`).
 *
 * The writer may write into one half of an arena whose other half holds the previous output (see
 * `ExportChunks`): copying unchanged lines from it is then a `copyWithin`, with nothing allocated.
 */
export class ExpositionWriter {
  private buffer: Buffer;
  /** Where this output starts in `buffer`, and where the room for it ends. */
  private base: number;
  private limit: number;
  private position: number;
  private isAscii = true;
  private previous: PreviousOutput | undefined;
  /** While patching a row (see `beginPatch`): where its next line starts in the copy, -1 otherwise... */
  private patchCursor = -1;
  /** ...where the copy ends, and where the value of the line found by `patchHead` ends in it. */
  private patchEnd = 0;
  private patchValueEnd = 0;

  /**
   * `sizeHint`: the expected size in bytes (e.g. the previous output's), to avoid growing. `arena`, `base` and
   * `limit`: room to write into, `arena[base, limit)`, e.g. the half of an arena the previous output is not
   * in (a fresh buffer costs a page fault per 4 KB on first write). `previous`: the output `copyPrevious` copies from.
   */
  constructor(sizeHint = INITIAL_SIZE, arena?: Buffer, base = 0, limit = arena?.length ?? 0, previous?: PreviousOutput) {
    const size = Math.max(INITIAL_SIZE, sizeHint);
    if (arena !== undefined && limit - base >= size) {
      this.buffer = arena;
      this.base = base;
      this.limit = limit;
    } else {
      this.buffer = Buffer.allocUnsafe(2 * size);
      this.base = 0;
      this.limit = size;
    }
    this.position = this.base;
    this.previous = previous;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.position - this.base;
  }

  /** False once anything written was not ASCII (the text is then decoded as UTF-8). */
  get ascii(): boolean {
    return this.isAscii;
  }

  /** Where the output sits: `buffer[base, base + length)`; the arena's other half is free for the next output. */
  get output(): PreviousOutput {
    return { buffer: this.buffer, base: this.base, length: this.position - this.base };
  }

  /** Copies pre-encoded UTF-8 bytes (call `notAscii()` once if any of them is not ASCII). */
  bytes(source: Uint8Array): void {
    const n = source.length;
    if (this.position + n > this.limit) this.grow(n);
    this.put(source, n);
  }

  /** Starts a sample line: a newline, then `open`, `labels` and `suffix` (pre-encoded, as for `bytes`). */
  line(open: Uint8Array, labels: Uint8Array, suffix: Uint8Array | undefined): void {
    const n = 1 + open.length + labels.length + (suffix === undefined ? 0 : suffix.length);
    if (this.position + n > this.limit) this.grow(n);
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
    if (this.position + room > this.limit) this.grow(room);
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

  /**
   * Starts patching a row: copies its lines `[start, end)` of the previous output, then lets the row's new
   * lines be checked against the copy one by one (`patchHead`), each value overwritten in place while it
   * keeps its length. From the first line that differs in anything but its value, or whose value changes
   * length, the rest of the row is written afresh. `endPatch()` ends the row.
   */
  beginPatch(start: number, end: number): void {
    const n = end - start;
    // Room for the copy and for a value written at its end, so that nothing grows (moves) while patching.
    if (this.position + n + 2 * MAX_DECIMAL_BYTES > this.limit) this.grow(n + 2 * MAX_DECIMAL_BYTES);
    this.patchCursor = this.position;
    this.copyPrevious(start, end);
    this.patchEnd = this.position;
  }

  /** Whether a row is being patched (its next line is compared with the copy). */
  get patching(): boolean {
    return this.patchCursor >= 0;
  }

  /**
   * The next line of a patched row, whose text before the value is `headLength` bytes (newline included)
   * and ends with `suffix`, when given (the part that differs between the lines of a row). If the copy has
   * such a line there, positions the writer at its value and returns true: write the value, then call
   * `patchDone()`. Otherwise (or when no row is being patched) stops patching at the line (it and the rest
   * are to be written afresh) and returns false.
   */
  patchHead(headLength: number, suffix: Uint8Array | undefined): boolean {
    const cursor = this.patchCursor;
    if (cursor < 0) return false;
    const buffer = this.buffer;
    const at = cursor + headLength;
    const end = this.patchEnd;
    let ok = at < end && buffer[cursor] === 10 && buffer[at - 1] === 32;
    if (ok && suffix !== undefined) {
      const from = at - suffix.length;
      for (let i = 0; i < suffix.length; i++) {
        if (buffer[from + i] !== suffix[i]) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) {
      this.stopPatch(cursor);
      return false;
    }
    let valueEnd = at;
    while (valueEnd < end && buffer[valueEnd] !== 10) valueEnd++;
    this.patchValueEnd = valueEnd;
    this.position = at;
    return true;
  }

  /** After the value of a line found by `patchHead`: the next line is compared if the value kept its length. */
  patchDone(): void {
    if (this.position === this.patchValueEnd) {
      this.patchCursor = this.position;
      this.position = this.patchEnd;
    } else {
      this.patchCursor = -1;
    }
  }

  /**
   * The bucket lines of a histogram without exemplars in a patched row, where the counts of buckets below
   * `changedFrom` have not changed since the copy was written: each later cumulative count is overwritten in
   * place while it keeps its number of digits; from the first that does not, the lines are written afresh.
   */
  patchBuckets(open: Uint8Array, labels: Uint8Array, suffixes: readonly Uint8Array[], counts: Float64Array, changedFrom: number): void {
    const buffer = this.buffer;
    const head = 1 + open.length + labels.length;
    const end = this.patchEnd;
    const nb = counts.length;
    let p = this.patchCursor;
    let cumulative = 0;
    for (let b = 0; b < nb; b++) {
      cumulative += counts[b]!;
      const at = p + head + suffixes[b]!.length;
      if (b < changedFrom) {
        p = at + digitCount(cumulative);
        continue;
      }
      let valueEnd = at;
      while (valueEnd < end && buffer[valueEnd] !== 10) valueEnd++;
      if (at >= end || buffer[p] !== 10 || valueEnd - at !== digitCount(cumulative)) {
        this.stopPatch(p);
        this.cumulativeLines(open, labels, suffixes, counts, b);
        return;
      }
      writeInteger(buffer, at, cumulative);
      p = valueEnd;
    }
    this.patchCursor = p;
  }

  /** Ends a patched row: lines of the copy past the last one matched are dropped. */
  endPatch(): void {
    if (this.patchCursor >= 0) this.stopPatch(this.patchCursor);
  }

  /** Stops patching with the output ending at `at` (the start of the first line not matched). */
  private stopPatch(at: number): void {
    this.position = at;
    this.patchCursor = -1;
  }

  /** Copies bytes `[start, end)` of the previous output (the caller carries its ASCII-ness over). */
  copyPrevious(start: number, end: number): void {
    const n = end - start;
    if (this.position + n > this.limit) this.grow(n);
    const previous = this.previous!;
    const from = previous.base + start;
    if (previous.buffer === this.buffer) this.buffer.copyWithin(this.position, from, from + n);
    else this.buffer.set(previous.buffer.subarray(from, from + n), this.position);
    this.position += n;
  }

  /** Where line `n` (0-based, each line starting with a newline) starts from `start` in the previous output; -1 if it is not there. */
  previousLineStart(start: number, n: number): number {
    const previous = this.previous;
    if (previous === undefined) return -1;
    const base = previous.base;
    const end = base + previous.length;
    let at = base + start;
    for (let k = 0; k < n; k++) {
      at = previous.buffer.indexOf(10, at + 1);
      if (at < 0 || at >= end) return -1;
    }
    return at - base;
  }

  /** Where byte `code` first occurs in `[from, end)` of the previous output; -1 if it does not. */
  previousIndexOf(code: number, from: number, end: number): number {
    const previous = this.previous;
    if (previous === undefined || from >= end) return -1;
    const base = previous.base;
    const at = previous.buffer.indexOf(code, base + from);
    return at < 0 || at >= base + end ? -1 : at - base;
  }

  /** Says that bytes copied with `bytes` were not all ASCII, so that the result is decoded as UTF-8. */
  notAscii(): void {
    this.isAscii = false;
  }

  /** Writes one byte (an ASCII character code). */
  byte(code: number): void {
    if (this.position === this.limit) this.grow(1);
    this.buffer[this.position++] = code;
  }

  /** Writes any string as UTF-8. */
  text(value: string): void {
    const max = value.length * 3;
    if (this.position + max > this.limit) this.grow(max);
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
    if (this.position + MAX_DECIMAL_BYTES > this.limit) this.grow(MAX_DECIMAL_BYTES);
    const end = writeShortestDecimal(this.buffer, this.position, value);
    if (end >= 0) {
      this.position = end;
      return;
    }
    this.valueAsString(value, format);
  }

  /**
   * Writes a sample value through `String(value)`: for numbers written again and again unchanged (exemplars),
   * whose strings JavaScript's number-to-string cache keeps.
   */
  valueAsString(value: number, format: ExpositionFormat): void {
    const text = formatValue(value, format);
    const n = text.length;
    if (this.position + n > this.limit) this.grow(n);
    const buffer = this.buffer;
    let p = this.position;
    for (let i = 0; i < n; i++) buffer[p++] = text.charCodeAt(i);
    this.position = p;
  }

  /** Whether the bytes written are those of the previous output, byte for byte. */
  sameAsPrevious(): boolean {
    const previous = this.previous;
    if (previous === undefined || previous.length !== this.position - this.base) return false;
    return this.buffer.compare(previous.buffer, previous.base, previous.base + previous.length, this.base, this.position) === 0;
  }

  /** The text written so far. */
  finish(): string {
    return this.buffer.toString(this.isAscii ? 'latin1' : 'utf8', this.base, this.position);
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
    if (this.position + MAX_INTEGER_DIGITS > this.limit) this.grow(MAX_INTEGER_DIGITS);
    this.position = writeInteger(this.buffer, this.position, value);
  }

  /** Moves what was written to the first half of a new arena with room for `needed` more bytes. */
  private grow(needed: number): void {
    const used = this.position - this.base;
    const size = Math.max(2 * (this.limit - this.base), used + needed);
    const next = Buffer.allocUnsafe(2 * size);
    this.buffer.copy(next, 0, this.base, this.position);
    this.buffer = next;
    this.base = 0;
    this.limit = size;
    this.position = used;
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

/** Decimal digits of a whole number in `[0, 2^53]`. */
function digitCount(n: number): number {
  if (n < 1e8) return n < 1e4 ? (n < 100 ? (n < 10 ? 1 : 2) : n < 1000 ? 3 : 4) : n < 1e6 ? (n < 1e5 ? 5 : 6) : n < 1e7 ? 7 : 8;
  let d = 8;
  for (let t = Math.floor(n / 1e8); t >= 1; t = Math.floor(t / 10)) d++;
  return d;
}

/** UTF-8 bytes of a string, for the writer's `bytes`. */
export function encode(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
