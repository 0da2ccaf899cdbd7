import type { Registry } from 'prom-client';
import { describeUnknownKey, onlyKnownKeys, unknownKey } from '../config/checks.js';
import { ConfigurationError } from '../errors/llm-router-error.js';
import { toLogger, type Logger, type SafeLogger } from '../logging/logger.js';
import { GENAI_OPERATION_DURATION_BUCKETS, GENAI_TIME_TO_FIRST_TOKEN_BUCKETS } from './exposition/genai-buckets.js';
import type { AggregatedMetricsFilter, MetricsFilter } from './request-metrics.js';

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

  /** Where the collector says that series were folded into `other`. Silent by default; a method that throws is ignored. */
  logger?: Logger;

  /** The time source (ms since the epoch) for default timestamps and window queries. Default `Date.now`. */
  clock?: () => number;

  /**
   * Keys of the requests' `metadata` that become labels of `llm_router_routed_requests_total`,
   * `llm_router_routed_request_duration_seconds` and `llm_router_cost_usd_total` (e.g. `['team', 'feature']`).
   * A request without the key has the label empty. Each label keeps at most `maxSeries` distinct values (later
   * new ones are `other`), each bounded in length like every label value. Names must be Prometheus label
   * names, not `model`, `provider`, `outcome` or `le`. Default none.
   */
  metadataLabels?: readonly string[];
}

/** Every option with its default applied, validated. */
export interface ResolvedCollectorOptions {
  enabled: boolean;
  logger: SafeLogger;
  clock: () => number;
  maxRecords: number;
  maxSeries: number;
  exactQuantileLimit: number;
  sketchRelativeAccuracy: number;
  windowBucketMs: number;
  maxWindowMs: number;
  registry: Registry | undefined;
  durationBuckets: readonly number[];
  ttftBuckets: readonly number[];
  exemplars: boolean;
  metadataLabels: readonly string[];
}

const DEFAULTS = {
  maxRecords: 10_000,
  maxSeries: 500,
  exactQuantileLimit: 10_000,
  sketchRelativeAccuracy: 0.01,
  windowBucketMs: 5_000,
  maxWindowMs: 300_000,
} as const;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const COLLECTOR_KEYS = [
  'enabled', 'maxRecords', 'maxSeries', 'exactQuantileLimit', 'sketchRelativeAccuracy', 'windowBucketMs', 'maxWindowMs', 'registry',
  'durationBuckets', 'ttftBuckets', 'exemplars', 'logger', 'clock', 'metadataLabels',
] as const satisfies ReadonlyArray<keyof MetricsCollectorOptions>;

const RESERVED_LABELS = new Set(['model', 'provider', 'outcome', 'le']);

/** Applies the defaults and checks each option; a bad one throws a `ConfigurationError` naming it. */
export function resolveCollectorOptions(options: MetricsCollectorOptions): ResolvedCollectorOptions {
  onlyKnownKeys(options as Record<string, unknown>, COLLECTOR_KEYS, '', 'MetricsCollector');
  const accuracy = options.sketchRelativeAccuracy ?? DEFAULTS.sketchRelativeAccuracy;
  if (!(accuracy > 0 && accuracy < 1)) throw new ConfigurationError('sketchRelativeAccuracy', 'must be between 0 and 1 (exclusive)');
  const windowBucketMs = options.windowBucketMs ?? DEFAULTS.windowBucketMs;
  if (!(windowBucketMs > 0 && Number.isFinite(windowBucketMs))) throw new ConfigurationError('windowBucketMs', 'must be a positive number');
  const maxWindowMs = options.maxWindowMs ?? DEFAULTS.maxWindowMs;
  if (!(maxWindowMs >= 0 && Number.isFinite(maxWindowMs))) throw new ConfigurationError('maxWindowMs', 'must be a non-negative number');
  return {
    enabled: options.enabled ?? true,
    logger: toLogger(options.logger),
    clock: options.clock ?? Date.now,
    maxRecords: integerOption('maxRecords', options.maxRecords, DEFAULTS.maxRecords, 0),
    maxSeries: integerOption('maxSeries', options.maxSeries, DEFAULTS.maxSeries, 1),
    exactQuantileLimit: integerOption('exactQuantileLimit', options.exactQuantileLimit, DEFAULTS.exactQuantileLimit, 0),
    sketchRelativeAccuracy: accuracy,
    windowBucketMs,
    maxWindowMs,
    registry: options.registry,
    durationBuckets: bucketsOption('durationBuckets', options.durationBuckets, GENAI_OPERATION_DURATION_BUCKETS),
    ttftBuckets: bucketsOption('ttftBuckets', options.ttftBuckets, GENAI_TIME_TO_FIRST_TOKEN_BUCKETS),
    exemplars: options.exemplars ?? true,
    metadataLabels: metadataLabelsOption(options.metadataLabels),
  };
}

function integerOption(field: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new ConfigurationError(field, `must be an integer >= ${min}`);
  return value;
}

function bucketsOption(field: string, value: readonly number[] | undefined, fallback: readonly number[]): readonly number[] {
  if (value === undefined) return fallback;
  const ok = Array.isArray(value) && value.length > 0 && value.every((b, i) => Number.isFinite(b) && b > 0 && (i === 0 || b > value[i - 1]!));
  if (!ok) throw new ConfigurationError(field, 'must be a non-empty ascending list of positive finite numbers (seconds)');
  return [...value];
}

function metadataLabelsOption(value: readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigurationError('metadataLabels', 'must be an array of label names');
  const seen = new Set<string>();
  for (const name of value) {
    if (typeof name !== 'string' || !LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new ConfigurationError('metadataLabels', 'each entry must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)');
    }
    if (RESERVED_LABELS.has(name)) throw new ConfigurationError('metadataLabels', `"${name}" is already a label of the routed-request and cost families`);
    if (seen.has(name)) throw new ConfigurationError('metadataLabels', `"${name}" is listed twice`);
    seen.add(name);
  }
  return Object.freeze([...value]);
}

const FILTER_FIELDS = ['provider', 'model'] as const satisfies ReadonlyArray<keyof MetricsFilter>;
const AGGREGATED_FILTER_FIELDS = [...FILTER_FIELDS, 'windowMs'] as const satisfies ReadonlyArray<keyof AggregatedMetricsFilter>;
const OBSERVE_FIELDS = [...AGGREGATED_FILTER_FIELDS, 'everyMs'] as const;

/**
 * Throws a `TypeError` for a key of a read's filter (with a value) that is not one, naming it: a misspelt
 * `provider` must not silently select every series.
 */
export function checkFilter(filter: object | undefined, read: 'getMetrics' | 'getAggregatedMetrics' | 'observeAggregatedMetrics'): void {
  if (filter === undefined) return;
  const known: readonly string[] = read === 'getMetrics' ? FILTER_FIELDS : read === 'getAggregatedMetrics' ? AGGREGATED_FILTER_FIELDS : OBSERVE_FIELDS;
  const key = unknownKey(filter, known);
  if (key === undefined) return;
  const { shown, hint } = describeUnknownKey(key, known);
  throw new TypeError(`${read}: ${read === 'observeAggregatedMetrics' ? `options.${shown} is not an option` : `filter.${shown} is not a filter field`}${hint}`);
}
