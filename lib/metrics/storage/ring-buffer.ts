import type { MetricsFilter, RequestMetrics } from '../request-metrics.js';
import type { AttemptRecord } from './attempt-record.js';

const INITIAL_CAPACITY = 256;
/**
 * Numbers per record: timestamp, latency, prompt, completion and total tokens, ttft, status code, attempt and
 * flags, cached prompt, cache-write and reasoning tokens, cost.
 */
const NUMBERS = 12;
/** Strings per record: provider, model, error type, request id; then the metadata object. */
const STRINGS = 5;
const SUCCESS = 1;
const STREAM = 2;
/** `attempt * FLAGS + flags` shares one number. */
const FLAGS = 4;
/** Bytes of a request id kept as a UUID's 16 bytes. */
const ID_BYTES = 16;
/** Where a request id's slot says that its 16 bytes hold it. */
const PACKED_ID = Object.freeze({});
/** The value of each hex digit's char code (lower case only, so that unpacking gives the same text), else -1. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) HEX_VALUE['0123456789abcdef'.charCodeAt(c)] = c;
const HEX_DIGITS = '0123456789abcdef';

/**
 * Writes a lower-case UUID text (`8-4-4-4-12` hex digits, as the router makes request ids) into 16 bytes at
 * `at`; false, with nothing meaningful written, for any other text.
 */
function packUuid(id: string, into: Uint8Array, at: number): boolean {
  if (id.length !== 36) return false;
  let o = at;
  let i = 0;
  while (i < 36) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (id.charCodeAt(i) !== 0x2d) return false;
      i++;
      continue;
    }
    const hi = HEX_VALUE[id.charCodeAt(i)] ?? -1;
    const lo = HEX_VALUE[id.charCodeAt(i + 1)] ?? -1;
    if (hi < 0 || lo < 0) return false;
    into[o++] = (hi << 4) | lo;
    i += 2;
  }
  return true;
}

function unpackUuid(from: Uint8Array, at: number): string {
  let out = '';
  for (let i = 0; i < ID_BYTES; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    const byte = from[at + i]!;
    out += HEX_DIGITS[byte >> 4]! + HEX_DIGITS[byte & 15]!;
  }
  return out;
}

/**
 * The last `capacity` raw records, row by row: the numbers of a record side by side in one typed array
 * (a record's numbers share a cache line) and its strings in one array. Pushing allocates nothing once the
 * rows have grown to `capacity`, and overwrites the oldest record when full. Absent numbers are stored as
 * NaN (or 0 for `attempt`, -1 for `statusCode`) and read back as `null`.
 *
 * A request id in the router's UUID form is kept as its 16 bytes, not as the string: the ring then keeps no
 * object of each request alive, which the garbage collector would copy out of the young generation again
 * and again (the text is made again when the records are read).
 */
export class RequestRecordRing {
  /** Records held. */
  size = 0;
  private head = 0;
  private allocated = 0;
  private numbers = new Float64Array(0);
  private ids = new Uint8Array(0);
  private strings: (string | Readonly<Record<string, string>> | null)[] = [];

  constructor(readonly capacity: number) {}

  push(r: AttemptRecord): void {
    if (this.capacity === 0) return;
    if (this.head === this.allocated && this.allocated < this.capacity) this.grow();
    const i = this.head;
    const n = i * NUMBERS;
    const numbers = this.numbers;
    numbers[n] = r.timestamp;
    numbers[n + 1] = r.latencyMs;
    numbers[n + 2] = r.promptTokens;
    numbers[n + 3] = r.completionTokens;
    numbers[n + 4] = r.totalTokens;
    numbers[n + 5] = r.ttftMs;
    numbers[n + 6] = r.statusCode;
    numbers[n + 7] = r.attempt * FLAGS + (r.success ? SUCCESS : 0) + (r.stream ? STREAM : 0);
    numbers[n + 8] = r.cachedPromptTokens;
    numbers[n + 9] = r.cacheWriteTokens;
    numbers[n + 10] = r.reasoningTokens;
    numbers[n + 11] = r.costUsd;
    const s = i * STRINGS;
    const strings = this.strings;
    strings[s] = r.provider;
    strings[s + 1] = r.model;
    strings[s + 2] = r.errorType;
    const id = r.requestId;
    strings[s + 3] = id !== null && packUuid(id, this.ids, i * ID_BYTES) ? PACKED_ID : id;
    strings[s + 4] = r.metadata;
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    if (this.size < this.capacity) this.size++;
  }

  /** The records matching `filter`, oldest first, as fresh objects. */
  toArray(filter?: MetricsFilter): RequestMetrics[] {
    const out: RequestMetrics[] = [];
    const provider = filter?.provider;
    const model = filter?.model;
    const start = this.size < this.capacity ? 0 : this.head;
    const numbers = this.numbers;
    const strings = this.strings;
    for (let k = 0; k < this.size; k++) {
      let i = start + k;
      if (i >= this.capacity) i -= this.capacity;
      const s = i * STRINGS;
      if (provider !== undefined && strings[s] !== provider) continue;
      if (model !== undefined && strings[s + 1] !== model) continue;
      const n = i * NUMBERS;
      const statusCode = numbers[n + 6]!;
      const packed = numbers[n + 7]!;
      const attempt = Math.floor(packed / FLAGS);
      const flags = packed - attempt * FLAGS;
      out.push({
        provider: strings[s] as string,
        model: strings[s + 1] as string,
        timestamp: new Date(numbers[n]!),
        latencyMs: numbers[n + 1]!,
        success: (flags & SUCCESS) !== 0,
        statusCode: statusCode < 0 ? null : statusCode,
        errorType: strings[s + 2] as string | null,
        promptTokens: orNull(numbers[n + 2]!),
        completionTokens: orNull(numbers[n + 3]!),
        totalTokens: orNull(numbers[n + 4]!),
        stream: (flags & STREAM) !== 0,
        requestId: strings[s + 3] === PACKED_ID ? unpackUuid(this.ids, i * ID_BYTES) : (strings[s + 3] as string | null),
        attempt: attempt === 0 ? null : attempt,
        ttftMs: orNull(numbers[n + 5]!),
        cachedPromptTokens: orNull(numbers[n + 8]!),
        cacheWriteTokens: orNull(numbers[n + 9]!),
        reasoningTokens: orNull(numbers[n + 10]!),
        costUsd: orNull(numbers[n + 11]!),
        metadata: strings[s + 4] as Readonly<Record<string, string>> | null,
      });
    }
    return out;
  }

  clear(): void {
    this.size = 0;
    this.head = 0;
    this.allocated = 0;
    this.numbers = new Float64Array(0);
    this.ids = new Uint8Array(0);
    this.strings = [];
  }

  private grow(): void {
    const n = Math.min(this.capacity, Math.max(INITIAL_CAPACITY, this.allocated * 2));
    const numbers = new Float64Array(n * NUMBERS);
    numbers.set(this.numbers);
    this.numbers = numbers;
    const ids = new Uint8Array(n * ID_BYTES);
    ids.set(this.ids);
    this.ids = ids;
    this.allocated = n;
  }
}

function orNull(value: number): number | null {
  return value === value ? value : null;
}
