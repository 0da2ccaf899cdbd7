import type { Aggregator } from 'prom-client';
import { LatencyDigest, type SerializedLatencyDigest } from '../quantiles/latency-digest.js';
import { STANDARD_QUANTILES } from '../quantiles/quantiles.js';
import type { CostRow, LabelledRow, ValueRow } from '../storage/labelled-rows.js';
import type { HistogramRow } from '../storage/metrics-store.js';
import type { SeriesAggregator } from '../storage/series-aggregator.js';
import {
  GENAI_OPERATION_DURATION_BUCKETS,
  GENAI_TIME_PER_OUTPUT_TOKEN_BUCKETS,
  GENAI_TIME_TO_FIRST_TOKEN_BUCKETS,
  ROUTER_OVERHEAD_BUCKETS,
} from './genai-buckets.js';
import type { FamilyShape, FamilyValue, SampleSink } from './sample-sink.js';

/** One exported family. `openMetricsName`/`openMetricsType` are what the OpenMetrics output declares. */
export interface FamilySpec {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'summary' | 'histogram';
  /** Every label of the family's samples, the `le` and `quantile` of histograms and summaries excepted. */
  readonly labelNames: readonly string[];
  /** How prom-client's `AggregatorRegistry` combines the workers of a cluster. */
  readonly aggregator: Aggregator;
  readonly openMetricsName: string;
  readonly openMetricsType: 'counter' | 'gauge' | 'summary' | 'histogram' | 'unknown';
}

/** One series' latency digest, as a cluster worker sends it to the primary. */
export interface SeriesLatencySnapshot {
  provider: string;
  model: string;
  latency: SerializedLatencyDigest;
}

/** What one process contributes to a cluster aggregation: its families' values and its latency digests. */
export interface ClusterInput {
  readonly families: ReadonlyArray<{ name: string; values?: ReadonlyArray<{ value: number; labels?: Record<string, string | number> }> }>;
  readonly latency: readonly SeriesLatencySnapshot[];
}

/** What the families are written from, at the moment of an export. */
export interface FamilySource {
  readonly series: readonly SeriesAggregator[];
  readonly costs: readonly CostRow[];
  readonly routed: readonly HistogramRow[];
  readonly overhead: readonly HistogramRow[];
  readonly fallbacks: readonly ValueRow[];
  readonly providerStates: readonly ValueRow[];
  readonly rateLimits: readonly ValueRow[];
  /** Attempts in progress per provider, over every attached source. */
  inFlight(): readonly ValueRow[];
  /** The attached sources' budgets (`getBudgetStatus`), read now. */
  budgets(): readonly ValueRow[];
}

/**
 * A family: its spec, the rows (label sets) it is written from, and the one function that writes a row's
 * samples, whichever the output (text formats, prom-client values, cluster aggregation).
 */
export interface FamilyDefinition<R extends LabelledRow = LabelledRow> extends FamilySpec, FamilyShape {
  rows(source: FamilySource): readonly R[];
  write(row: R, out: SampleSink): void;
  /**
   * A number that changes whenever the row's lines change: an unchanged row's lines are copied from the
   * previous output. Families without one (a few rows each) are written afresh.
   */
  changeKey?(row: R): number;
  /** How a cluster primary computes the family from its workers, when prom-client's aggregator cannot. */
  merge?(inputs: readonly ClusterInput[]): FamilyValue[];
}

/** What the families of one collector depend on. */
export interface FamilyConfig {
  durationBuckets: readonly number[];
  ttftBuckets: readonly number[];
  tpotBuckets: readonly number[];
  overheadBuckets: readonly number[];
  metadataLabels: readonly string[];
}

export const DEFAULT_FAMILY_CONFIG: FamilyConfig = Object.freeze({
  durationBuckets: GENAI_OPERATION_DURATION_BUCKETS,
  ttftBuckets: GENAI_TIME_TO_FIRST_TOKEN_BUCKETS,
  tpotBuckets: GENAI_TIME_PER_OUTPUT_TOKEN_BUCKETS,
  overheadBuckets: ROUTER_OVERHEAD_BUCKETS,
  metadataLabels: [],
});

/** The values of `llm_router_tokens_total`'s `type` label, in the order they are written. */
const TOKEN_TYPES = ['prompt', 'completion', 'total', 'cached_prompt', 'cache_write', 'reasoning'] as const;
const SERIES = ['provider', 'model'] as const;
const QUANTILES = STANDARD_QUANTILES.map(String);

