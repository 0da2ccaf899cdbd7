import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.js';

/** Options of `MetricsCollector`. Every option is optional. */
export interface MetricsCollectorOptions {
  /**
   * Record anything at all. A disabled collector records nothing, subscribes to nothing and registers no
   * Prometheus family: `getMetrics()` returns `[]`, `exportMetricsPrometheus()` returns `''`. Default `true`.
   */
  enabled?: boolean;

  /** Raw records kept for `getMetrics()`, in a ring buffer (the oldest are overwritten). `0` keeps none. Default 10,000. */
  maxRecords?: number;

  /**
   * Most (provider, model) series kept. Past it, a new model is recorded under `model="other"` of its provider
   * (logged once, at warn), so that memory and Prometheus label sets stay bounded. Default 500.
   */
  maxSeries?: number;

  /**
   * Latency samples per series kept for exact percentiles (numpy's linear interpolation). Past it, the series
   * switches to a DDSketch with `sketchRelativeAccuracy`. Default 10,000.
   */
  exactQuantileLimit?: number;

  /** Relative accuracy of the sketch used past `exactQuantileLimit`, 0–1 exclusive. Default 0.01 (1%). */
  sketchRelativeAccuracy?: number;

  /**
   * Width of one rolling-window bucket in ms. A window query covers whole buckets: the last `windowMs`
   * plus at most one older bucket. Default 5,000.
   */
  windowBucketMs?: number;

  /** Longest `windowMs` that `getAggregatedMetrics({ windowMs })` accepts. Default 300,000 (5 minutes). */
  maxWindowMs?: number;

  /**
   * The prom-client registry the collector's families are registered on. Default: a registry of its own
   * (never prom-client's global one). Registering two collectors on one registry throws.
   */
  registry?: Registry;

  /** Bucket boundaries (seconds) of `llm_router_request_duration_seconds`. Default: OpenTelemetry GenAI `gen_ai.client.operation.duration`. */
  durationBuckets?: readonly number[];

  /** Bucket boundaries (seconds) of `llm_router_time_to_first_token_seconds`. Default: OpenTelemetry GenAI `gen_ai.server.time_to_first_token`. */
  ttftBuckets?: readonly number[];

  /** Attach the latest `requestId` of each histogram bucket as an OpenMetrics exemplar. Default `true`. */
  exemplars?: boolean;

  /** Where the collector says that series were folded into `other`. Silent by default. */
  logger?: Logger;

  /** The time source (ms since the epoch) for default timestamps and window queries. Default `Date.now`. */
  clock?: () => number;
}
