import { Registry } from 'prom-client';
import { Observable, Subject, Subscription, takeUntil } from 'rxjs';
import { ConfigurationError } from '../errors/llm-router-error.js';
import type { CircuitState, RouterEvent } from '../events/router-event.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { AttemptRecord } from './attempt-record.js';
import { GENAI_OPERATION_DURATION_BUCKETS, GENAI_TIME_TO_FIRST_TOKEN_BUCKETS } from './genai-buckets.js';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, negotiateFormat } from './exposition-format.js';
import type { SerializedLatencyDigest } from './latency-digest.js';
import type { MetricsCollectorOptions } from './metrics-collector-options.js';
import { PrometheusExporter, type ExporterSource } from './prometheus-exporter.js';
import type {
  AggregatedMetrics,
  AggregatedMetricsFilter,
  MetricsFilter,
  MetricsResponse,
  MetricsSummary,
  ProviderComparison,
  RecordRequestInput,
  RequestMetrics,
} from './request-metrics.js';
import { RequestRecordRing } from './ring-buffer.js';
import type { SeriesConfig } from './series-aggregator.js';
import { SeriesIndex } from './series-index.js';
import { SeriesStats } from './series-stats.js';

/** Anything with a router's event stream: `LlmRouter`, `Client`, or a plain rxjs `Subject`'s holder. */
export interface MetricsEventSource {
  readonly events$: Observable<RouterEvent>;
  /**
   * The source's providers and their circuit states (as `LlmRouter.getProviderStatus()` gives them). When
   * present, `attach` seeds `llm_router_provider_state` and `llm_router_requests_in_flight` (0) for each
   * provider, so that dashboards see every provider before its first attempt or circuit change.
   */
  getProviderStatus?(): ReadonlyArray<{ readonly name: string; readonly state: CircuitState }>;
}

/** The gauge value of each circuit state in `llm_router_provider_state`. */
export const PROVIDER_STATE_VALUES = Object.freeze({ closed: 0, half_open: 1, open: 2 } as const);

/** One series' latency digest and counts, as a cluster worker sends them to the primary. */
export interface SeriesLatencySnapshot {
  provider: string;
  model: string;
  latency: SerializedLatencyDigest;
}

const DEFAULTS = {
  maxRecords: 10_000,
  maxSeries: 500,
  exactQuantileLimit: 10_000,
  sketchRelativeAccuracy: 0.01,
  windowBucketMs: 5_000,
  maxWindowMs: 300_000,
} as const;

/** The attempts one attached source has started and not ended, for one provider. */
interface InFlightCount {
  n: number;
}

/** One attached event source: its subscription and the attempts it has in flight per provider. */
class Attachment {
  readonly inFlight = new Map<string, InFlightCount>();
  subscription: Subscription | undefined;

  constructor(private readonly handle: (event: RouterEvent, attachment: Attachment) => void) {}

  next(event: RouterEvent): void {
    this.handle(event, this);
  }

  /** The in-flight count of a provider, made (at 0) on first use. */
  count(provider: string): InFlightCount {
    let count = this.inFlight.get(provider);
    if (count === undefined) this.inFlight.set(provider, (count = { n: 0 }));
    return count;
  }
}

/**
 * Records one `RequestMetrics` per provider attempt from the event streams of the routers it is attached
 * to (and from `recordRequest`), and answers the seed's read API, rolling-window aggregates and the
 * Prometheus/OpenMetrics export. Memory is bounded: raw records in a ring, aggregates per series, a
 * capped number of series. Recording is O(1) and allocates nothing per record in the steady state.
 */
export class MetricsCollector {
  /** The prom-client registry holding the collector's families (its own unless one was passed). */
  readonly registry: Registry;
  private readonly isEnabled: boolean;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly exactLimit: number;
  private readonly relativeAccuracy: number;
  private readonly windowLimitMs: number;
  private readonly windowsOn: boolean;
  private readonly index: SeriesIndex;
  private readonly ring: RequestRecordRing;
  private readonly exporter: PrometheusExporter | undefined;
  private readonly attachments = new Set<Attachment>();
  private readonly fallbacks = new Map<string, Map<string, number>>();
  private readonly providerStates = new Map<string, number>();
  private readonly closed$ = new Subject<void>();
  private closed = false;
  private readonly handle = (event: RouterEvent, attachment: Attachment): void => this.handleEvent(event, attachment);
  /** The attempt being recorded: filled field by field, then handed to its series and the ring. */
  private readonly record = new AttemptRecord();