type Options<R extends LabelledRow> = Omit<FamilyDefinition<R>, 'name' | 'type' | 'help' | 'openMetricsName' | 'openMetricsType' | 'aggregator' | 'suffixLabel' | 'suffixValues' | 'extraLabelNames' | 'labelNames'> &
  Partial<Pick<FamilyDefinition<R>, 'aggregator' | 'openMetricsType' | 'suffixLabel' | 'suffixValues' | 'extraLabelNames' | 'labelNames'>>;

function family<R extends LabelledRow>(name: string, type: FamilySpec['type'], help: string, options: Options<R>): FamilyDefinition {
  const openMetricsType = options.openMetricsType ?? type;
  return {
    aggregator: 'sum',
    labelNames: SERIES,
    suffixLabel: undefined,
    suffixValues: [],
    extraLabelNames: [],
    ...options,
    name,
    type,
    help,
    openMetricsType,
    openMetricsName: openMetricsType === 'counter' ? name.replace(/_total$/, '') : name,
  } as FamilyDefinition;
}

/** A histogram family: `le` suffixes from its bounds. */
function histogram<R extends LabelledRow>(name: string, help: string, bounds: readonly number[], options: Options<R>): FamilyDefinition {
  return family(name, 'histogram', help, { suffixLabel: 'le', suffixValues: [...bounds.map(String), '+Inf'], ...options });
}

const series = (source: FamilySource): readonly SeriesAggregator[] => source.series;
/** -1 before a series' first attempt (it has only retries so far): it then has no line in the family. */
const attempted = (s: SeriesAggregator, n: number): number => (s.stats.count === 0 ? -1 : n);

/**
 * The families of a collector, in export order. The seed's two counters without `_total` are declared
 * `unknown` in OpenMetrics, whose counters must end in `_total`: so their sample names are the same in both
 * formats.
 */
