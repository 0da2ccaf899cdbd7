import type { Registry } from 'prom-client';
import type { Observable, Subject, Subscription } from 'rxjs';
import { ATTACH_EVENT_SINK, type EventSinkSource } from '../events/event-sink.js';
import { rx } from '../events/lazy-rxjs.js';
import type { Logger } from '../logging/logger.js';
import { Attachment, EventRecorder, type MetricsEventSource } from './collector-events.js';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, negotiateFormat } from './exposition-format.js';
import { CLUSTER_EXACT_SAMPLES } from './exposition/cluster-metrics.js';
import { ROUTER_OVERHEAD_BUCKETS, GENAI_TIME_PER_OUTPUT_TOKEN_BUCKETS } from './exposition/genai-buckets.js';
import { buildFamilies, type FamilyDefinition, type FamilySource, type SeriesLatencySnapshot } from './exposition/metric-families.js';
import { promClient } from './exposition/prom-client-loader.js';
import { PrometheusExporter } from './exposition/prometheus-exporter.js';
import { checkFilter, resolveCollectorOptions, type MetricsCollectorOptions } from './metrics-collector-options.js';
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
import { boundLabel } from './storage/label-bounds.js';
import { ValueRow } from './storage/labelled-rows.js';
import { MetricsStore } from './storage/metrics-store.js';
import type { SeriesConfig } from './storage/series-aggregator.js';
import { SeriesStats } from './storage/series-stats.js';

export { PROVIDER_STATE_VALUES, type MetricsEventSource } from './collector-events.js';
export type { SeriesLatencySnapshot } from './exposition/metric-families.js';

/**
 * Records one `RequestMetrics` per provider attempt from the event streams of the routers it is attached
 * to (and from `recordRequest`), the requests as their callers saw them (`request.end`), and answers the
 * seed's read API, rolling-window aggregates and the Prometheus/OpenMetrics export. Memory is bounded: raw
 * records in a ring, aggregates per series, a capped number of series and label values, each label value
 * bounded in length. Recording an attempt is O(1) and allocates nothing in the steady state. prom-client is
 * loaded on the first export or `registry` read (or at once when a `registry` is passed).
 */
export class MetricsCollector {
  private readonly isEnabled: boolean;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly exactLimit: number;
  private readonly relativeAccuracy: number;
  private readonly windowLimitMs: number;
  private readonly windowsOn: boolean;
  private readonly store: MetricsStore;
  private readonly recorder: EventRecorder;
  private readonly families: readonly FamilyDefinition[];
  private readonly source: FamilySource;
  private ownRegistry: Registry | undefined;
  private exporter: PrometheusExporter | undefined;
  private readonly attachments = new Set<Attachment>();
  private closed$: Subject<void> | undefined;
  private closed = false;

  constructor(options: MetricsCollectorOptions = {}) {
    const o = resolveCollectorOptions(options);
    this.isEnabled = o.enabled;
    this.logger = o.logger;
    this.clock = o.clock;
    this.exactLimit = o.exactQuantileLimit;
    this.relativeAccuracy = o.sketchRelativeAccuracy;
    this.windowLimitMs = o.maxWindowMs;
    this.windowsOn = o.maxWindowMs > 0;
    const windowBuckets = this.windowsOn ? Math.ceil(o.maxWindowMs / o.windowBucketMs) + 1 : 0;
    const series: SeriesConfig = {
      exactLimit: this.exactLimit,
      relativeAccuracy: this.relativeAccuracy,
      durationBounds: Float64Array.from(o.durationBuckets),
      ttftBounds: Float64Array.from(o.ttftBuckets),
      tpotBounds: Float64Array.from(GENAI_TIME_PER_OUTPUT_TOKEN_BUCKETS),
      exemplars: o.exemplars,
      windowBucketMs: o.windowBucketMs,
      windowBuckets,
      windowBucketExactLimit: windowBuckets === 0 ? 0 : Math.floor(this.exactLimit / windowBuckets),
    };
    this.store = new MetricsStore({
      maxRecords: this.isEnabled ? o.maxRecords : 0,
      maxSeries: o.maxSeries,
      series,
      metadataLabels: o.metadataLabels,
      overheadBounds: Float64Array.from(ROUTER_OVERHEAD_BUCKETS),
      logger: this.logger,
    });
    this.recorder = new EventRecorder(this.store, o.exemplars, this.logger);
    this.families = buildFamilies({
      durationBuckets: o.durationBuckets,
      ttftBuckets: o.ttftBuckets,
      tpotBuckets: GENAI_TIME_PER_OUTPUT_TOKEN_BUCKETS,
      overheadBuckets: ROUTER_OVERHEAD_BUCKETS,
      metadataLabels: o.metadataLabels,
    });
    const store = this.store;
    this.source = {
      series: store.index.list,
      costs: store.costs.list,
      routed: store.routed.list,
      overhead: store.overhead.list,
      fallbacks: store.fallbacks.list,
      providerStates: store.providerStates.list,
      rateLimits: store.rateLimits.list,
      inFlight: () => this.inFlightRows(),
      budgets: () => this.budgetRows(),
    };
    if (o.registry !== undefined) {
      this.ownRegistry = o.registry;
      if (this.isEnabled) this.startExporter(o.registry);
    }
  }

