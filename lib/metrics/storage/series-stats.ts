import { LatencyDigest } from '../quantiles/latency-digest.js';
import type { AggregatedMetrics } from '../request-metrics.js';
import type { AttemptRecord } from './attempt-record.js';
import { OTHER_LABEL, boundLabel } from './label-bounds.js';

/** Distinct error types kept per series; more are counted under `other`. */
const MAX_ERROR_TYPES = 64;

/** Positions in `SeriesStats.totals`: each total is a sum then the number of records that carried the value. */
const PROMPT = 0;
const COMPLETION = 2;
const TOTAL = 4;
const CACHED_PROMPT = 6;
const CACHE_WRITE = 8;
const REASONING = 10;
const COST = 12;
const TOTALS = 14;

/** A sum and the number of records that carried the value: a view of two numbers of `SeriesStats.totals`. */
class Total {
  constructor(
    private readonly totals: Float64Array,
    private readonly at: number,
  ) {}

  get sum(): number {
    return this.totals[this.at]!;
  }

  get count(): number {
    return this.totals[this.at + 1]!;
  }

  average(): number | null {
    const count = this.count;
    return count === 0 ? null : this.sum / count;
  }
}

/**
 * The mergeable statistics of a set of attempts: counts, latency digest, token and cost sums and counts,
 * errors by type, time range.
 */
export class SeriesStats {
  count = 0;
  successes = 0;
  failures = 0;
  readonly latency: LatencyDigest;
  /** The sums and counts of every total side by side, so that adding a record touches one array. */
  private readonly totals = new Float64Array(TOTALS);
  readonly prompt = new Total(this.totals, PROMPT);
  readonly completion = new Total(this.totals, COMPLETION);
  readonly total = new Total(this.totals, TOTAL);
  readonly cachedPrompt = new Total(this.totals, CACHED_PROMPT);
  readonly cacheWrite = new Total(this.totals, CACHE_WRITE);
  readonly reasoning = new Total(this.totals, REASONING);
  readonly cost = new Total(this.totals, COST);
  errors: Map<string, number> | null = null;
  firstTs = Number.POSITIVE_INFINITY;
  lastTs = Number.NEGATIVE_INFINITY;

  constructor(exactLimit: number, relativeAccuracy: number) {
    this.latency = new LatencyDigest(exactLimit, relativeAccuracy);
  }

  add(r: AttemptRecord): void {
    this.count++;
    if (r.success) {
      this.successes++;
    } else {
      this.failures++;
      if (r.errorType !== null) this.countError(boundLabel(r.errorType), 1);
    }
    this.latency.add(r.latencyMs);
    const t = this.totals;
    addTo(t, PROMPT, r.promptTokens);
    addTo(t, COMPLETION, r.completionTokens);
    addTo(t, TOTAL, r.totalTokens);
    const cached = r.cachedPromptTokens;
    const cacheWrite = r.cacheWriteTokens;
    const reasoning = r.reasoningTokens;
    if (cached === cached || cacheWrite === cacheWrite || reasoning === reasoning) {
      addTo(t, CACHED_PROMPT, cached);
      addTo(t, CACHE_WRITE, cacheWrite);
      addTo(t, REASONING, reasoning);
    }
    addTo(t, COST, r.costUsd);
    const timestamp = r.timestamp;
    if (timestamp < this.firstTs) this.firstTs = timestamp;
    if (timestamp > this.lastTs) this.lastTs = timestamp;
  }

  /** The `errorCounts` key a (bounded) error type is counted under: itself, or `other` once the map is full. */
  errorKey(type: string): string {
    return this.errors !== null && this.errors.has(type) ? type : OTHER_LABEL;
  }

  merge(other: SeriesStats): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.successes += other.successes;
    this.failures += other.failures;
    this.latency.merge(other.latency);
    for (let i = 0; i < TOTALS; i++) this.totals[i]! += other.totals[i]!;
    if (other.errors !== null) for (const [type, n] of other.errors) this.countError(type, n);
    if (other.firstTs < this.firstTs) this.firstTs = other.firstTs;
    if (other.lastTs > this.lastTs) this.lastTs = other.lastTs;
  }

  reset(): void {
    this.count = 0;
    this.successes = 0;
    this.failures = 0;
    this.latency.reset();
    this.totals.fill(0);
    this.errors = null;
    this.firstTs = Number.POSITIVE_INFINITY;
    this.lastTs = Number.NEGATIVE_INFINITY;
  }

  toAggregated(provider: string, model: string): AggregatedMetrics {
    const empty = this.count === 0;
    const q = this.latency.standardQuantiles();
    return {
      provider,
      model,
      totalRequests: this.count,
      successfulRequests: this.successes,
      failedRequests: this.failures,
      successRate: empty ? 0 : this.successes / this.count,
      minLatencyMs: empty ? null : this.latency.min,
      maxLatencyMs: empty ? null : this.latency.max,
      avgLatencyMs: empty ? null : this.latency.sum / this.count,
      p50LatencyMs: empty ? null : q[0]!,
      p95LatencyMs: empty ? null : q[1]!,
      p99LatencyMs: empty ? null : q[2]!,
      totalPromptTokens: this.prompt.sum,
      totalCompletionTokens: this.completion.sum,
      totalTokens: this.total.sum,
      avgPromptTokens: this.prompt.average(),
      avgCompletionTokens: this.completion.average(),
      totalCachedPromptTokens: this.cachedPrompt.sum,
      totalCacheWriteTokens: this.cacheWrite.sum,
      totalReasoningTokens: this.reasoning.sum,
      totalCostUsd: this.cost.sum,
      avgCostUsd: this.cost.average(),
      errorCounts: this.errorCounts(),
      firstRequestTime: empty ? null : new Date(this.firstTs),
      lastRequestTime: empty ? null : new Date(this.lastTs),
    };
  }

  errorCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    if (this.errors !== null) {
      for (const [type, n] of this.errors) {
        // An error type named `__proto__` must become an own property, not the prototype.
        if (type === '__proto__') Object.defineProperty(counts, type, { value: n, enumerable: true, writable: true, configurable: true });
        else counts[type] = n;
      }
    }
    return counts;
  }

  private countError(errorType: string, n: number): void {
    const errors = (this.errors ??= new Map());
    const current = errors.get(errorType);
    if (current !== undefined) {
      errors.set(errorType, current + n);
    } else if (errors.size < MAX_ERROR_TYPES || errorType === OTHER_LABEL) {
      errors.set(errorType, n);
    } else {
      errors.set(OTHER_LABEL, (errors.get(OTHER_LABEL) ?? 0) + n);
    }
  }
}

/** Adds a value (NaN: absent, not counted) to the total at `at`. */
function addTo(totals: Float64Array, at: number, value: number): void {
  if (value === value) {
    totals[at]! += value;
    totals[at + 1]!++;
  }
}