export function buildFamilies(config: FamilyConfig): readonly FamilyDefinition[] {
  const meta = config.metadataLabels;
  return [
    family<SeriesAggregator>('llm_router_requests_total', 'counter', 'Provider attempts (one per call to a provider; retries and fallbacks included)', {
      rows: series,
      write: (s, out) => s.stats.count > 0 && out.value(s.stats.count),
      changeKey: (s) => s.stats.count,
    }),
    family<SeriesAggregator>('llm_router_requests_success', 'counter', 'Successful provider attempts', {
      openMetricsType: 'unknown',
      rows: series,
      write: (s, out) => s.stats.count > 0 && out.value(s.stats.successes),
      changeKey: (s) => attempted(s, s.stats.successes),
    }),
    family<SeriesAggregator>('llm_router_requests_failed', 'counter', 'Failed provider attempts', {
      openMetricsType: 'unknown',
      rows: series,
      write: (s, out) => s.stats.count > 0 && out.value(s.stats.failures),
      changeKey: (s) => attempted(s, s.stats.failures),
    }),
    family<SeriesAggregator>('llm_router_success_rate', 'gauge', 'Share of successful attempts since the collector started or was reset (0-1)', {
      aggregator: 'omit',
      rows: series,
      write: (s, out) => s.stats.count > 0 && out.value(s.stats.successes / s.stats.count),
      changeKey: (s) => s.stats.count,
      merge: successRates,
    }),
    family<SeriesAggregator>(
      'llm_router_latency_ms',
      'summary',
      'Attempt latency in milliseconds since the collector started or was reset (quantiles exact up to 10000 samples per series, then from a DDSketch within 1%)',
      {
        aggregator: 'omit',
        suffixLabel: 'quantile',
        suffixValues: QUANTILES,
        rows: series,
        write: (s, out) => {
          const latency = s.stats.latency;
          if (latency.count === 0) return;
          const q = latency.standardQuantiles();
          for (let i = 0; i < q.length; i++) out.suffixed(i, q[i]!);
          out.sum(latency.sum);
          out.count(latency.count);
        },
        changeKey: (s) => s.stats.count,
        merge: mergedLatencies,
      },
    ),
    family<SeriesAggregator>('llm_router_tokens_total', 'counter', 'Tokens used, by type (prompt, completion, total; cached_prompt, cache_write, reasoning where reported)', {
      labelNames: [...SERIES, 'type'],
      suffixLabel: 'type',
      suffixValues: TOKEN_TYPES,
      rows: series,
      write: (s, out) => {
        const stats = s.stats;
        if (stats.count === 0) return;
        out.suffixed(0, stats.prompt.sum);
        out.suffixed(1, stats.completion.sum);
        out.suffixed(2, stats.total.sum);
        if (stats.cachedPrompt.count > 0) out.suffixed(3, stats.cachedPrompt.sum);
        if (stats.cacheWrite.count > 0) out.suffixed(4, stats.cacheWrite.sum);
        if (stats.reasoning.count > 0) out.suffixed(5, stats.reasoning.sum);
      },
      changeKey: (s) => s.stats.count,
    }),
    histogram<SeriesAggregator>('llm_router_request_duration_seconds', 'Attempt duration in seconds (OpenTelemetry gen_ai.client.operation.duration buckets)', config.durationBuckets, {
      rows: series,
      // The sum of the milliseconds, in seconds: what `avgLatencyMs` is computed from.
      write: (s, out) => s.duration.count > 0 && out.histogram(s.duration, s.stats.latency.sum / 1000),
      changeKey: (s) => s.duration.count,
    }),
    histogram<SeriesAggregator>(
      'llm_router_time_to_first_token_seconds',
      'Time to the first streamed chunk in seconds (OpenTelemetry gen_ai.server.time_to_first_token buckets)',
      config.ttftBuckets,
      { rows: series, write: (s, out) => s.ttft.count > 0 && out.histogram(s.ttft, s.ttft.sumSeconds), changeKey: (s) => s.ttft.count },
    ),
    histogram<SeriesAggregator>(
      'llm_router_time_per_output_token_seconds',
      'Streamed attempts: time after the first chunk per completion token after the first, in seconds (OpenTelemetry gen_ai.server.time_per_output_token buckets)',
      config.tpotBuckets,
      { rows: series, write: (s, out) => s.timePerOutputToken.count > 0 && out.histogram(s.timePerOutputToken, s.timePerOutputToken.sumSeconds), changeKey: (s) => s.timePerOutputToken.count },
    ),
    family<SeriesAggregator>('llm_router_errors_total', 'counter', 'Failed attempts by error type (the error class name) and HTTP status (empty when none)', {
      labelNames: [...SERIES, 'error_type', 'status_code'],
      extraLabelNames: ['error_type', 'status_code'],
      rows: series,
      write: (s, out) => {
        for (const pair of s.errorPairs) out.extra(pair, pair.count);
      },
      changeKey: (s) => attempted(s, s.stats.failures),
    }),
    family<SeriesAggregator>('llm_router_retries_total', 'counter', 'Retries of a failed attempt on the same provider', {
      rows: series,
      write: (s, out) => out.value(s.retries),
      changeKey: (s) => s.retries,
    }),
    family<CostRow>('llm_router_cost_usd_total', 'counter', 'Cost of the attempts with a known price, in USD', {
      labelNames: [...SERIES, ...meta],
      rows: (source) => source.costs,
      write: (row, out) => out.value(row.sum),
      changeKey: (row) => row.count,
    }),
    family<HistogramRow>('llm_router_routed_requests_total', 'counter', 'Requests as the caller saw them, after retries and fallbacks, by the model asked for, the provider that answered (none) and the outcome (success or the error class name)', {
      labelNames: ['model', 'provider', 'outcome', ...meta],
      rows: (source) => source.routed,
      write: (row, out) => out.value(row.histogram.count),
      changeKey: (row) => row.histogram.count,
    }),
    histogram<HistogramRow>(
      'llm_router_routed_request_duration_seconds',
      'Duration of requests as the caller saw them (retries, backoff and fallbacks included), in seconds (OpenTelemetry gen_ai.client.operation.duration buckets)',
      config.durationBuckets,
      {
        labelNames: ['model', 'provider', 'outcome', ...meta],
        rows: (source) => source.routed,
        write: (row, out) => out.histogram(row.histogram, row.histogram.sumSeconds),
        changeKey: (row) => row.histogram.count,
      },
    ),
    histogram<HistogramRow>(
      'llm_router_overhead_seconds',
      "Time per request spent in the router itself (end to end, less provider waits and backoff sleeps), in seconds, by the provider that answered (none)",
      config.overheadBuckets,
      { labelNames: ['provider'], rows: (source) => source.overhead, write: (row, out) => out.histogram(row.histogram, row.histogram.sumSeconds) },
    ),
    family<ValueRow>('llm_router_fallbacks_total', 'counter', 'Moves from a provider to the next candidate', {
      labelNames: ['provider', 'to_provider'],
      rows: (source) => source.fallbacks,
      write: (row, out) => out.value(row.value),
    }),
    family<ValueRow>('llm_router_requests_in_flight', 'gauge', 'Provider attempts in progress', {
      labelNames: ['provider'],
      rows: (source) => source.inFlight(),
      write: (row, out) => out.value(row.value),
    }),
    family<ValueRow>('llm_router_provider_state', 'gauge', 'Circuit state per provider: 0 closed, 1 half-open, 2 open', {
      labelNames: ['provider'],
      aggregator: 'max',
      rows: (source) => source.providerStates,
      write: (row, out) => out.value(row.value),
    }),
    family<ValueRow>('llm_router_provider_ratelimit_remaining', 'gauge', "What the provider's rate-limit headers said was left on its latest answer, by kind (requests, tokens)", {
      labelNames: ['provider', 'kind'],
      aggregator: 'min',
      rows: (source) => source.rateLimits,
      write: (row, out) => out.value(row.value),
    }),
    family<ValueRow>('llm_router_budget_remaining_usd', 'gauge', 'USD left in each budget of the attached routers', {
      labelNames: ['budget'],
      aggregator: 'min',
      rows: (source) => source.budgets(),
      write: (row, out) => out.value(row.value),
    }),
  ];
}

