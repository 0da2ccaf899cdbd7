import type { MetricsFilter, RequestMetrics } from './request-metrics.js';

const INITIAL_CAPACITY = 256;
const SUCCESS = 1;
const STREAM = 2;

/**
 * The last `capacity` raw records, column by column in typed arrays: pushing allocates nothing (once the
 * columns have grown to `capacity`) and overwrites the oldest record when full. Absent numbers are stored
 * as NaN (or 0 for `attempt`, -1 for `statusCode`) and read back as `null`.
 */
export class RequestRecordRing {
  /** Records held. */
  size = 0;
  private head = 0;
  private allocated = 0;
  private providers: string[] = [];
  private models: string[] = [];
  private errorTypes: (string | null)[] = [];
  private requestIds: (string | null)[] = [];
  private timestamps = new Float64Array(0);
  private latencies = new Float64Array(0);
  private promptTokens = new Float64Array(0);
  private completionTokens = new Float64Array(0);
  private totalTokens = new Float64Array(0);
  private ttfts = new Float64Array(0);
  private statusCodes = new Int32Array(0);
  private attempts = new Int32Array(0);
  private flags = new Uint8Array(0);

  constructor(readonly capacity: number) {}

  push(
    provider: string,
    model: string,
    timestamp: number,
    latencyMs: number,
    success: boolean,
    statusCode: number,
    errorType: string | null,
    promptTokens: number,
    completionTokens: number,
    totalTokens: number,
    stream: boolean,
    requestId: string | null,
    attempt: number,
    ttftMs: number,
  ): void {
    if (this.capacity === 0) return;
    if (this.head === this.allocated && this.allocated < this.capacity) this.grow();
    const i = this.head;
    this.providers[i] = provider;
    this.models[i] = model;
    this.errorTypes[i] = errorType;
    this.requestIds[i] = requestId;
    this.timestamps[i] = timestamp;
    this.latencies[i] = latencyMs;
    this.promptTokens[i] = promptTokens;
    this.completionTokens[i] = completionTokens;
    this.totalTokens[i] = totalTokens;
    this.ttfts[i] = ttftMs;
    this.statusCodes[i] = statusCode;
    this.attempts[i] = attempt;
    this.flags[i] = (success ? SUCCESS : 0) | (stream ? STREAM : 0);
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    if (this.size < this.capacity) this.size++;
  }

  /** The records matching `filter`, oldest first, as fresh objects. */
  toArray(filter?: MetricsFilter): RequestMetrics[] {
    const out: RequestMetrics[] = [];
    const provider = filter?.provider;
    const model = filter?.model;
    const start = this.size < this.capacity ? 0 : this.head;
    for (let k = 0; k < this.size; k++) {
      let i = start + k;
      if (i >= this.capacity) i -= this.capacity;
      if (provider !== undefined && this.providers[i] !== provider) continue;
      if (model !== undefined && this.models[i] !== model) continue;
      const flags = this.flags[i]!;
      const statusCode = this.statusCodes[i]!;
      const attempt = this.attempts[i]!;
      out.push({
        provider: this.providers[i]!,
        model: this.models[i]!,
        timestamp: new Date(this.timestamps[i]!),
        latencyMs: this.latencies[i]!,
        success: (flags & SUCCESS) !== 0,
        statusCode: statusCode < 0 ? null : statusCode,
        errorType: this.errorTypes[i]!,
        promptTokens: orNull(this.promptTokens[i]!),
        completionTokens: orNull(this.completionTokens[i]!),
        totalTokens: orNull(this.totalTokens[i]!),
        stream: (flags & STREAM) !== 0,
        requestId: this.requestIds[i]!,
        attempt: attempt === 0 ? null : attempt,
        ttftMs: orNull(this.ttfts[i]!),
      });
    }
    return out;
  }

  clear(): void {
    this.size = 0;
    this.head = 0;
    this.allocated = 0;
    this.providers = [];
    this.models = [];
    this.errorTypes = [];
    this.requestIds = [];
    this.timestamps = this.latencies = this.promptTokens = this.completionTokens = this.totalTokens = this.ttfts = new Float64Array(0);
    this.statusCodes = this.attempts = new Int32Array(0);
    this.flags = new Uint8Array(0);
  }

  private grow(): void {
    const n = Math.min(this.capacity, Math.max(INITIAL_CAPACITY, this.allocated * 2));
    this.timestamps = resized(this.timestamps, new Float64Array(n));
    this.latencies = resized(this.latencies, new Float64Array(n));
    this.promptTokens = resized(this.promptTokens, new Float64Array(n));
    this.completionTokens = resized(this.completionTokens, new Float64Array(n));
    this.totalTokens = resized(this.totalTokens, new Float64Array(n));
    this.ttfts = resized(this.ttfts, new Float64Array(n));
    this.statusCodes = resized(this.statusCodes, new Int32Array(n));
    this.attempts = resized(this.attempts, new Int32Array(n));
    this.flags = resized(this.flags, new Uint8Array(n));
    this.allocated = n;
  }
}

function resized<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

function orNull(value: number): number | null {
  return value === value ? value : null;
}
