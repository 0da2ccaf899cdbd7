import type { AttemptRecord } from './attempt-record.js';
import { LatencyDigest } from './latency-digest.js';
import type { AggregatedMetrics } from './request-metrics.js';

/** The label value that folded series and surplus error types are recorded under. */
export const OTHER_LABEL = 'other';

/** Distinct error types kept per series; more are counted under `other`. */
const MAX_ERROR_TYPES = 64;

/**
 * The mergeable statistics of a set of attempts: counts, latency digest, token sums and counts, errors by
 * type, time range.
 */
export class SeriesStats {
  count = 0;
  successes = 0;
  failures = 0;
  readonly latency: LatencyDigest;
  promptSum = 0;
  promptCount = 0;
  completionSum = 0;
  completionCount = 0;
  totalSum = 0;
  totalCount = 0;
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
      if (r.errorType !== null) this.countError(r.errorType, 1);
    }
    this.latency.add(r.latencyMs);
    const prompt = r.promptTokens;
    if (prompt === prompt) {
      this.promptSum += prompt;
      this.promptCount++;
    }
    const completion = r.completionTokens;
    if (completion === completion) {
      this.completionSum += completion;
      this.completionCount++;
    }
    const total = r.totalTokens;
    if (total === total) {
      this.totalSum += total;
      this.totalCount++;
    }
    const timestamp = r.timestamp;
    if (timestamp < this.firstTs) this.firstTs = timestamp;
    if (timestamp > this.lastTs) this.lastTs = timestamp;
  }

  merge(other: SeriesStats): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.successes += other.successes;
    this.failures += other.failures;
    this.latency.merge(other.latency);
    this.promptSum += other.promptSum;
    this.promptCount += other.promptCount;
    this.completionSum += other.completionSum;
    this.completionCount += other.completionCount;
    this.totalSum += other.totalSum;
    this.totalCount += other.totalCount;
    if (other.errors !== null) for (const [type, n] of other.errors) this.countError(type, n);
    if (other.firstTs < this.firstTs) this.firstTs = other.firstTs;
    if (other.lastTs > this.lastTs) this.lastTs = other.lastTs;
  }

  reset(): void {
    this.count = 0;
    this.successes = 0;
    this.failures = 0;
    this.latency.reset();
    this.promptSum = 0;
    this.promptCount = 0;
    this.completionSum = 0;
    this.completionCount = 0;
    this.totalSum = 0;
    this.totalCount = 0;
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
      totalPromptTokens: this.promptSum,
      totalCompletionTokens: this.completionSum,
      totalTokens: this.totalSum,
      avgPromptTokens: this.promptCount === 0 ? null : this.promptSum / this.promptCount,
      avgCompletionTokens: this.completionCount === 0 ? null : this.completionSum / this.completionCount,
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
