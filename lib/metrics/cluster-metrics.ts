import { AggregatorRegistry, Registry, type Aggregator } from 'prom-client';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, negotiateFormat, openMetricsFamily, type MetricFamilyData } from './exposition-format.js';
import { LatencyDigest } from './latency-digest.js';
import type { MetricsCollector, SeriesLatencySnapshot } from './metrics-collector.js';
import { METRIC_FAMILIES, type FamilySpec } from './metric-families.js';
import { STANDARD_QUANTILES } from './quantiles.js';
import type { MetricsResponse } from './request-metrics.js';

const REQUEST = 'llm-api-router:metrics-request';
const RESPONSE = 'llm-api-router:metrics-response';

type FamilyJson = MetricFamilyData & { aggregator?: Aggregator };

/** What one process contributes to the cluster's metrics. Plain JSON (it crosses the IPC channel). */
export interface ClusterMetricsSnapshot {
  /** `registry.getMetricsAsJSON()` of the collector's registry. */
  families: FamilyJson[];
  /** Each series' latency digest, to merge the summary's quantiles. */
  latency: SeriesLatencySnapshot[];
}

/** A cluster worker (or a `child_process.fork` child) as the primary sees it. */
export interface MetricsWorker {
  readonly id?: number | string;
  send(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'exit', listener: () => void): unknown;
}

/** Exact latency samples a worker sends per series; a series holding more is sent as its DDSketch. */
export const CLUSTER_EXACT_SAMPLES = 1_000;

/** This process's snapshot for the primary. */
export async function clusterSnapshot(collector: MetricsCollector): Promise<ClusterMetricsSnapshot> {
  return {
    families: (await collector.registry.getMetricsAsJSON()) as unknown as FamilyJson[],
    latency: collector.latencySnapshots(CLUSTER_EXACT_SAMPLES),
  };
}

/**
 * In a worker: answers the primary's `getClusterMetricsResponse()` with this collector's snapshot.
 * Returns a function that stops answering. While it answers, the IPC channel keeps the worker alive.
 */
export function serveClusterMetrics(collector: MetricsCollector): () => void {
  if (typeof process.send !== 'function') throw new Error('serveClusterMetrics: this process has no IPC channel (not a cluster worker or forked child)');
  const onMessage = (message: unknown): void => {
    if (!isMessage(message, REQUEST)) return;
    clusterSnapshot(collector).then(
      (snapshot) => process.send?.({ type: RESPONSE, id: message.id, snapshot }),
      (error: unknown) => process.send?.({ type: RESPONSE, id: message.id, error: error instanceof Error ? error.message : String(error) }),
    );
  };
  process.on('message', onMessage);
  return () => {
    process.off('message', onMessage);
  };
}

/**
 * Combines the snapshots of several processes into one registry. Counters, histograms and the in-flight
 * gauge are summed and the provider state takes the worst (max) by prom-client's
 * `AggregatorRegistry.aggregate`; `llm_router_success_rate` is recomputed from the summed counters; the
 * summary `llm_router_latency_ms` gets its quantiles from the merged latency digests (exact while every
 * worker's series holds at most `CLUSTER_EXACT_SAMPLES` samples and their union at most `exactQuantileLimit`;
 * else from the merged DDSketches, within their relative accuracy), and its `_sum`/`_count` from their sums. Other metrics on the registries go through
 * prom-client's aggregators unchanged.
 */
export function aggregateClusterSnapshots(snapshots: readonly ClusterMetricsSnapshot[]): Registry {
  const aggregated = AggregatorRegistry.aggregate(snapshots.map((s) => s.families));
  const out = new Registry();
  const ours = new Set<string>();
  for (const spec of METRIC_FAMILIES) {
    ours.add(spec.name);
    if (spec.kind === 'latency') {
      out.registerMetric(staticFamily(spec, latencyValues(spec, snapshots)) as never);
    } else if (spec.kind === 'successRate') {
      out.registerMetric(staticFamily(spec, successRateValues(snapshots)) as never);
    } else {
      const metric = aggregated.getSingleMetric(spec.name);
      if (metric !== undefined) out.registerMetric(metric);
    }
  }
  for (const metric of aggregated.getMetricsAsArray()) {
    if (!ours.has(metric.name)) out.registerMetric(metric as never);
  }
  return out;
}

/** Options of `getClusterMetricsResponse`. */
export interface ClusterMetricsOptions {
  /** The HTTP `Accept` header: OpenMetrics when it asks for it, else the Prometheus text format. */
  accept?: string | null;
  /** How long each worker has to answer. Default 5,000 ms. */
  timeoutMs?: number;
  /** The workers to ask. Default: every connected `cluster` worker. */
  workers?: readonly MetricsWorker[];
}

/**
 * In the primary: asks every worker for its snapshot (see `serveClusterMetrics`), aggregates them with
 * `aggregateClusterSnapshots` and writes the result. Rejects when a worker does not answer in time or exits,
 * so that a scrape never silently undercounts.
 */
