import type { Metric, Registry } from 'prom-client';
import type { ExpositionFormat } from '../exposition-format.js';
import type { EncodedLabels, LabelledRow } from '../storage/labelled-rows.js';
import { CollectorMetricFamily, PROBE_METRIC_SUFFIX } from './collector-metric-family.js';
import { CHUNK_END, CHUNK_FIELDS, CHUNK_GENERATION, CHUNK_KEY, CHUNK_START, ExportChunks } from './export-chunks.js';
import { ExpositionWriter } from './exposition-writer.js';
import type { FamilyDefinition, FamilySource } from './metric-families.js';
import { FamilyBytes, TextSink, ValuesSink, encodeLabels, labelText, type FamilyValue } from './sample-sink.js';
import { escapeHelp, openMetricsFamily, type MetricFamilyData } from './text-format.js';

/**
 * Writes the collector's families, byte for byte what prom-client's `registry.metrics()` writes for the same
 * registry (metrics of others on a shared registry go through prom-client itself, and so does everything on
 * a registry with default labels). The text is written straight from the aggregates into one buffer, labels
 * encoded once per row; the lines of a row whose numbers have not changed since the previous output of the
 * format are copied from that output (kept, with the one before it as the next output's buffer) instead of
 * being written again.
 */
export class PrometheusExporter {
  readonly families: readonly CollectorMetricFamily[];
  private readonly bytes: readonly FamilyBytes[];
  private readonly sink = new TextSink();
  private registered = false;
  /** Per format (0 Prometheus, 1 OpenMetrics): size of its last output, to size the next one's buffer. */
  private readonly lastSizes = [0, 0];
  /** Per format: the text of its last output. */
  private readonly lastTexts: [string, string] = ['', ''];
  private generation = 0;
  /** Per format: 0 Prometheus, 1 OpenMetrics. */
  private readonly chunks: readonly [ExportChunks, ExportChunks];
  /**
   * Per format: the export running, if any. An export waits in the middle for another metric on the registry
   * (an async `collect()`); a second one of the same format would write into the same half of the arena
   * and patch over the first's copy, so it starts once the first has finished.
   */
  private readonly running: [Promise<unknown> | undefined, Promise<unknown> | undefined] = [undefined, undefined];

