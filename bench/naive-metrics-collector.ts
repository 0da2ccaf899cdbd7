import { quantileOfSorted } from '../lib/metrics/quantiles/quantiles.js';
import type { AggregatedMetrics, RecordRequestInput, RequestMetrics } from '../lib/metrics/request-metrics.js';

/**
 * The seed's approach, as the baseline of metrics-bench: keep every record, and on each read group them by
 * (provider, model), sort each group's latencies and interpolate. Same output shapes as MetricsCollector.
 */
export class NaiveMetricsCollector {
  private readonly records: RequestMetrics[] = [];

  recordRequest(input: RecordRequestInput): void {
    this.records.push({
      provider: input.provider,
      model: input.model,
      timestamp: new Date(typeof input.timestamp === 'number' ? input.timestamp : Date.now()),
      latencyMs: input.latencyMs,
      success: input.success,
      statusCode: input.statusCode ?? null,
      errorType: input.errorType ?? null,
      promptTokens: input.promptTokens ?? null,
      completionTokens: input.completionTokens ?? null,
      totalTokens: input.totalTokens ?? null,
      stream: input.stream ?? false,
      requestId: input.requestId ?? null,
      attempt: input.attempt ?? null,
      ttftMs: input.ttftMs ?? null,
      cachedPromptTokens: input.cachedPromptTokens ?? null,
      cacheWriteTokens: input.cacheWriteTokens ?? null,
      reasoningTokens: input.reasoningTokens ?? null,
      costUsd: input.costUsd ?? null,
      metadata: input.metadata ?? null,
    });
  }

  getAggregatedMetrics(): AggregatedMetrics[] {
    const groups = new Map<string, RequestMetrics[]>();
    for (const r of this.records) {
      const key = `${r.provider}\u0000${r.model}`;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = []));
      group.push(r);
    }
    const out: AggregatedMetrics[] = [];
    for (const group of groups.values()) {
      const latencies = group.map((r) => r.latencyMs).sort((a, b) => a - b);
      const n = latencies.length;
      const successes = group.filter((r) => r.success).length;
      const prompts = group.filter((r) => r.promptTokens !== null).map((r) => r.promptTokens!);
      const completions = group.filter((r) => r.completionTokens !== null).map((r) => r.completionTokens!);
      const totals = group.filter((r) => r.totalTokens !== null).map((r) => r.totalTokens!);
      const known = (values: (number | null)[]): number[] => values.filter((v): v is number => v !== null);
      const costs = known(group.map((r) => r.costUsd));
      const errorCounts: Record<string, number> = {};
      for (const r of group) if (!r.success && r.errorType !== null) errorCounts[r.errorType] = (errorCounts[r.errorType] ?? 0) + 1;
      const times = group.map((r) => r.timestamp.getTime());
      const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
      out.push({
        provider: group[0]!.provider,
        model: group[0]!.model,
        totalRequests: n,
        successfulRequests: successes,
        failedRequests: n - successes,
        successRate: successes / n,
        minLatencyMs: latencies[0]!,
        maxLatencyMs: latencies[n - 1]!,
        avgLatencyMs: sum(latencies) / n,
        p50LatencyMs: quantileOfSorted(latencies, n, 0.5),
        p95LatencyMs: quantileOfSorted(latencies, n, 0.95),
        p99LatencyMs: quantileOfSorted(latencies, n, 0.99),
        totalPromptTokens: sum(prompts),
        totalCompletionTokens: sum(completions),
        totalTokens: sum(totals),
        avgPromptTokens: prompts.length === 0 ? null : sum(prompts) / prompts.length,
        avgCompletionTokens: completions.length === 0 ? null : sum(completions) / completions.length,
        totalCachedPromptTokens: sum(known(group.map((r) => r.cachedPromptTokens))),
        totalCacheWriteTokens: sum(known(group.map((r) => r.cacheWriteTokens))),
        totalReasoningTokens: sum(known(group.map((r) => r.reasoningTokens))),
        totalCostUsd: sum(costs),
        avgCostUsd: costs.length === 0 ? null : sum(costs) / costs.length,
        errorCounts,
        firstRequestTime: new Date(Math.min(...times.slice(0, 100_000))),
        lastRequestTime: new Date(Math.max(...times.slice(-100_000))),
      });
    }
    return out;
  }

  /** The seed's export: its six families, from freshly computed aggregates. */
  exportMetricsPrometheus(): string {
    const lines: string[] = [];
    const aggregated = this.getAggregatedMetrics();
    const labels = (a: AggregatedMetrics): string => `provider="${a.provider}",model="${a.model}"`;
    const family = (name: string, type: string, value: (a: AggregatedMetrics) => number): void => {
      lines.push(`# HELP ${name} ${name}`, `# TYPE ${name} ${type}`);
      for (const a of aggregated) lines.push(`${name}{${labels(a)}} ${value(a)}`);
    };
    family('llm_router_requests_total', 'counter', (a) => a.totalRequests);
    family('llm_router_requests_success', 'counter', (a) => a.successfulRequests);
    family('llm_router_requests_failed', 'counter', (a) => a.failedRequests);
    family('llm_router_success_rate', 'gauge', (a) => a.successRate);
    lines.push('# HELP llm_router_latency_ms latency', '# TYPE llm_router_latency_ms summary');
    for (const a of aggregated) {
      lines.push(
        `llm_router_latency_ms{${labels(a)},quantile="0.5"} ${a.p50LatencyMs}`,
        `llm_router_latency_ms{${labels(a)},quantile="0.95"} ${a.p95LatencyMs}`,
        `llm_router_latency_ms{${labels(a)},quantile="0.99"} ${a.p99LatencyMs}`,
        `llm_router_latency_ms_sum{${labels(a)}} ${a.avgLatencyMs! * a.totalRequests}`,
        `llm_router_latency_ms_count{${labels(a)}} ${a.totalRequests}`,
      );
    }
    lines.push('# HELP llm_router_tokens_total tokens', '# TYPE llm_router_tokens_total counter');
    for (const a of aggregated) {
      lines.push(
        `llm_router_tokens_total{${labels(a)},type="prompt"} ${a.totalPromptTokens}`,
        `llm_router_tokens_total{${labels(a)},type="completion"} ${a.totalCompletionTokens}`,
        `llm_router_tokens_total{${labels(a)},type="total"} ${a.totalTokens}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
