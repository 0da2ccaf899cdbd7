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
export {
  GENAI_OPERATION_DURATION_BUCKETS,
  GENAI_TIME_PER_OUTPUT_TOKEN_BUCKETS,
  GENAI_TIME_TO_FIRST_TOKEN_BUCKETS,
  ROUTER_OVERHEAD_BUCKETS,
} from './exposition/genai-buckets.js';
export { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, negotiateFormat } from './exposition-format.js';
export type { ExpositionFormat } from './exposition-format.js';
export { METRIC_FAMILIES } from './exposition/metric-families.js';
export type { FamilySpec } from './exposition/metric-families.js';
export { LatencyDigest } from './quantiles/latency-digest.js';
export type { SerializedLatencyDigest } from './quantiles/latency-digest.js';
export { quantileOfSorted } from './quantiles/quantiles.js';
export { MAX_LABEL_LENGTH } from './storage/label-bounds.js';
export {
  CLUSTER_EXACT_SAMPLES,
  aggregateClusterSnapshots,
  clusterSnapshot,
  getClusterMetricsResponse,
  serveClusterMetrics,
} from './exposition/cluster-metrics.js';
export type { ClusterMetricsOptions, ClusterMetricsSnapshot, MetricsWorker } from './exposition/cluster-metrics.js';
