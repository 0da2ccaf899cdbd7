import type { Aggregator } from 'prom-client';

/** Which aggregate a family is written from. */
export type FamilyKind =
  | 'requests'
  | 'success'
  | 'failed'
  | 'successRate'
  | 'latency'
  | 'tokens'
  | 'duration'
  | 'ttft'
  | 'errors'
  | 'retries'
  | 'fallbacks'
  | 'inFlight'
  | 'providerState';

/** One exported family. `openMetricsName`/`openMetricsType` are what the OpenMetrics output declares. */
export interface FamilySpec {
  readonly kind: FamilyKind;
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'summary' | 'histogram';
  readonly labelNames: readonly string[];
  /** How prom-client's `AggregatorRegistry` combines the workers of a cluster. */
  readonly aggregator: Aggregator;
  readonly openMetricsName: string;
  readonly openMetricsType: 'counter' | 'gauge' | 'summary' | 'histogram' | 'unknown';
}

const SERIES_LABELS = ['provider', 'model'] as const;

function family(
  kind: FamilyKind,
  name: string,
  type: FamilySpec['type'],
  help: string,
  extra: Partial<Pick<FamilySpec, 'labelNames' | 'aggregator' | 'openMetricsType'>> = {},
): FamilySpec {
  const openMetricsType = extra.openMetricsType ?? type;
  return {
    kind,
    name,
    help,
    type,
    labelNames: extra.labelNames ?? SERIES_LABELS,
    aggregator: extra.aggregator ?? 'sum',
    openMetricsType,
    openMetricsName: openMetricsType === 'counter' ? name.replace(/_total$/, '') : name,
  };
}

/**
 * The families, in export order. The seed's two counters without `_total` are declared `unknown` in
 * OpenMetrics, whose counters must end in `_total`: so their sample names are the same in both formats.
 */
export const METRIC_FAMILIES: readonly FamilySpec[] = Object.freeze([
  family('requests', 'llm_router_requests_total', 'counter', 'Provider attempts (one per call to a provider; retries and fallbacks included)'),
  family('success', 'llm_router_requests_success', 'counter', 'Successful provider attempts', { openMetricsType: 'unknown' }),
  family('failed', 'llm_router_requests_failed', 'counter', 'Failed provider attempts', { openMetricsType: 'unknown' }),
  family('successRate', 'llm_router_success_rate', 'gauge', 'Share of successful attempts since the collector started or was reset (0-1)', {
    aggregator: 'omit',
  }),
  family(
    'latency',
    'llm_router_latency_ms',
    'summary',
    'Attempt latency in milliseconds since the collector started or was reset (quantiles exact up to 10000 samples per series, then from a DDSketch within 1%)',
    { aggregator: 'omit' },
  ),
  family('tokens', 'llm_router_tokens_total', 'counter', 'Tokens used, by type (prompt, completion, total)', {
    labelNames: ['provider', 'model', 'type'],
  }),
  family(
    'duration',
    'llm_router_request_duration_seconds',
    'histogram',
    'Attempt duration in seconds (OpenTelemetry gen_ai.client.operation.duration buckets)',
  ),
  family(
    'ttft',
    'llm_router_time_to_first_token_seconds',
    'histogram',
    'Time to the first streamed chunk in seconds (OpenTelemetry gen_ai.server.time_to_first_token buckets)',
  ),
  family('errors', 'llm_router_errors_total', 'counter', 'Failed attempts by error type (the error class name)', {
    labelNames: ['provider', 'model', 'error_type'],
  }),
  family('retries', 'llm_router_retries_total', 'counter', 'Retries of a failed attempt on the same provider'),
  family('fallbacks', 'llm_router_fallbacks_total', 'counter', 'Moves from a provider to the next candidate', {
    labelNames: ['provider', 'to_provider'],
  }),
  family('inFlight', 'llm_router_requests_in_flight', 'gauge', 'Provider attempts in progress', { labelNames: ['provider'] }),
  family('providerState', 'llm_router_provider_state', 'gauge', 'Circuit state per provider: 0 closed, 1 half-open, 2 open', {
    labelNames: ['provider'],
    aggregator: 'max',
  }),
]);
