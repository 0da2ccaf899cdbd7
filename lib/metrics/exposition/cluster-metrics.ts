import type { Aggregator, Metric, Registry } from 'prom-client';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, negotiateFormat } from '../exposition-format.js';
import type { MetricsResponse } from '../request-metrics.js';
import { DEFAULT_FAMILY_CONFIG, buildFamilies, type FamilyDefinition, type SeriesLatencySnapshot } from './metric-families.js';
import { promClient } from './prom-client-loader.js';
import type { FamilyValue } from './sample-sink.js';
import { openMetricsFamily, type MetricFamilyData } from './text-format.js';

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

/** What a cluster worker reads its snapshot from: a `MetricsCollector`. */
export interface ClusterSnapshotSource {
  readonly registry: Registry;
  latencySnapshots(maxSamples?: number): SeriesLatencySnapshot[];
}

/** The families as the cluster aggregation knows them (the default table: metadata labels do not change how they combine). */
const FAMILIES: ReadonlyMap<string, FamilyDefinition> = new Map(buildFamilies(DEFAULT_FAMILY_CONFIG).map((f) => [f.name, f]));

/** This process's snapshot for the primary. */
export async function clusterSnapshot(collector: ClusterSnapshotSource): Promise<ClusterMetricsSnapshot> {
  return {
    families: (await collector.registry.getMetricsAsJSON()) as unknown as FamilyJson[],
    latency: collector.latencySnapshots(CLUSTER_EXACT_SAMPLES),
  };
}

/**
 * In a worker: answers the primary's `getClusterMetricsResponse()` with this collector's snapshot.
 * Returns a function that stops answering. While it answers, the IPC channel keeps the worker alive.
 */
export function serveClusterMetrics(collector: ClusterSnapshotSource): () => void {
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
 * Combines the snapshots of several processes into one registry, family by family as the family table says:
 * by prom-client's `AggregatorRegistry.aggregate` with each family's aggregator (counters, histograms and the
 * in-flight gauge summed, the provider state the worst (max), rate-limit headroom and budgets the least), or by
 * the family's own merge: `llm_router_success_rate` recomputed from the summed counters, and the summary
 * `llm_router_latency_ms` with quantiles from the merged latency digests (exact while every worker's series
 * holds at most `CLUSTER_EXACT_SAMPLES` samples and their union at most `exactQuantileLimit`; else from the
 * merged DDSketches, within their relative accuracy) and `_sum`/`_count` from their sums. Other metrics on the
 * registries go through prom-client's aggregators unchanged.
 */
export function aggregateClusterSnapshots(snapshots: readonly ClusterMetricsSnapshot[]): Registry {
  const { AggregatorRegistry, Registry } = promClient();
  const aggregated = AggregatorRegistry.aggregate(snapshots.map((s) => s.families as never));
  const out = new Registry();
  for (const family of FAMILIES.values()) {
    if (family.merge !== undefined) {
      out.registerMetric(staticFamily(family, family.merge(snapshots)) as never);
    } else {
      const metric = aggregated.getSingleMetric(family.name);
      if (metric !== undefined) out.registerMetric(metric);
    }
  }
  for (const metric of aggregated.getMetricsAsArray()) {
    if (!FAMILIES.has(metric.name)) out.registerMetric(metric as never);
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
      const data = (await (metric as unknown as Metric).get()) as unknown as FamilyJson;
      const family = FAMILIES.get(data.name);
      parts.push(openMetricsFamily(family === undefined ? data : { ...data, type: family.openMetricsType }, undefined));
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

function staticFamily(family: FamilyDefinition, values: FamilyValue[]) {
  const data = { name: family.name, help: family.help, type: family.type, aggregator: family.aggregator, values };
  return { ...data, labelNames: [...family.labelNames], get: async () => data, reset: () => {} };
}
