import type { Registry } from 'prom-client';
import { CollectorMetricFamily, type FamilyValue } from './collector-metric-family.js';
import {
  escapeHelp,
  escapeLabelValue,
  openMetricsFamily,
  type ExpositionFormat,
  type MetricFamilyData,
} from './exposition-format.js';
import { ExpositionWriter, encode } from './exposition-writer.js';
import { METRIC_FAMILIES, type FamilyKind, type FamilySpec } from './metric-families.js';
import { STANDARD_QUANTILES } from './quantiles.js';
import type { SeriesAggregator } from './series-aggregator.js';

/** What the exporter reads, at the moment it is asked. */
export interface ExporterSource {
  /** Every series, in creation order. */
  readonly seriesList: readonly SeriesAggregator[];
  /** Fallback counts: from provider -> to provider -> count. */
  readonly fallbacks: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Circuit state per provider: 0 closed, 1 half-open, 2 open. */
  readonly providerStates: ReadonlyMap<string, number>;
  /** Attempts in progress per provider, over every attached source. */
  inFlightByProvider(): ReadonlyMap<string, number>;
}

/** The encoded `provider="…",model="…"` of one series, built once. */
interface SeriesText {
  readonly labels: Uint8Array;
  readonly ascii: boolean;
}

/** Pre-encoded pieces of one family's sample lines. */
interface FamilyBytes {
  /** `name{` */
  readonly open: Uint8Array;
  /** `name_bucket{`, `name_sum{`, `name_count{` (histograms and summaries) */
  readonly bucketOpen: Uint8Array;
  readonly sumOpen: Uint8Array;
  readonly countOpen: Uint8Array;
  /** `,le="…"} ` per bucket, `,quantile="…"} ` per quantile, or `,type="…"} ` per token type */
  readonly suffixes: readonly Uint8Array[];
}

const CLOSE = encode('} ');
const TOKEN_TYPES = ['prompt', 'completion', 'total'] as const;

interface RegistryInternals {
  _defaultLabels?: Record<string, string | number>;
  getMetricsAsString(metric: unknown): Promise<string>;
  getMetricsAsArray(): unknown[];
}

/**
 * Writes the collector's families. The text is built straight from the aggregates with label strings
 * cached per series, and is byte for byte what prom-client's `registry.metrics()` writes for the same
 * registry (metrics of others on a shared registry, and registries with default labels, go through
 * prom-client itself).
 */
export class PrometheusExporter {
  readonly families: readonly CollectorMetricFamily[];
  private readonly durationLe: string[];
  private readonly ttftLe: string[];
  private readonly familyBytes: ReadonlyMap<FamilyKind, FamilyBytes>;
  private registered = false;
  /** Size of the last output, to size the next one's buffer. */
  private lastSize = 0;

  constructor(
    private readonly source: ExporterSource,
    readonly registry: Registry,
    durationBounds: readonly number[],
    ttftBounds: readonly number[],
  ) {
    this.families = METRIC_FAMILIES.map((spec) => new CollectorMetricFamily(spec, this));
    this.durationLe = [...durationBounds.map(String), '+Inf'];
    this.ttftLe = [...ttftBounds.map(String), '+Inf'];
    const bytes = new Map<FamilyKind, FamilyBytes>();
    for (const spec of METRIC_FAMILIES) {
      const suffixes =
        spec.kind === 'duration'
          ? this.durationLe.map((le) => `,le="${le}"} `)
          : spec.kind === 'ttft'
            ? this.ttftLe.map((le) => `,le="${le}"} `)
            : spec.kind === 'latency'
              ? STANDARD_QUANTILES.map((q) => `,quantile="${q}"} `)
              : spec.kind === 'tokens'
                ? TOKEN_TYPES.map((t) => `,type="${t}"} `)
                : [];
      bytes.set(spec.kind, {
        open: encode(`${spec.name}{`),
        bucketOpen: encode(`${spec.name}_bucket{`),
        sumOpen: encode(`${spec.name}_sum{`),
        countOpen: encode(`${spec.name}_count{`),
        suffixes: suffixes.map(encode),
      });
    }
    this.familyBytes = bytes;
  }