  constructor(options: MetricsCollectorOptions = {}) {
    this.isEnabled = options.enabled ?? true;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? Date.now;
    const maxRecords = integerOption('maxRecords', options.maxRecords, DEFAULTS.maxRecords, 0);
    const maxSeries = integerOption('maxSeries', options.maxSeries, DEFAULTS.maxSeries, 1);
    this.exactLimit = integerOption('exactQuantileLimit', options.exactQuantileLimit, DEFAULTS.exactQuantileLimit, 0);
    const accuracy = options.sketchRelativeAccuracy ?? DEFAULTS.sketchRelativeAccuracy;
    if (!(accuracy > 0 && accuracy < 1)) throw new ConfigurationError('sketchRelativeAccuracy', 'must be between 0 and 1 (exclusive)');
    this.relativeAccuracy = accuracy;
    const windowBucketMs = options.windowBucketMs ?? DEFAULTS.windowBucketMs;
    if (!(windowBucketMs > 0 && Number.isFinite(windowBucketMs))) throw new ConfigurationError('windowBucketMs', 'must be a positive number');
    const maxWindowMs = options.maxWindowMs ?? DEFAULTS.maxWindowMs;
    if (!(maxWindowMs >= 0 && Number.isFinite(maxWindowMs))) throw new ConfigurationError('maxWindowMs', 'must be a non-negative number');
    this.windowLimitMs = maxWindowMs;
    this.windowsOn = maxWindowMs > 0;
    const durationBuckets = bucketsOption('durationBuckets', options.durationBuckets, GENAI_OPERATION_DURATION_BUCKETS);
    const ttftBuckets = bucketsOption('ttftBuckets', options.ttftBuckets, GENAI_TIME_TO_FIRST_TOKEN_BUCKETS);
    const windowBuckets = this.windowsOn ? Math.ceil(maxWindowMs / windowBucketMs) + 1 : 0;
    const config: SeriesConfig = {
      exactLimit: this.exactLimit,
      relativeAccuracy: accuracy,
      durationBounds: Float64Array.from(durationBuckets),
      ttftBounds: Float64Array.from(ttftBuckets),
      exemplars: options.exemplars ?? true,
      windowBucketMs,
      windowBuckets,
      windowBucketExactLimit: windowBuckets === 0 ? 0 : Math.floor(this.exactLimit / windowBuckets),
    };
    this.index = new SeriesIndex(maxSeries, config, this.logger);
    this.ring = new RequestRecordRing(this.isEnabled ? maxRecords : 0);
    this.registry = options.registry ?? new Registry();
    if (this.isEnabled) {
      const source: ExporterSource = {
        seriesList: this.index.list,
        fallbacks: this.fallbacks,
        providerStates: this.providerStates,
        inFlightByProvider: () => this.inFlightByProvider(),
      };
      this.exporter = new PrometheusExporter(source, this.registry, durationBuckets, ttftBuckets);
      this.exporter.register();
    }
  }

  /** False for a collector built with `enabled: false`: it records nothing. */
  get enabled(): boolean {
    return this.isEnabled;
  }

  /** The longest `windowMs` that `getAggregatedMetrics` accepts (0 when rolling windows are off). */
  get maxWindowMs(): number {
    return this.windowLimitMs;
  }

  /**
   * Subscribes to a router's `events$`: one record per `attempt.end`; `attempt.start`/`attempt.end` drive the
   * in-flight gauge, `request.retry`/`request.fallback` the retry and fallback counters, `provider.state` the
   * circuit gauge. A collector may be attached to many sources. Unsubscribe to detach (its in-flight
   * attempts then leave the gauge). A source that tells its providers (`getProviderStatus`) has their
   * circuit state and an in-flight count of 0 set at once. A disabled or closed collector subscribes to nothing.
   */
  attach(source: MetricsEventSource): Subscription {
    if (!this.isEnabled || this.closed) return Subscription.EMPTY;
    const attachment = new Attachment(this.handle);
    this.seed(source, attachment);
    this.attachments.add(attachment);
    const subscription = source.events$.subscribe(attachment);
    attachment.subscription = subscription;
    subscription.add(() => this.attachments.delete(attachment));
    return subscription;
  }