  constructor(
    private readonly source: FamilySource,
    readonly registry: Registry,
    private readonly definitions: readonly FamilyDefinition[],
  ) {
    this.families = definitions.map((definition) => new CollectorMetricFamily(definition, this));
    this.bytes = definitions.map((definition) => new FamilyBytes(definition));
    this.chunks = [new ExportChunks(definitions.length), new ExportChunks(definitions.length)];
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
  prometheusText(): Promise<string> {
    return this.oneAtATime(0, () => this.writePrometheusText());
  }

  /** The whole registry in OpenMetrics 1.0.0, with exemplars (the latest `request_id`) on histogram buckets. */
  openMetricsText(): Promise<string> {
    return this.oneAtATime(1, () => this.writeOpenMetricsText());
  }

  /** Runs `run` once the format's running export (if any) has settled. */
  private oneAtATime(format: 0 | 1, run: () => Promise<string>): Promise<string> {
    const before = this.running[format];
    const next = before === undefined ? run() : before.then(run, run);
    const done = (): void => {
      if (this.running[format] === settled) this.running[format] = undefined;
    };
    const settled: Promise<void> = next.then(done, done);
    this.running[format] = settled;
    return next;
  }

  private async writePrometheusText(): Promise<string> {
    const registry = this.registry;
    if (await this.defaultLabels()) return registry.metrics();
    const writer = this.chunks[0].writer(this.sizeHint(0));
    const generation = ++this.generation;
    let first = true;
    for (const metric of registry.getMetricsAsArray()) {
      if (!first) writer.text('\n\n');
      first = false;
      const slot = this.slotOf(metric);
      if (slot >= 0) this.write(writer, slot, 'prometheus', generation);
      else writer.text(await registry.getSingleMetricAsString(metric.name));
    }
    writer.byte(10);
    return this.finish(writer, 0, generation);
  }

  private async writeOpenMetricsText(): Promise<string> {
    const registry = this.registry;
    if (await this.defaultLabels()) {
      // prom-client's JSON carries the default labels on every value.
      let out = '';
      for (const data of (await registry.getMetricsAsJSON()) as unknown as MetricFamilyData[]) {
        const ours = this.families.find((f) => f.name === data.name && (registry.getSingleMetric(f.name) as unknown) === f);
        out += `${openMetricsFamily(ours === undefined ? data : { ...data, type: ours.definition.openMetricsType }, undefined)}\n`;
      }
      return `${out}# EOF\n`;
    }
    const writer = this.chunks[1].writer(this.sizeHint(1));
    const generation = ++this.generation;
    for (const metric of registry.getMetricsAsArray()) {
      const slot = this.slotOf(metric);
      if (slot >= 0) this.write(writer, slot, 'openmetrics', generation);
      else writer.text(openMetricsFamily((await (metric as unknown as Metric).get()) as unknown as MetricFamilyData, undefined));
      writer.byte(10);
    }
    writer.text('# EOF\n');
    return this.finish(writer, 1, generation);
  }

  /** One family's samples as prom-client value objects (fresh objects each call). */
  values(definition: FamilyDefinition): FamilyValue[] {
    const sink = new ValuesSink(definition);
    for (const row of definition.rows(this.source)) {
      sink.row(row.labels);
      definition.write(row, sink);
    }
    return sink.out;
  }

  /** The index of one of our families, or -1 for a metric of someone else. */
  private slotOf(metric: unknown): number {
    return metric instanceof CollectorMetricFamily && metric.exporter === this ? this.families.indexOf(metric) : -1;
  }

  /**
   * Whether the registry has default labels, asked through prom-client's public API: one of our families is
   * written by `getSingleMetricAsString` while it reports a single unlabelled probe sample, and the line
   * says whether prom-client added labels. If the probe cannot be read, default labels are assumed (prom-client
   * then writes everything: slower, never wrong).
   */
  private async defaultLabels(): Promise<boolean> {
    const family = this.families[0]!;
    let text: Promise<string>;
    family.probing = true;
    try {
      text = this.registry.getSingleMetricAsString(family.name);
    } finally {
      family.probing = false;
    }
    const probe = `\n${family.name}${PROBE_METRIC_SUFFIX}`;
    const out = await text;
    const at = out.indexOf(probe);
    if (at < 0) return true;
    return out.charCodeAt(at + probe.length) !== 32;
  }

  /** The expected size of the next output of a format: its last one's, with an eighth more room (or the other format's). */
  private sizeHint(format: 0 | 1): number {
    const last = this.lastSizes[format]! || this.lastSizes[1 - format]!;
    return last + (last >> 3);
  }

  /** The text, keeping the bytes as the output the next one of the format copies from. */
  private finish(writer: ExpositionWriter, format: 0 | 1, generation: number): string {
    const text = writer.sameAsPrevious() ? this.lastTexts[format] : writer.finish();
    this.lastTexts[format] = text;
    this.lastSizes[format] = writer.length;
    this.chunks[format].commit(generation, writer);
    return text;
  }

  /**
   * One family: its HELP and TYPE lines, then one line per sample (each line starts with a newline). The
   * lines of a row whose change key has not moved since the previous output of the format are copied
   * from it (runs of neighbouring rows in one copy); the others are written.
   */
  private write(w: ExpositionWriter, slot: number, format: ExpositionFormat, generation: number): void {
    const definition = this.definitions[slot]!;
    const om = format === 'openmetrics';
    const familyName = om ? definition.openMetricsName : definition.name;
    w.text(`# HELP ${familyName} ${escapeHelp(definition.help, format)}\n# TYPE ${familyName} ${om ? definition.openMetricsType : definition.type}`);
    const sink = this.sink;
    sink.start(w, format, this.bytes[slot]!);
    sink.copied = false;
    const rows = definition.rows(this.source);
    const count = rows.length;
    const changeKey = definition.changeKey;
    if (changeKey === undefined) {
      for (let i = 0; i < count; i++) {
        const row = rows[i]!;
        sink.row(labelsOf(row, definition));
        definition.write(row, sink);
      }
      return;
    }
    const chunks = this.chunks[om ? 1 : 0];
    const table = chunks.table(slot, count);
    const owners = chunks.ownersOf(slot);
    const previousGeneration = chunks.generation;
    let runStart = 0;
    let runEnd = -1;
    let copied = false;
    if (keyScratch.length < count) keyScratch = new Float64Array(2 * count);
    const keys = keyScratch;
    // The keys first, in a loop of independent reads: the rows' cache misses overlap instead of stalling one by one.
    for (let i = 0; i < count; i++) keys[i] = changeKey(rows[i]!);
    for (let i = 0; i < count; i++) {
      const row = rows[i]!;
      const r = i * CHUNK_FIELDS;
      const key = keys[i]!;
      if (owners[i] === row && table[r + CHUNK_GENERATION] === previousGeneration && table[r + CHUNK_KEY] === key) {
        const start = table[r + CHUNK_START]!;
        const end = table[r + CHUNK_END]!;
        if (start !== runEnd) {
          if (runEnd > runStart) w.copyPrevious(runStart, runEnd);
          runStart = start;
        }
        runEnd = end;
        const at = w.length + (start - runStart);
        table[r + CHUNK_START] = at;
        table[r + CHUNK_END] = at + (end - start);
        copied = true;
      } else {
        if (runEnd > runStart) w.copyPrevious(runStart, runEnd);
        runStart = 0;
        runEnd = -1;
        const wasWritten = owners[i] === row && table[r + CHUNK_GENERATION] === previousGeneration;
        sink.previousStart = wasWritten ? table[r + CHUNK_START]! : -1;
        sink.previousEnd = wasWritten ? table[r + CHUNK_END]! : -1;
        owners[i] = row;
        table[r + CHUNK_START] = w.length;
        sink.row(labelsOf(row, definition));
        definition.write(row, sink);
        sink.endRow();
        sink.previousStart = sink.previousEnd = -1;
        table[r + CHUNK_END] = w.length;
        table[r + CHUNK_KEY] = key;
      }
      table[r + CHUNK_GENERATION] = generation;
    }
    if (runEnd > runStart) w.copyPrevious(runStart, runEnd);
    if ((copied || sink.copied) && !chunks.ascii) w.notAscii();
    owners.length = count;
  }
}

/** The change keys of one family's rows during its pass (shared: one family is written at a time). */
let keyScratch = new Float64Array(1024);

/** A row's encoded labels, made once and kept with the row (every family of a row set shares its label names). */
function labelsOf(row: LabelledRow, definition: FamilyDefinition): EncodedLabels {
  return (row.encoded ??= encodeLabels(labelText(definition.labelNames, row.labels)));
}