  /** Registers every family; throws, registering none, when the registry already has one of the names. */
  register(): void {
    for (const f of this.families) {
      if (this.registry.getSingleMetric(f.name) !== undefined) {
        throw new Error(
          `llm-api-router metrics: the registry already has a metric named ${f.name}; give each MetricsCollector a registry of its own`,
        );
      }
    }
    for (const f of this.families) this.registry.registerMetric(f as never);
    this.registered = true;
  }

  /** Removes the families (only those that are still ours) from the registry. */
  unregister(): void {
    if (!this.registered) return;
    this.registered = false;
    for (const f of this.families) {
      if ((this.registry.getSingleMetric(f.name) as unknown) === f) this.registry.removeSingleMetric(f.name);
    }
  }

  /** The whole registry in the Prometheus text format 0.0.4, as `registry.metrics()` writes it. */
  async prometheusText(): Promise<string> {
    const registry = this.registry as unknown as RegistryInternals;
    const plain = !hasDefaultLabels(registry);
    const writer = new ExpositionWriter(this.lastSize + (this.lastSize >> 3));
    let first = true;
    for (const metric of registry.getMetricsAsArray()) {
      if (!first) writer.text('\n\n');
      first = false;
      if (plain && metric instanceof CollectorMetricFamily && metric.exporter === this) {
        this.write(writer, metric.spec, 'prometheus');
      } else {
        writer.text(await registry.getMetricsAsString(metric));
      }
    }
    writer.byte(10);
    this.lastSize = writer.length;
    return writer.finish();
  }

  /** The whole registry in OpenMetrics 1.0.0, with exemplars (the latest `request_id`) on histogram buckets. */
  async openMetricsText(): Promise<string> {
    const registry = this.registry as unknown as RegistryInternals;
    const defaults = hasDefaultLabels(registry) ? registry._defaultLabels : undefined;
    const writer = new ExpositionWriter(this.lastSize + (this.lastSize >> 2));
    for (const metric of registry.getMetricsAsArray()) {
      if (metric instanceof CollectorMetricFamily && metric.exporter === this) {
        if (defaults === undefined) {
          this.write(writer, metric.spec, 'openmetrics');
        } else {
          const data = await metric.get();
          writer.text(openMetricsFamily({ ...data, name: metric.spec.name, type: metric.spec.openMetricsType }, defaults));
        }
      } else {
        writer.text(openMetricsFamily((await (metric as { get(): Promise<MetricFamilyData> }).get()) as MetricFamilyData, defaults));
      }
      writer.byte(10);
    }
    writer.text('# EOF\n');
    return writer.finish();
  }