  /** Records one attempt, exactly as an `attempt.end` event would. Throws a `TypeError` on invalid input. */
  recordRequest(input: RecordRequestInput): void {
    if (!this.isEnabled) return;
    if (input === null || typeof input !== 'object') throw new TypeError('recordRequest: expected an object');
    const { provider, model, latencyMs, success } = input;
    if (typeof provider !== 'string' || provider === '') throw new TypeError('recordRequest: provider must be a non-empty string');
    if (typeof model !== 'string' || model === '') throw new TypeError('recordRequest: model must be a non-empty string');
    if (typeof latencyMs !== 'number' || !(latencyMs >= 0) || latencyMs === Number.POSITIVE_INFINITY) {
      throw new TypeError('recordRequest: latencyMs must be a finite non-negative number');
    }
    if (typeof success !== 'boolean') throw new TypeError('recordRequest: success must be a boolean');
    const prompt = countField('promptTokens', input.promptTokens);
    const completion = countField('completionTokens', input.completionTokens);
    let total = countField('totalTokens', input.totalTokens);
    if (total !== total && prompt === prompt && completion === completion) total = prompt + completion;
    const statusCode = input.statusCode ?? -1;
    if (!Number.isInteger(statusCode)) throw new TypeError('recordRequest: statusCode must be an integer');
    const attempt = input.attempt ?? 0;
    if (!Number.isInteger(attempt) || attempt < 0) throw new TypeError('recordRequest: attempt must be a positive integer');
    const ttft = countField('ttftMs', input.ttftMs);
    const ts = input.timestamp;
    const timestamp = ts === undefined ? this.clock() : typeof ts === 'number' ? ts : ts instanceof Date ? ts.getTime() : Number.NaN;
    if (!Number.isFinite(timestamp)) throw new TypeError('recordRequest: timestamp must be a Date or a number of milliseconds');
    const errorType = input.errorType ?? null;
    const stream = input.stream === true;
    const requestId = input.requestId ?? null;
    // Every field read first: nothing may run between filling the shared record and using it.
    const series = this.index.resolve(provider, model);
    const r = this.record;
    r.provider = provider;
    r.model = model;
    r.timestamp = timestamp;
    r.latencyMs = latencyMs;
    r.success = success;
    r.statusCode = statusCode;
    r.errorType = errorType;
    r.promptTokens = prompt;
    r.completionTokens = completion;
    r.totalTokens = total;
    r.stream = stream;
    r.requestId = requestId;
    r.attempt = attempt;
    r.ttftMs = ttft;
    series.record(r);
    this.ring.push(r);
  }

  /** Raw records (the last `maxRecords`), oldest first. */
  getMetrics(filter?: MetricsFilter): RequestMetrics[] {
    return this.ring.toArray(filter);
  }

  /**
   * One `AggregatedMetrics` per (provider, model) series with records, in the order the series first
   * appeared: over the collector's lifetime (since `reset`), or over the last `windowMs` (rounded up to
   * whole window buckets; at most `maxWindowMs`, else a `RangeError`).
   */
  getAggregatedMetrics(filter?: AggregatedMetricsFilter): AggregatedMetrics[] {
    const out: AggregatedMetrics[] = [];
    if (!this.isEnabled) return out;
    const provider = filter?.provider;
    const model = filter?.model;
    const windowMs = filter?.windowMs;
    if (windowMs === undefined) {
      for (const s of this.index.list) {
        if (s.stats.count === 0 || (provider !== undefined && s.provider !== provider) || (model !== undefined && s.model !== model)) continue;
        out.push(s.stats.toAggregated(s.provider, s.model));
      }
      return out;
    }
    this.checkWindow(windowMs);
    const from = this.clock() - windowMs;
    for (const s of this.index.list) {
      if ((provider !== undefined && s.provider !== provider) || (model !== undefined && s.model !== model)) continue;
      const stats = new SeriesStats(this.exactLimit, this.relativeAccuracy);
      if (s.window!.collect(from, stats)) out.push(stats.toAggregated(s.provider, s.model));
    }
    return out;
  }

