import type { Registry } from 'prom-client';
import { CollectorMetricFamily, type FamilyValue } from './collector-metric-family.js';
import {
  escapeHelp,
  escapeLabelValue,
  openMetricsFamily,
  type ExpositionFormat,
  type MetricFamilyData,
} from './exposition-format.js';
import { CHUNK_END, CHUNK_FIELDS, CHUNK_GENERATION, CHUNK_KEY, CHUNK_START, ExportChunks } from './export-chunks.js';
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

/** The families written series by series, in the order of their chunk records. */
const SERIES_KINDS: readonly FamilyKind[] = ['requests', 'success', 'failed', 'successRate', 'latency', 'tokens', 'duration', 'ttft', 'errors', 'retries'];
/** Per series, the counts whose change means that its lines in a family may have changed (see `sync`). */
const KEYS = 5;
const KEY_ATTEMPTS = 0;
const KEY_SUCCESSES = 1;
const KEY_FAILURES = 2;
const KEY_STREAMED = 3;
const KEY_RETRIES = 4;
/** The change key of each family written series by series (exemplars included): failures for the failed counter and errors, … */
const FAMILY_KEYS: Readonly<Partial<Record<FamilyKind, number>>> = { success: KEY_SUCCESSES, failed: KEY_FAILURES, errors: KEY_FAILURES, ttft: KEY_STREAMED, retries: KEY_RETRIES };

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
 * Writes the collector's families, byte for byte what prom-client's `registry.metrics()` writes for the same
 * registry (metrics of others on a shared registry, and registries with default labels, go through
 * prom-client itself). The text is written straight from the aggregates into one buffer, labels encoded
 * once per series; the lines of a series whose numbers have not changed since the previous output of the
 * format are copied from that output (kept, with the one before it as the next output's buffer) instead
 * of being written again.
 */
export class PrometheusExporter {
  readonly families: readonly CollectorMetricFamily[];
  private readonly durationLe: string[];
  private readonly ttftLe: string[];
  private readonly familyBytes: ReadonlyMap<FamilyKind, FamilyBytes>;
  private registered = false;
  /** Size of the last output, to size the next one's buffer. */
  private lastSize = 0;
  private generation = 0;
  /** Per format: 0 Prometheus, 1 OpenMetrics. */
  private readonly chunks = [new ExportChunks(SERIES_KINDS.length), new ExportChunks(SERIES_KINDS.length)] as const;
  /** Per series index, as of the last `sync`: the series, its encoded labels, whether they are ASCII, its change keys. */
  private readonly series: SeriesAggregator[] = [];
  private readonly labels: Uint8Array[] = [];
  private asciiLabels = new Uint8Array(0);
  private keys = new Float64Array(0);

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
    const writer = new ExpositionWriter(this.lastSize + (this.lastSize >> 3), this.chunks[0].takeSpare());
    const generation = ++this.generation;
    const count = plain ? this.sync() : 0;
    let first = true;
    for (const metric of registry.getMetricsAsArray()) {
      if (!first) writer.text('\n\n');
      first = false;
      if (plain && metric instanceof CollectorMetricFamily && metric.exporter === this) {
        this.write(writer, metric.spec, 'prometheus', generation, count);
      } else {
        writer.text(await registry.getMetricsAsString(metric));
      }
    }
    writer.byte(10);
    this.lastSize = writer.length;
    return this.finish(writer, 0, generation);
  }

  /** The whole registry in OpenMetrics 1.0.0, with exemplars (the latest `request_id`) on histogram buckets. */
  async openMetricsText(): Promise<string> {
    const registry = this.registry as unknown as RegistryInternals;
    const defaults = hasDefaultLabels(registry) ? registry._defaultLabels : undefined;
    const writer = new ExpositionWriter(this.lastSize + (this.lastSize >> 2), this.chunks[1].takeSpare());
    const generation = ++this.generation;
    const count = defaults === undefined ? this.sync() : 0;
    for (const metric of registry.getMetricsAsArray()) {
      if (metric instanceof CollectorMetricFamily && metric.exporter === this) {
        if (defaults === undefined) {
          this.write(writer, metric.spec, 'openmetrics', generation, count);
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
    return this.finish(writer, 1, generation);
  }

  /** The text, keeping the bytes as the output the next one of the format copies from. */
  private finish(writer: ExpositionWriter, format: 0 | 1, generation: number): string {
    const text = writer.finish();
    this.chunks[format].commit(generation, writer.output, writer.length, writer.ascii);
    return text;
  }

  /**
   * Brings the per-series tables up to the series list (new series get their labels encoded and no chunk)
   * and reads each series' change keys, in one pass. Returns the number of series this output covers.
   */
  private sync(): number {
    const list = this.source.seriesList;
    const n = list.length;
    if (this.keys.length < n * KEYS) {
      const capacity = Math.max(n, this.asciiLabels.length * 2, 16);
      const keys = new Float64Array(capacity * KEYS);
      keys.set(this.keys);
      this.keys = keys;
      const ascii = new Uint8Array(capacity);
      ascii.set(this.asciiLabels);
      this.asciiLabels = ascii;
    }
    const keys = this.keys;
    for (let i = 0; i < n; i++) {
      const s = list[i]!;
      if (this.series[i] !== s) {
        this.series[i] = s;
        const labels = `provider="${escapeLabelValue(s.provider)}",model="${escapeLabelValue(s.model)}"`;
        const encoded = encode(labels);
        this.labels[i] = encoded;
        this.asciiLabels[i] = encoded.length === labels.length ? 1 : 0;
        this.chunks[0].forget(i);
        this.chunks[1].forget(i);
      }
      const stats = s.stats;
      const k = i * KEYS;
      // -1 before the first attempt: a series with none (only retries so far) has no line in those families.
      keys[k + KEY_ATTEMPTS] = stats.count;
      keys[k + KEY_SUCCESSES] = stats.count === 0 ? -1 : stats.successes;
      keys[k + KEY_FAILURES] = stats.count === 0 ? -1 : stats.failures;
      keys[k + KEY_STREAMED] = s.ttftCount;
      keys[k + KEY_RETRIES] = s.retries;
    }
    this.series.length = n;
    this.labels.length = n;
    return n;
  }

  /**
   * One family: its HELP and TYPE lines, then one line per sample (each line starts with a newline). The
   * lines of a series whose change key has not moved since the previous output of the format are copied
   * from it (runs of neighbouring series in one copy); the others are written.
   */
  private write(w: ExpositionWriter, spec: FamilySpec, format: ExpositionFormat, generation: number, count: number): void {
    const om = format === 'openmetrics';
    const familyName = om ? spec.openMetricsName : spec.name;
    w.text(`# HELP ${familyName} ${escapeHelp(spec.help, format)}\n# TYPE ${familyName} ${om ? spec.openMetricsType : spec.type}`);
    const kind = spec.kind;
    const slot = SERIES_KINDS.indexOf(kind);
    if (slot < 0) {
      this.writeProviderFamily(w, spec, format);
      return;
    }
    const bytes = this.familyBytes.get(kind)!;
    const chunks = this.chunks[om ? 1 : 0];
    const table = chunks.table(slot, count);
    const previous = chunks.buffer;
    const previousGeneration = chunks.generation;
    const keyIndex = FAMILY_KEYS[kind] ?? KEY_ATTEMPTS;
    const keys = this.keys;
    let runStart = 0;
    let runEnd = -1;
    let copied = false;
    for (let i = 0; i < count; i++) {
      const r = i * CHUNK_FIELDS;
      const key = keys[i * KEYS + keyIndex]!;
      if (table[r + CHUNK_GENERATION] === previousGeneration && table[r + CHUNK_KEY] === key) {
        const start = table[r + CHUNK_START]!;
        const end = table[r + CHUNK_END]!;
        if (start !== runEnd) {
          if (runEnd > runStart) w.copy(previous!, runStart, runEnd);
          runStart = start;
        }
        runEnd = end;
        const at = w.length + (start - runStart);
        table[r + CHUNK_START] = at;
        table[r + CHUNK_END] = at + (end - start);
        copied = true;
      } else {
        if (runEnd > runStart) w.copy(previous!, runStart, runEnd);
        runStart = 0;
        runEnd = -1;
        if (this.asciiLabels[i] === 0) w.notAscii();
        table[r + CHUNK_START] = w.length;
        this.writeSeries(w, kind, bytes, this.series[i]!, this.labels[i]!, format);
        table[r + CHUNK_END] = w.length;
        table[r + CHUNK_KEY] = key;
      }
      table[r + CHUNK_GENERATION] = generation;
    }
    if (runEnd > runStart) w.copy(previous!, runStart, runEnd);
    if (copied && !chunks.ascii) w.notAscii();
  }

  /** The lines of one series in one family. */
  private writeSeries(w: ExpositionWriter, kind: FamilyKind, bytes: FamilyBytes, s: SeriesAggregator, labels: Uint8Array, format: ExpositionFormat): void {
    const stats = s.stats;
    switch (kind) {
      case 'requests':
      case 'success':
      case 'failed':
      case 'successRate': {
        if (stats.count === 0) return;
        const value =
          kind === 'requests' ? stats.count : kind === 'success' ? stats.successes : kind === 'failed' ? stats.failures : stats.successes / stats.count;
        w.line(bytes.open, labels, CLOSE);
        w.value(value, format);
        return;
      }
      case 'latency': {
        const latency = stats.latency;
        if (latency.count === 0) return;
        const q = latency.standardQuantiles();
        for (let i = 0; i < q.length; i++) {
          w.line(bytes.open, labels, bytes.suffixes[i]!);
          w.value(q[i]!, format);
        }
        w.line(bytes.sumOpen, labels, CLOSE);
        w.value(latency.sum, format);
        w.line(bytes.countOpen, labels, CLOSE);
        w.value(latency.count, format);
        return;
      }
      case 'tokens':
        if (stats.count === 0) return;
        w.line(bytes.open, labels, bytes.suffixes[0]!);
        w.value(stats.promptSum, format);
        w.line(bytes.open, labels, bytes.suffixes[1]!);
        w.value(stats.completionSum, format);
        w.line(bytes.open, labels, bytes.suffixes[2]!);
        w.value(stats.totalSum, format);
        return;
      case 'duration':
      case 'ttft': {
        const duration = kind === 'duration';
        const count = duration ? stats.count : s.ttftCount;
        if (count === 0) return;
        const counts = duration ? s.durationCounts : s.ttftCounts;
        const exemplars = format === 'openmetrics' ? (duration ? s.durationExemplars : s.ttftExemplars) : undefined;
        if (exemplars === undefined) {
          w.cumulativeLines(bytes.bucketOpen, labels, bytes.suffixes, counts);
        } else {
          let cumulative = 0;
          for (let b = 0; b < counts.length; b++) {
            cumulative += counts[b]!;
            w.line(bytes.bucketOpen, labels, bytes.suffixes[b]!);
            w.value(cumulative, format);
            const id = exemplars.requestIds[b];
            if (id !== undefined && Buffer.byteLength(id) <= 118) {
              w.text(` # {request_id="${escapeLabelValue(id)}"} `);
              w.value(exemplars.values[b]!, format);
              w.byte(32);
              w.value(exemplars.timestamps[b]! / 1000, format);
            }
          }
        }
        w.line(bytes.sumOpen, labels, CLOSE);
        w.value(duration ? stats.latency.sum / 1000 : s.ttftSumSeconds, format);
        w.line(bytes.countOpen, labels, CLOSE);
        w.value(count, format);
        return;
      }
      case 'errors':
        if (stats.errors === null) return;
        for (const [type, n] of stats.errors) {
          w.line(bytes.open, labels, undefined);
          w.text(`,error_type="${escapeLabelValue(type)}"} `);
          w.value(n, format);
        }
        return;
      case 'retries':
        w.line(bytes.open, labels, CLOSE);
        w.value(s.retries, format);
        return;
      default:
        return;
    }
  }

  /** The families labelled by provider only (fallbacks, in flight, circuit state): a few lines, written afresh. */
  private writeProviderFamily(w: ExpositionWriter, spec: FamilySpec, format: ExpositionFormat): void {
    const name = spec.name;
    if (spec.kind === 'fallbacks') {
      for (const [from, targets] of this.source.fallbacks) {
        for (const [to, n] of targets) {
          w.text(`\n${name}{provider="${escapeLabelValue(from)}",to_provider="${escapeLabelValue(to)}"} `);
          w.value(n, format);
        }
      }
      return;
    }
    const values = spec.kind === 'inFlight' ? this.source.inFlightByProvider() : this.source.providerStates;
    for (const [provider, n] of values) {
      w.text(`\n${name}{provider="${escapeLabelValue(provider)}"} `);
      w.value(n, format);
    }
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