  /** One family: its HELP and TYPE lines, then one line per sample (each line starts with a newline). */
  private write(w: ExpositionWriter, spec: FamilySpec, format: ExpositionFormat): void {
    const om = format === 'openmetrics';
    const familyName = om ? spec.openMetricsName : spec.name;
    w.text(`# HELP ${familyName} ${escapeHelp(spec.help, format)}\n# TYPE ${familyName} ${om ? spec.openMetricsType : spec.type}`);
    const name = spec.name;
    const bytes = this.familyBytes.get(spec.kind)!;
    const seriesList = this.source.seriesList;
    switch (spec.kind) {
      case 'requests':
      case 'success':
      case 'failed':
      case 'successRate': {
        const kind = spec.kind;
        for (const s of seriesList) {
          const stats = s.stats;
          if (stats.count === 0) continue;
          const value =
            kind === 'requests'
              ? stats.count
              : kind === 'success'
                ? stats.successes
                : kind === 'failed'
                  ? stats.failures
                  : stats.successes / stats.count;
          this.line(w, bytes.open, s, CLOSE);
          w.value(value, format);
        }
        break;
      }
      case 'latency':
        for (const s of seriesList) {
          const latency = s.stats.latency;
          if (latency.count === 0) continue;
          const q = latency.standardQuantiles();
          for (let i = 0; i < q.length; i++) {
            this.line(w, bytes.open, s, bytes.suffixes[i]!);
            w.value(q[i]!, format);
          }
          this.line(w, bytes.sumOpen, s, CLOSE);
          w.value(latency.sum, format);
          this.line(w, bytes.countOpen, s, CLOSE);
          w.value(latency.count, format);
        }
        break;
      case 'tokens':
        for (const s of seriesList) {
          const stats = s.stats;
          if (stats.count === 0) continue;
          this.line(w, bytes.open, s, bytes.suffixes[0]!);
          w.value(stats.promptSum, format);
          this.line(w, bytes.open, s, bytes.suffixes[1]!);
          w.value(stats.completionSum, format);
          this.line(w, bytes.open, s, bytes.suffixes[2]!);
          w.value(stats.totalSum, format);
        }
        break;
      case 'duration':
      case 'ttft': {
        const duration = spec.kind === 'duration';
        for (const s of seriesList) {
          const count = duration ? s.stats.count : s.ttftCount;
          if (count === 0) continue;
          const counts = duration ? s.durationCounts : s.ttftCounts;
          const exemplars = om ? (duration ? s.durationExemplars : s.ttftExemplars) : undefined;
          let cumulative = 0;
          for (let b = 0; b < counts.length; b++) {
            cumulative += counts[b]!;
            this.line(w, bytes.bucketOpen, s, bytes.suffixes[b]!);
            w.value(cumulative, format);
            const id = exemplars?.requestIds[b];
            if (id !== undefined && Buffer.byteLength(id) <= 118) {
              w.text(` # {request_id="${escapeLabelValue(id)}"} `);
              w.value(exemplars!.values[b]!, format);
              w.byte(32);
              w.value(exemplars!.timestamps[b]! / 1000, format);
            }
          }
          this.line(w, bytes.sumOpen, s, CLOSE);
          w.value(duration ? s.stats.latency.sum / 1000 : s.ttftSumSeconds, format);
          this.line(w, bytes.countOpen, s, CLOSE);
          w.value(count, format);
        }
        break;
      }
      case 'errors':
        for (const s of seriesList) {
          const errors = s.stats.errors;
          if (errors === null) continue;
          for (const [type, n] of errors) {
            this.line(w, bytes.open, s, undefined);
            w.text(`,error_type="${escapeLabelValue(type)}"} `);
            w.value(n, format);
          }
        }
        break;
      case 'retries':
        for (const s of seriesList) {
          this.line(w, bytes.open, s, CLOSE);
          w.value(s.retries, format);
        }
        break;
      case 'fallbacks':
        for (const [from, targets] of this.source.fallbacks) {
          for (const [to, n] of targets) {
            w.text(`\n${name}{provider="${escapeLabelValue(from)}",to_provider="${escapeLabelValue(to)}"} `);
            w.value(n, format);
          }
        }
        break;
      case 'inFlight':
      case 'providerState': {
        const values = spec.kind === 'inFlight' ? this.source.inFlightByProvider() : this.source.providerStates;
        for (const [provider, n] of values) {
          w.text(`\n${name}{provider="${escapeLabelValue(provider)}"} `);
          w.value(n, format);
        }
        break;
      }
    }
  }

  /** Starts a sample line: newline, `open` (name and brace), the series labels, then `suffix` if any. */
  private line(w: ExpositionWriter, open: Uint8Array, s: SeriesAggregator, suffix: Uint8Array | undefined): void {
    let text = s.exportCache as SeriesText | undefined;
    if (text === undefined) {
      const labels = `provider="${escapeLabelValue(s.provider)}",model="${escapeLabelValue(s.model)}"`;
      const encoded = encode(labels);
      text = { labels: encoded, ascii: encoded.length === labels.length };
      s.exportCache = text;
    }
    if (!text.ascii) w.notAscii();
    w.byte(10);
    w.bytes(open);
    w.bytes(text.labels);
    if (suffix !== undefined) w.bytes(suffix);
  }