  /**
   * The prom-client registry holding the collector's families: the one passed as `registry`, else one of
   * the collector's own (never prom-client's global one), made on first read.
   */
  get registry(): Registry {
    if (this.ownRegistry === undefined) {
      const registry = new (promClient().Registry)();
      this.ownRegistry = registry;
      if (this.isEnabled && !this.closed) this.startExporter(registry);
    }
    return this.ownRegistry;
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
   * in-flight gauge, `request.end` the routed-request families and the overhead histogram,
   * `request.retry`/`request.fallback` the retry and fallback counters, `provider.state` the circuit gauge.
   * A collector may be attached to many sources. Unsubscribe to detach (its in-flight attempts then leave
   * the gauge). A source that tells its providers (`getProviderStatus`) has their circuit state and an
   * in-flight count of 0 set at once; one that tells its budgets (`getBudgetStatus`) is asked at every
   * export. A disabled or closed collector subscribes to nothing.
   */
  attach(source: MetricsEventSource): Subscription {
    if (!this.isEnabled || this.closed) return rx().Subscription.EMPTY;
    const attachment = new Attachment(source, this.recorder);
    this.seed(source, attachment);
    this.attachments.add(attachment);
    const attachSink = (source as Partial<EventSinkSource>)[ATTACH_EVENT_SINK];
    let subscription: Subscription;
    if (typeof attachSink === 'function') {
      subscription = new (rx().Subscription)();
      attachment.onComplete = () => subscription.unsubscribe();
      subscription.add(attachSink.call(source, attachment));
    } else {
      subscription = source.events$.subscribe(attachment);
    }
    attachment.subscription = subscription;
    subscription.add(() => this.attachments.delete(attachment));
    return subscription;
  }

  /** Records one attempt, exactly as an `attempt.end` event would. Throws a `TypeError` on invalid input. */
  recordRequest(input: RecordRequestInput): void {
    if (!this.isEnabled) return;
    this.recorder.recordInput(input, this.clock);
  }

  /** Raw records (the last `maxRecords`), oldest first. */
  getMetrics(filter?: MetricsFilter): RequestMetrics[] {
    checkFilter(filter, 'getMetrics');
    return this.store.ring.toArray(filter);
  }

  /**
   * One `AggregatedMetrics` per (provider, model) series with records, in the order the series first
   * appeared: over the collector's lifetime (since `reset`), or over the last `windowMs` (rounded up to
   * whole window buckets; at most `maxWindowMs`, else a `RangeError`).
   */
  getAggregatedMetrics(filter?: AggregatedMetricsFilter): AggregatedMetrics[] {
    checkFilter(filter, 'getAggregatedMetrics');
    const out: AggregatedMetrics[] = [];
    if (!this.isEnabled) return out;
    const provider = filter?.provider === undefined ? undefined : boundLabel(filter.provider);
    const model = filter?.model === undefined ? undefined : boundLabel(filter.model);
    const windowMs = filter?.windowMs;
    const list = this.store.index.list;
    if (windowMs === undefined) {
      for (const s of list) {
        if (s.stats.count === 0 || (provider !== undefined && s.provider !== provider) || (model !== undefined && s.model !== model)) continue;
        out.push(s.stats.toAggregated(s.provider, s.model));
      }
      return out;
    }
    this.checkWindow(windowMs);
    const from = this.clock() - windowMs;
    for (const s of list) {
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
        totalCostUsd: a.totalCostUsd,
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
    let cost = 0;
    const providers: string[] = [];
    for (const a of aggregated) {
      total += a.totalRequests;
      successes += a.successfulRequests;
      cost += a.totalCostUsd;
      if (!providers.includes(a.provider)) providers.push(a.provider);
    }
    return {
      totalRequests: total,
      successfulRequests: successes,
      failedRequests: total - successes,
      successRate: total === 0 ? 0 : successes / total,
      providers,
      aggregated,
      totalCostUsd: cost,
    };
  }

  /**
   * Forgets every record, series, routed request, retry, fallback and cost. In-flight attempts, circuit
   * states and rate-limit headroom are current facts and stay.
   */
  reset(): void {
    this.store.reset();
  }

  /** The registry in the Prometheus text format 0.0.4 (`''` when disabled or closed). */
  async exportMetricsPrometheus(): Promise<string> {
    const exporter = this.liveExporter();
    return exporter === undefined ? '' : exporter.prometheusText();
  }

  /**
   * The body and content type of a metrics endpoint for an HTTP `Accept` header: OpenMetrics 1.0.0 (with
   * `request_id` exemplars on the histograms) when the header asks for `application/openmetrics-text`,
   * else the Prometheus text format 0.0.4.
   */
  async getMetricsResponse(accept?: string | null): Promise<MetricsResponse> {
    const exporter = this.liveExporter();
    if (exporter === undefined) return { contentType: PROMETHEUS_CONTENT_TYPE, body: '' };
    if (negotiateFormat(accept) === 'openmetrics') return { contentType: OPENMETRICS_CONTENT_TYPE, body: await exporter.openMetricsText() };
    return { contentType: PROMETHEUS_CONTENT_TYPE, body: await exporter.prometheusText() };
  }

  /**
   * `getAggregatedMetrics(filter)` now and then every `everyMs` (an unref'd timer: it never keeps the process
   * alive). Completes when the collector is closed. Handy for health checks over `windowMs`.
   */
  observeAggregatedMetrics(options: AggregatedMetricsFilter & { everyMs: number }): Observable<AggregatedMetrics[]> {
    checkFilter(options, 'observeAggregatedMetrics');
    const { everyMs, ...filter } = options;
    if (!(everyMs > 0 && Number.isFinite(everyMs))) throw new RangeError('observeAggregatedMetrics: everyMs must be a positive number');
    if (filter.windowMs !== undefined) this.checkWindow(filter.windowMs);
    const { Observable, Subject, takeUntil } = rx();
    this.closed$ ??= new Subject<void>();
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
  latencySnapshots(maxSamples = CLUSTER_EXACT_SAMPLES): SeriesLatencySnapshot[] {
    return this.store.index.list
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
    this.closed$?.next();
    this.closed$?.complete();
    this.exporter?.unregister();
  }

  private startExporter(registry: Registry): void {
    const exporter = new PrometheusExporter(this.source, registry, this.families);
    exporter.register();
    this.exporter = exporter;
  }

  /** The exporter of an enabled, open collector (its registry made if need be), else undefined. */
  private liveExporter(): PrometheusExporter | undefined {
    if (!this.isEnabled || this.closed) return undefined;
    if (this.exporter === undefined) void this.registry;
    return this.exporter;
  }

  /** At attach: the circuit state and an in-flight count of 0 for each provider the source tells. */
  private seed(source: MetricsEventSource, attachment: Attachment): void {
    if (typeof source.getProviderStatus !== 'function') return;
    try {
      for (const { name, state } of source.getProviderStatus()) {
        if (typeof name !== 'string' || name === '') continue;
        this.recorder.setProviderState(name, state);
        attachment.count(name);
      }
    } catch (error) {
      this.logger.error('llm-api-router metrics: failed to read the providers of an attached source', error);
    }
  }

  private inFlightRows(): ValueRow[] {
    const totals = new Map<string, ValueRow>();
    for (const attachment of this.attachments) {
      for (const [provider, count] of attachment.inFlight) {
        const label = boundLabel(provider);
        let row = totals.get(label);
        if (row === undefined) totals.set(label, (row = new ValueRow([label])));
        row.value += count.n;
      }
    }
    return [...totals.values()];
  }

  private budgetRows(): ValueRow[] {
    const budgets = new Map<string, ValueRow>();
    for (const { source } of this.attachments) {
      if (typeof source.getBudgetStatus !== 'function') continue;
      try {
        for (const { name, remainingUsd } of source.getBudgetStatus()) {
          if (typeof name !== 'string' || typeof remainingUsd !== 'number' || Number.isNaN(remainingUsd)) continue;
          const label = boundLabel(name);
          const row = budgets.get(label);
          if (row === undefined) budgets.set(label, Object.assign(new ValueRow([label]), { value: remainingUsd }));
          else row.value = Math.min(row.value, remainingUsd);
        }
      } catch (error) {
        this.logger.error('llm-api-router metrics: failed to read the budgets of an attached source', error);
      }
    }
    return [...budgets.values()];
  }

  private checkWindow(windowMs: number): void {
    if (!this.windowsOn) throw new RangeError('getAggregatedMetrics: rolling windows are off (maxWindowMs: 0)');
    if (!(windowMs > 0 && windowMs <= this.windowLimitMs)) {
      throw new RangeError(`getAggregatedMetrics: windowMs must be in (0, ${this.windowLimitMs}] (maxWindowMs); got ${windowMs}`);
    }
  }
}
