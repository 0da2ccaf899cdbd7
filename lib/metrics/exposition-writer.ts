import { formatValue, type ExpositionFormat } from './exposition-format.js';

const INITIAL_SIZE = 64 * 1024;
const scratchDigits = new Uint8Array(24);

/**
 * Builds exposition text as UTF-8 bytes in one growing buffer, then decodes it once: no per-line string is
 * allocated, so writing tens of thousands of lines creates almost no garbage. Integers are written digit
 * by digit; other numbers as JavaScript prints them (`${value}`, as prom-client does).
 */
export class ExpositionWriter {
  private buffer: Buffer;
  private position = 0;
  private ascii = true;

  /** `sizeHint`: the expected size in bytes (e.g. the previous output's), to avoid growing. */
  constructor(sizeHint = INITIAL_SIZE) {
    this.buffer = Buffer.allocUnsafe(Math.max(INITIAL_SIZE, sizeHint));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.position;
  }

  /** Copies pre-encoded UTF-8 bytes (call `notAscii()` once if any of them is not ASCII). */
  bytes(source: Uint8Array): void {
    const n = source.length;
    if (this.position + n > this.buffer.length) this.grow(n);
    const buffer = this.buffer;
    let p = this.position;
    if (n < 48) {
      for (let i = 0; i < n; i++) buffer[p++] = source[i]!;
    } else {
      buffer.set(source, p);
      p += n;
    }
    this.position = p;
  }

  /** Says that bytes copied with `bytes` were not all ASCII, so that the result is decoded as UTF-8. */
  notAscii(): void {
    this.ascii = false;
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
    if (written !== value.length) this.ascii = false;
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
    return this.buffer.toString(this.ascii ? 'latin1' : 'utf8', 0, this.position);
  }

  private integer(value: number): void {
    if (this.position + 16 > this.buffer.length) this.grow(16);
    const buffer = this.buffer;
    if (value < 10) {
      buffer[this.position++] = 48 + value;
      return;
    }
    const digits = scratchDigits;
    let n = 0;
    if (value <= 0x7fffffff) {
      for (let t = value | 0; t > 0; t = (t / 10) | 0) digits[n++] = 48 + (t % 10);
    } else {
      for (let t = value; t >= 1; t = Math.floor(t / 10)) digits[n++] = 48 + (t % 10);
    }
    let p = this.position;
    while (n > 0) buffer[p++] = digits[--n]!;
    this.position = p;
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + needed));
    this.buffer.copy(next, 0, 0, this.position);
    this.buffer = next;
  }
}

/** UTF-8 bytes of a string, for the writer's `bytes`. */
export function encode(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
