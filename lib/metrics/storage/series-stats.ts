import { LatencyDigest } from '../quantiles/latency-digest.js';
import type { AggregatedMetrics } from '../request-metrics.js';
import type { AttemptRecord } from './attempt-record.js';
import { OTHER_LABEL, boundLabel } from './label-bounds.js';

/** Distinct error types kept per series; more are counted under `other`. */
const MAX_ERROR_TYPES = 64;

/** A sum and the number of records that carried the value. */
class Total {
  sum = 0;
  count = 0;

  add(value: number): void {
    if (value === value) {
      this.sum += value;
      this.count++;
    }
  }

  merge(other: Total): void {
    this.sum += other.sum;
    this.count += other.count;
  }

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }

  average(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
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
  readonly prompt = new Total();
  readonly completion = new Total();
  readonly total = new Total();
  readonly cachedPrompt = new Total();
  readonly cacheWrite = new Total();
  readonly reasoning = new Total();
  readonly cost = new Total();
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
    this.prompt.add(r.promptTokens);
    this.completion.add(r.completionTokens);
    this.total.add(r.totalTokens);
    const cached = r.cachedPromptTokens;
    const cacheWrite = r.cacheWriteTokens;
    const reasoning = r.reasoningTokens;
    if (cached === cached || cacheWrite === cacheWrite || reasoning === reasoning) {
      this.cachedPrompt.add(cached);
      this.cacheWrite.add(cacheWrite);
      this.reasoning.add(reasoning);
    }
    this.cost.add(r.costUsd);
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
    this.prompt.merge(other.prompt);
    this.completion.merge(other.completion);
    this.total.merge(other.total);
    this.cachedPrompt.merge(other.cachedPrompt);
    this.cacheWrite.merge(other.cacheWrite);
    this.reasoning.merge(other.reasoning);
    this.cost.merge(other.cost);
    if (other.errors !== null) for (const [type, n] of other.errors) this.countError(type, n);
    if (other.firstTs < this.firstTs) this.firstTs = other.firstTs;
    if (other.lastTs > this.lastTs) this.lastTs = other.lastTs;
  }

  reset(): void {
    this.count = 0;
    this.successes = 0;
    this.failures = 0;
    this.latency.reset();
    this.prompt.reset();
    this.completion.reset();
    this.total.reset();
    this.cachedPrompt.reset();
    this.cacheWrite.reset();
    this.reasoning.reset();
    this.cost.reset();
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