  /** Every series ranked by `successRate` descending, then `avgLatencyMs` ascending (null last). */
  compareProviders(): ProviderComparison[] {
    const rows = this.getAggregatedMetrics().map(
      (a): ProviderComparison => ({
        provider: a.provider,
        model: a.model,
        totalRequests: a.totalRequests,
        successRate: a.successRate,
        avgLatencyMs: a.avgLatencyMs,
        p95LatencyMs: a.p95LatencyMs,
        totalTokens: a.totalTokens,
        avgPromptTokens: a.avgPromptTokens,
        avgCompletionTokens: a.avgCompletionTokens,
      }),
    );
    return rows.sort(
      (a, b) => b.successRate - a.successRate || (a.avgLatencyMs ?? Number.POSITIVE_INFINITY) - (b.avgLatencyMs ?? Number.POSITIVE_INFINITY) || 0,
    );
  }

  /** Totals since the collector started or was reset. */
  getSummary(): MetricsSummary {
    const aggregated = this.getAggregatedMetrics();
    let total = 0;
    let successes = 0;
    const providers: string[] = [];
    for (const a of aggregated) {
      total += a.totalRequests;
      successes += a.successfulRequests;
      if (!providers.includes(a.provider)) providers.push(a.provider);
    }
    return {
      totalRequests: total,
      successfulRequests: successes,
      failedRequests: total - successes,
      successRate: total === 0 ? 0 : successes / total,
      providers,
      aggregated,
    };
  }

  /** Forgets every record, series, retry and fallback. In-flight attempts and circuit states are current facts and stay. */
  reset(): void {
    this.index.clear();
    this.ring.clear();
    this.fallbacks.clear();
  }

  /** The registry in the Prometheus text format 0.0.4 (`''` when disabled or closed). */
  async exportMetricsPrometheus(): Promise<string> {
    if (this.exporter === undefined || this.closed) return '';
    return this.exporter.prometheusText();
  }

  /**
   * The body and content type of a metrics endpoint for an HTTP `Accept` header: OpenMetrics 1.0.0 (with
   * `request_id` exemplars on the histograms) when the header asks for `application/openmetrics-text`,
   * else the Prometheus text format 0.0.4.
   */
  async getMetricsResponse(accept?: string | null): Promise<MetricsResponse> {
    if (this.exporter === undefined || this.closed) return { contentType: PROMETHEUS_CONTENT_TYPE, body: '' };
    if (negotiateFormat(accept) === 'openmetrics') {
      return { contentType: OPENMETRICS_CONTENT_TYPE, body: await this.exporter.openMetricsText() };
    }
    return { contentType: PROMETHEUS_CONTENT_TYPE, body: await this.exporter.prometheusText() };
  }

  /**
   * `getAggregatedMetrics(filter)` now and then every `everyMs` (an unref'd timer: it never keeps the process
   * alive). Completes when the collector is closed. Handy for health checks over `windowMs`.
   */
  observeAggregatedMetrics(options: AggregatedMetricsFilter & { everyMs: number }): Observable<AggregatedMetrics[]> {
    const { everyMs, ...filter } = options;
    if (!(everyMs > 0 && Number.isFinite(everyMs))) throw new RangeError('observeAggregatedMetrics: everyMs must be a positive number');
    if (filter.windowMs !== undefined) this.checkWindow(filter.windowMs);
    return new Observable<AggregatedMetrics[]>((subscriber) => {
      subscriber.next(this.getAggregatedMetrics(filter));
      if (this.closed) {
        subscriber.complete();
        return undefined;
      }
      const timer = setInterval(() => subscriber.next(this.getAggregatedMetrics(filter)), everyMs);
      timer.unref();
      return () => clearInterval(timer);
    }).pipe(takeUntil(this.closed$));
  }

  /**
   * Each series' latency digest, for merging the summary quantiles of several processes (see
   * `cluster-metrics`). A series with more than `maxSamples` exact samples is sent as their sketch.
   */
  latencySnapshots(maxSamples = 1_000): SeriesLatencySnapshot[] {
    return this.index.list
      .filter((s) => s.stats.count > 0)
      .map((s) => ({ provider: s.provider, model: s.model, latency: s.stats.latency.toJSON(maxSamples) }));
  }

