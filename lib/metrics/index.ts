export { MetricsCollector, PROVIDER_STATE_VALUES } from './metrics-collector.js';
export type { MetricsEventSource, SeriesLatencySnapshot } from './metrics-collector.js';
export type { MetricsCollectorOptions } from './metrics-collector-options.js';
export type {
  AggregatedMetrics,
  AggregatedMetricsFilter,
  MetricsFilter,
  MetricsResponse,
  MetricsSummary,
  ProviderComparison,
  RecordRequestInput,
  RequestMetrics,
} from './request-metrics.js';
export { getMetricsCollector, setMetricsCollector } from './global-collector.js';
export { GENAI_OPERATION_DURATION_BUCKETS, GENAI_TIME_TO_FIRST_TOKEN_BUCKETS } from './genai-buckets.js';
export { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, negotiateFormat } from './exposition-format.js';
export type { ExpositionFormat } from './exposition-format.js';
export { METRIC_FAMILIES } from './metric-families.js';
export type { FamilySpec } from './metric-families.js';
export { LatencyDigest } from './latency-digest.js';
export type { SerializedLatencyDigest } from './latency-digest.js';
export { quantileOfSorted } from './quantiles.js';
export { CLUSTER_EXACT_SAMPLES, aggregateClusterSnapshots, clusterSnapshot, getClusterMetricsResponse, serveClusterMetrics } from './cluster-metrics.js';
export type { ClusterMetricsOptions, ClusterMetricsSnapshot, MetricsWorker } from './cluster-metrics.js';