/** The families of a collector with the default options, in export order. */
export const METRIC_FAMILIES: readonly FamilySpec[] = Object.freeze(
  buildFamilies(DEFAULT_FAMILY_CONFIG).map(
    (f): FamilySpec => Object.freeze({ name: f.name, help: f.help, type: f.type, labelNames: f.labelNames, aggregator: f.aggregator, openMetricsName: f.openMetricsName, openMetricsType: f.openMetricsType }),
  ),
);

function seriesKey(provider: string, model: string): string {
  return JSON.stringify([provider, model]);
}

/** The summary from the workers' merged latency digests (exact while their union fits, else the merged sketches). */
function mergedLatencies(inputs: readonly ClusterInput[]): FamilyValue[] {
  const merged = new Map<string, { provider: string; model: string; digest: LatencyDigest }>();
  for (const input of inputs) {
    for (const s of input.latency) {
      const key = seriesKey(s.provider, s.model);
      let entry = merged.get(key);
      if (entry === undefined) {
        entry = { provider: s.provider, model: s.model, digest: new LatencyDigest(s.latency.exactLimit, s.latency.relativeAccuracy) };
        merged.set(key, entry);
      }
      entry.digest.merge(LatencyDigest.fromJSON(s.latency));
    }
  }
  const values: FamilyValue[] = [];
  for (const { provider, model, digest } of merged.values()) {
    const q = digest.standardQuantiles();
    for (let i = 0; i < QUANTILES.length; i++) values.push({ value: q[i]!, labels: { provider, model, quantile: QUANTILES[i]! } });
    values.push({ value: digest.sum, labels: { provider, model }, metricName: 'llm_router_latency_ms_sum' });
    values.push({ value: digest.count, labels: { provider, model }, metricName: 'llm_router_latency_ms_count' });
  }
  return values;
}

/** The success rate recomputed from the workers' summed attempt counters. */
function successRates(inputs: readonly ClusterInput[]): FamilyValue[] {
  const totals = new Map<string, { provider: string; model: string; total: number; success: number }>();
  const add = (family: ClusterInput['families'][number] | undefined, field: 'total' | 'success'): void => {
    for (const v of family?.values ?? []) {
      const provider = String(v.labels?.['provider']);
      const model = String(v.labels?.['model']);
      const key = seriesKey(provider, model);
      let entry = totals.get(key);
      if (entry === undefined) totals.set(key, (entry = { provider, model, total: 0, success: 0 }));
      entry[field] += v.value;
    }
  };
  for (const input of inputs) {
    add(input.families.find((f) => f.name === 'llm_router_requests_total'), 'total');
    add(input.families.find((f) => f.name === 'llm_router_requests_success'), 'success');
  }
  const values: FamilyValue[] = [];
  for (const { provider, model, total, success } of totals.values()) {
    if (total > 0) values.push({ value: success / total, labels: { provider, model } });
  }
  return values;
}