  /**
   * Detaches from every source, completes the observables and removes the families from the registry (so
   * that another collector may use it). Recorded data stays readable. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const attachment of [...this.attachments]) attachment.subscription?.unsubscribe();
    this.attachments.clear();
    this.closed$.next();
    this.closed$.complete();
    this.exporter?.unregister();
  }

  private handleEvent(event: RouterEvent, attachment: Attachment): void {
    try {
      switch (event.type) {
        case 'attempt.end': {
          const { provider, model } = event;
          const inFlight = attachment.inFlight.get(provider);
          if (inFlight !== undefined && inFlight.n > 0) inFlight.n--;
          // The series first: it may log (once), and nothing may run between filling the record and using it.
          const series = this.index.resolve(provider, model);
          const r = this.record;
          r.provider = provider;
          r.model = model;
          r.timestamp = event.timestamp;
          const latencyMs = event.latencyMs;
          r.latencyMs = latencyMs >= 0 && latencyMs < Number.POSITIVE_INFINITY ? latencyMs : 0;
          r.success = event.success;
          r.statusCode = event.statusCode ?? -1;
          r.errorType = event.errorType ?? null;
          const usage = event.usage;
          if (usage == null) {
            r.promptTokens = r.completionTokens = r.totalTokens = Number.NaN;
          } else {
            r.promptTokens = usage.promptTokens ?? Number.NaN;
            r.completionTokens = usage.completionTokens ?? Number.NaN;
            r.totalTokens = usage.totalTokens ?? Number.NaN;
          }
          r.stream = event.stream;
          r.requestId = event.requestId ?? null;
          r.attempt = event.attempt ?? 0;
          r.ttftMs = event.ttftMs ?? Number.NaN;
          series.record(r);
          this.ring.push(r);
          return;
        }
        case 'attempt.start':
          attachment.count(event.provider).n++;
          return;
        case 'request.retry':
          this.index.resolve(event.provider, event.model).retries++;
          return;
        case 'request.fallback': {
          let targets = this.fallbacks.get(event.fromProvider);
          if (targets === undefined) this.fallbacks.set(event.fromProvider, (targets = new Map()));
          targets.set(event.toProvider, (targets.get(event.toProvider) ?? 0) + 1);
          return;
        }
        case 'provider.state':
          this.setProviderState(event.provider, event.state);
          return;
        default:
          return;
      }
    } catch (error) {
      this.logger.error('llm-api-router metrics: failed to record an event', error);
    }
  }

  /** At attach: the circuit state and an in-flight count of 0 for each provider the source tells. */
  private seed(source: MetricsEventSource, attachment: Attachment): void {
    if (typeof source.getProviderStatus !== 'function') return;
    try {
      for (const { name, state } of source.getProviderStatus()) {
        if (typeof name !== 'string' || name === '') continue;
        this.setProviderState(name, state);
        attachment.count(name);
      }
    } catch (error) {
      this.logger.error('llm-api-router metrics: failed to read the providers of an attached source', error);
    }
  }

  private setProviderState(provider: string, state: CircuitState): void {
    if (Object.hasOwn(PROVIDER_STATE_VALUES, state)) this.providerStates.set(provider, PROVIDER_STATE_VALUES[state]);
  }

  private inFlightByProvider(): Map<string, number> {
    const totals = new Map<string, number>();
    for (const attachment of this.attachments) {
      for (const [provider, count] of attachment.inFlight) totals.set(provider, (totals.get(provider) ?? 0) + count.n);
    }
    return totals;
  }

  private checkWindow(windowMs: number): void {
    if (!this.windowsOn) throw new RangeError('getAggregatedMetrics: rolling windows are off (maxWindowMs: 0)');
    if (!(windowMs > 0 && windowMs <= this.windowLimitMs)) {
      throw new RangeError(`getAggregatedMetrics: windowMs must be in (0, ${this.windowLimitMs}] (maxWindowMs); got ${windowMs}`);
    }
  }
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

function countField(field: string, value: number | null | undefined): number {
  if (value === undefined || value === null) return Number.NaN;
  if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
    throw new TypeError(`recordRequest: ${field} must be a finite non-negative number`);
  }
  return value;
}