export async function getClusterMetricsResponse(options: ClusterMetricsOptions = {}): Promise<MetricsResponse> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  let workers = options.workers;
  if (workers === undefined) {
    const cluster = (await import('node:cluster')).default;
    workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined && w.isConnected()) as unknown as MetricsWorker[];
  }
  const snapshots = await Promise.all(workers.map((worker) => requestSnapshot(worker, timeoutMs)));
  const registry = aggregateClusterSnapshots(snapshots);
  if (negotiateFormat(options.accept) === 'openmetrics') {
    const parts: string[] = [];
    for (const metric of registry.getMetricsAsArray()) {
      const data = (await (metric as unknown as { get(): Promise<FamilyJson> }).get()) as FamilyJson;
      const spec = METRIC_FAMILIES.find((f) => f.name === data.name);
      parts.push(openMetricsFamily(spec === undefined ? data : { ...data, type: spec.openMetricsType }, undefined));
    }
    parts.push('# EOF\n');
    return { contentType: OPENMETRICS_CONTENT_TYPE, body: parts.join('\n') };
  }
  return { contentType: PROMETHEUS_CONTENT_TYPE, body: await registry.metrics() };
}

let nextRequestId = 0;

function requestSnapshot(worker: MetricsWorker, timeoutMs: number): Promise<ClusterMetricsSnapshot> {
  const id = `${process.pid}-${nextRequestId++}`;
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    const onMessage = (message: unknown): void => {
      if (!isMessage(message, RESPONSE) || message.id !== id) return;
      cleanup();
      const m = message as { error?: string; snapshot?: ClusterMetricsSnapshot };
      if (m.error !== undefined || m.snapshot === undefined) reject(new Error(`worker ${worker.id ?? '?'} failed to collect metrics: ${m.error}`));
      else resolve(m.snapshot);
    };
    const onExit = (): void => {
      cleanup();
      reject(new Error(`worker ${worker.id ?? '?'} exited before answering the metrics request`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`worker ${worker.id ?? '?'} did not answer the metrics request within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    const onSent = (error: Error | null): void => {
      if (error === null) return;
      cleanup();
      reject(new Error(`worker ${worker.id ?? '?'} cannot be asked for metrics: ${error.message}`));
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    try {
      worker.send({ type: REQUEST, id }, onSent);
    } catch (error) {
      onSent(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

function isMessage(message: unknown, type: string): message is { type: string; id: string } {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

interface SampleValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

function staticFamily(spec: FamilySpec, values: SampleValue[]) {
  const data = { name: spec.name, help: spec.help, type: spec.type, aggregator: spec.aggregator, values };
  return { ...data, labelNames: [...spec.labelNames], get: async () => data, reset: () => {} };
}

function seriesKey(provider: string, model: string): string {
  return JSON.stringify([provider, model]);
}

function latencyValues(spec: FamilySpec, snapshots: readonly ClusterMetricsSnapshot[]): SampleValue[] {
  const merged = new Map<string, { provider: string; model: string; digest: LatencyDigest }>();
  for (const snapshot of snapshots) {
    for (const s of snapshot.latency) {
      const key = seriesKey(s.provider, s.model);
      let entry = merged.get(key);
      if (entry === undefined) {
        entry = { provider: s.provider, model: s.model, digest: new LatencyDigest(s.latency.exactLimit, s.latency.relativeAccuracy) };
        merged.set(key, entry);
      }
      entry.digest.merge(LatencyDigest.fromJSON(s.latency));
    }
  }
  const values: SampleValue[] = [];
  for (const { provider, model, digest } of merged.values()) {
    const q = digest.standardQuantiles();
    for (let i = 0; i < STANDARD_QUANTILES.length; i++) values.push({ value: q[i]!, labels: { provider, model, quantile: STANDARD_QUANTILES[i]! } });
    values.push({ value: digest.sum, labels: { provider, model }, metricName: `${spec.name}_sum` });
    values.push({ value: digest.count, labels: { provider, model }, metricName: `${spec.name}_count` });
  }
  return values;
}

function successRateValues(snapshots: readonly ClusterMetricsSnapshot[]): SampleValue[] {
  const totals = new Map<string, { provider: string; model: string; total: number; success: number }>();
  const add = (family: FamilyJson | undefined, field: 'total' | 'success'): void => {
    for (const v of family?.values ?? []) {
      const provider = String(v.labels?.['provider']);
      const model = String(v.labels?.['model']);
      const key = seriesKey(provider, model);
      let entry = totals.get(key);
      if (entry === undefined) totals.set(key, (entry = { provider, model, total: 0, success: 0 }));
      entry[field] += v.value;
    }
  };
  for (const snapshot of snapshots) {
    add(snapshot.families.find((f) => f.name === 'llm_router_requests_total'), 'total');
    add(snapshot.families.find((f) => f.name === 'llm_router_requests_success'), 'success');
  }
  const values: SampleValue[] = [];
  for (const { provider, model, total, success } of totals.values()) {
    if (total > 0) values.push({ value: success / total, labels: { provider, model } });
  }
  return values;
}