  /** One family's samples as prom-client value objects (fresh objects each call). */
  values(spec: FamilySpec): FamilyValue[] {
    const out: FamilyValue[] = [];
    const name = spec.name;
    const series = (s: SeriesAggregator): Record<string, string | number> => ({ provider: s.provider, model: s.model });
    switch (spec.kind) {
      case 'requests':
      case 'success':
      case 'failed':
      case 'successRate':
        for (const s of this.source.seriesList) {
          const stats = s.stats;
          if (stats.count === 0) continue;
          const value =
            spec.kind === 'requests'
              ? stats.count
              : spec.kind === 'success'
                ? stats.successes
                : spec.kind === 'failed'
                  ? stats.failures
                  : stats.successes / stats.count;
          out.push({ value, labels: series(s) });
        }
        break;
      case 'latency':
        for (const s of this.source.seriesList) {
          const latency = s.stats.latency;
          if (latency.count === 0) continue;
          const q = latency.standardQuantiles();
          for (let i = 0; i < STANDARD_QUANTILES.length; i++) {
            out.push({ value: q[i]!, labels: { ...series(s), quantile: STANDARD_QUANTILES[i]! } });
          }
          out.push({ value: latency.sum, labels: series(s), metricName: `${name}_sum` });
          out.push({ value: latency.count, labels: series(s), metricName: `${name}_count` });
        }
        break;
      case 'tokens':
        for (const s of this.source.seriesList) {
          const stats = s.stats;
          if (stats.count === 0) continue;
          out.push({ value: stats.promptSum, labels: { ...series(s), type: 'prompt' } });
          out.push({ value: stats.completionSum, labels: { ...series(s), type: 'completion' } });
          out.push({ value: stats.totalSum, labels: { ...series(s), type: 'total' } });
        }
        break;
      case 'duration':
      case 'ttft': {
        const duration = spec.kind === 'duration';
        const le = duration ? this.durationLe : this.ttftLe;
        for (const s of this.source.seriesList) {
          const count = duration ? s.stats.count : s.ttftCount;
          if (count === 0) continue;
          const counts = duration ? s.durationCounts : s.ttftCounts;
          const exemplars = duration ? s.durationExemplars : s.ttftExemplars;
          let cumulative = 0;
          for (let b = 0; b < counts.length; b++) {
            cumulative += counts[b]!;
            const value: FamilyValue = { value: cumulative, labels: { ...series(s), le: le[b]! }, metricName: `${name}_bucket` };
            const id = exemplars?.requestIds[b];
            if (id !== undefined) {
              value.exemplar = { labelSet: { request_id: id }, value: exemplars!.values[b]!, timestamp: exemplars!.timestamps[b]! / 1000 };
            }
            out.push(value);
          }
          out.push({ value: duration ? s.stats.latency.sum / 1000 : s.ttftSumSeconds, labels: series(s), metricName: `${name}_sum` });
          out.push({ value: count, labels: series(s), metricName: `${name}_count` });
        }
        break;
      }
      case 'errors':
        for (const s of this.source.seriesList) {
          if (s.stats.errors === null) continue;
          for (const [type, n] of s.stats.errors) out.push({ value: n, labels: { ...series(s), error_type: type } });
        }
        break;
      case 'retries':
        for (const s of this.source.seriesList) out.push({ value: s.retries, labels: series(s) });
        break;
      case 'fallbacks':
        for (const [from, targets] of this.source.fallbacks) {
          for (const [to, n] of targets) out.push({ value: n, labels: { provider: from, to_provider: to } });
        }
        break;
      case 'inFlight':
        for (const [provider, n] of this.source.inFlightByProvider()) out.push({ value: n, labels: { provider } });
        break;
      case 'providerState':
        for (const [provider, n] of this.source.providerStates) out.push({ value: n, labels: { provider } });
        break;
    }
    return out;
  }
}

function hasDefaultLabels(registry: RegistryInternals): boolean {
  const defaults = registry._defaultLabels;
  if (defaults === undefined) return false;
  for (const _ in defaults) return true;
  return false;
}
