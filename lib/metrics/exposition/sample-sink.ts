import type { ExpositionFormat } from '../exposition-format.js';
import { MAX_TRACKED_EXEMPLARS, type Histogram } from '../storage/histogram.js';
import type { EncodedLabels } from '../storage/labelled-rows.js';
import { ExpositionWriter, encode } from './exposition-writer.js';
import { escapeLabelValue } from './text-format.js';

/** One sample as prom-client's `metric.get()` returns it. */
export interface FamilyValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number };
}

/** Labels a row's sample adds after the row's own and the family's fixed suffix (e.g. `error_type`, `status_code`). */
export interface ExtraLabels {
  readonly extraValues: readonly string[];
  encoded: EncodedLabels | undefined;
}

/**
 * Where a family writes the samples of one row (one label set). Implemented by the text writer (both
 * exposition formats) and by prom-client's value objects, so that each family is written by one function.
 */
export interface SampleSink {
  /** `name{labels} value` */
  value(value: number): void;
  /** `name{labels,suffix="the family's i-th suffix value"} value` (a quantile, a token type, a kind). */
  suffixed(i: number, value: number): void;
  /** `name_sum{labels} value` */
  sum(value: number): void;
  /** `name_count{labels} value` */
  count(value: number): void;
  /** The `_bucket` lines (cumulative, exemplars in OpenMetrics), `_sum` (seconds) and `_count` of a histogram. */
  histogram(h: Histogram, sumSeconds: number): void;
  /** `name{labels,extra…} value` */
  extra(extra: ExtraLabels, value: number): void;
}

/** The label names and fixed label values of one family, as the sinks need them. */
export interface FamilyShape {
  readonly name: string;
  readonly labelNames: readonly string[];
  /** The label the fixed suffixes set (`quantile`, `type`, `le`, `kind`), if any, and its values. */
  readonly suffixLabel: string | undefined;
  readonly suffixValues: readonly string[];
  readonly extraLabelNames: readonly string[];
}

/** UTF-8 bytes of label text, marked ASCII or not. */
export function encodeLabels(text: string): EncodedLabels {
  const bytes = encode(text);
  return Object.assign(bytes, { ascii: bytes.length === text.length });
}

/** `a="x",b="y"` for label names and values. */
export function labelText(names: readonly string[], values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += `${i === 0 ? '' : ','}${names[i]}="${escapeLabelValue(values[i]!)}"`;
  return out;
}

const CLOSE = encode('} ');
/** Request ids longer than this are left out of exemplars (OpenMetrics: 128 characters with the label name). */
const MAX_EXEMPLAR_ID_BYTES = 118;

/** Pre-encoded pieces of one family's sample lines. */
export class FamilyBytes {
  /** `name{`, `name_bucket{`, `name_sum{`, `name_count{` */
  readonly open: Uint8Array;
  readonly bucketOpen: Uint8Array;
  readonly sumOpen: Uint8Array;
  readonly countOpen: Uint8Array;
  /** `,suffix="…"} ` per fixed suffix value */
  readonly suffixes: readonly Uint8Array[];

  constructor(readonly shape: FamilyShape) {
    const name = shape.name;
    this.open = encode(`${name}{`);
    this.bucketOpen = encode(`${name}_bucket{`);
    this.sumOpen = encode(`${name}_sum{`);
    this.countOpen = encode(`${name}_count{`);
    this.suffixes = shape.suffixValues.map((v) => encode(`,${shape.suffixLabel}="${escapeLabelValue(v)}"} `));
  }
}

/** Writes samples as text lines (each starting with a newline) into an `ExpositionWriter`. */
export class TextSink implements SampleSink {
  w!: ExpositionWriter;
  om = false;
  /**
   * Where the current row's lines start in the previous output of the format (the writer's), when they are
   * there but changed; -1 otherwise. A histogram copies from it the bucket lines that have not changed.
   */
  previousStart = -1;
  /** Where they end there. */
  previousEnd = -1;
  /** Set when bytes were copied from the previous output outside a row's patch (the caller carries its ASCII-ness over). */
  copied = false;
  private bytes!: FamilyBytes;
  private labels!: Uint8Array;
  private format: ExpositionFormat = 'prometheus';

  start(w: ExpositionWriter, format: ExpositionFormat, bytes: FamilyBytes): void {
    this.w = w;
    this.format = format;
    this.om = format === 'openmetrics';
    this.bytes = bytes;
  }

  /**
   * Starts a row. When its lines are in the previous output (`previousStart`), they are copied and the new
   * lines patched into the copy (see `ExpositionWriter.beginPatch`); call `endRow()` after its last line.
   */
  row(labels: EncodedLabels): void {
    this.labels = labels;
    if (!labels.ascii) this.w.notAscii();
    if (this.previousStart >= 0) this.w.beginPatch(this.previousStart, this.previousEnd);
  }

  endRow(): void {
    this.w.endPatch();
  }

  value(value: number): void {
    this.line(this.bytes.open, CLOSE, undefined, value);
  }

  suffixed(i: number, value: number): void {
    const suffix = this.bytes.suffixes[i]!;
    this.line(this.bytes.open, suffix, suffix, value);
  }

  sum(value: number): void {
    this.line(this.bytes.sumOpen, CLOSE, undefined, value);
  }

  count(value: number): void {
    this.line(this.bytes.countOpen, CLOSE, undefined, value);
  }

  /** One sample line: patched into the row's copy when it has the same line there, else written. */
  private line(open: Uint8Array, suffix: Uint8Array, check: Uint8Array | undefined, value: number): void {
    const w = this.w;
    if (w.patchHead(1 + open.length + this.labels.length + suffix.length, check)) {
      w.value(value, this.format);
      w.patchDone();
      return;
    }
    w.line(open, this.labels, suffix);
    w.value(value, this.format);
  }

  histogram(h: Histogram, sumSeconds: number): void {
    const { w, bytes, labels, format } = this;
    const counts = h.counts;
    const exemplars = this.om ? h.exemplars : undefined;
    let changedFrom: number;
    if (this.om) {
      changedFrom = h.unchangedBelowOpenMetrics;
      h.unchangedBelowOpenMetrics = counts.length;
    } else {
      changedFrom = h.unchangedBelowPrometheus;
      h.unchangedBelowPrometheus = counts.length;
    }
    if (exemplars === undefined) {
      // Without exemplars a bucket line is the same but for its count: the copied lines, counts rewritten.
      if (w.patching) w.patchBuckets(bytes.bucketOpen, labels, bytes.suffixes, counts, changedFrom);
      else w.cumulativeLines(bytes.bucketOpen, labels, bytes.suffixes, counts);
    } else {
      // Lines with exemplars are written, the unchanged ones below copied from the previous output, and so
      // is each exemplar not replaced since (only the bucket observed into gets a new one).
      w.endPatch();
      let from = 0;
      let previousLine = -1;
      if (this.previousStart >= 0) {
        // The lines below the lowest bucket observed into since they were written: one copy.
        const end = w.previousLineStart(this.previousStart, changedFrom);
        if (end >= 0 && end < this.previousEnd) {
          from = changedFrom;
          w.copyPrevious(this.previousStart, end);
          previousLine = end;
        }
      }
      const replaced = exemplars.replacedOpenMetrics;
      exemplars.replacedOpenMetrics = 0;
      const head = 1 + bytes.bucketOpen.length + labels.length;
      let cumulative = 0;
      for (let b = 0; b < from; b++) cumulative += counts[b]!;
      for (let b = from; b < counts.length; b++) {
        cumulative += counts[b]!;
        const suffix = bytes.suffixes[b]!;
        w.line(bytes.bucketOpen, labels, suffix);
        w.value(cumulative, format);
        const id = exemplars.requestIds[b];
        let kept = false;
        if (previousLine >= 0) {
          const lineEnd = w.previousIndexOf(10, previousLine + 1, this.previousEnd);
          const end = lineEnd < 0 ? this.previousEnd : lineEnd;
          if (id !== undefined && b < MAX_TRACKED_EXEMPLARS && (replaced & (1 << b)) === 0) {
            // The previous line: its head, its count, then ` # {request_id="…"} value timestamp` when it had one.
            const exemplarStart = w.previousIndexOf(32, previousLine + head + suffix.length, end);
            if (exemplarStart >= 0) {
              w.copyPrevious(exemplarStart, end);
              this.copied = true;
              kept = true;
            }
          }
          previousLine = lineEnd;
        }
        if (!kept && id !== undefined && Buffer.byteLength(id) <= MAX_EXEMPLAR_ID_BYTES) {
          w.text(` # {request_id="${escapeLabelValue(id)}"} `);
          w.valueAsString(exemplars.values[b]!, format);
          w.byte(32);
          w.valueAsString(exemplars.timestamps[b]! / 1000, format);
        }
      }
    }
    this.sum(sumSeconds);
    this.count(h.count);
  }

  extra(extra: ExtraLabels, value: number): void {
    let encoded = extra.encoded;
    if (encoded === undefined) {
      const names = this.bytes.shape.extraLabelNames;
      extra.encoded = encoded = encodeLabels(`,${labelText(names, extra.extraValues)}} `);
    }
    if (!encoded.ascii) this.w.notAscii();
    this.line(this.bytes.open, encoded, encoded, value);
  }
}

/** Collects samples as prom-client value objects (fresh objects each time). */
export class ValuesSink implements SampleSink {
  readonly out: FamilyValue[] = [];
  private rowLabels: readonly string[] = [];

  constructor(private readonly shape: FamilyShape) {}

  row(labels: readonly string[]): void {
    this.rowLabels = labels;
  }

  value(value: number): void {
    this.out.push({ value, labels: this.labels() });
  }

  suffixed(i: number, value: number): void {
    const labels = this.labels();
    labels[this.shape.suffixLabel!] = this.shape.suffixValues[i]!;
    this.out.push({ value, labels });
  }

  sum(value: number): void {
    this.out.push({ value, labels: this.labels(), metricName: `${this.shape.name}_sum` });
  }

  count(value: number): void {
    this.out.push({ value, labels: this.labels(), metricName: `${this.shape.name}_count` });
  }

  histogram(h: Histogram, sumSeconds: number): void {
    const le = this.shape.suffixValues;
    const bucket = `${this.shape.name}_bucket`;
    const exemplars = h.exemplars;
    let cumulative = 0;
    for (let b = 0; b < h.counts.length; b++) {
      cumulative += h.counts[b]!;
      const labels = this.labels();
      labels['le'] = le[b]!;
      const value: FamilyValue = { value: cumulative, labels, metricName: bucket };
      const id = exemplars?.requestIds[b];
      if (id !== undefined) value.exemplar = { labelSet: { request_id: id }, value: exemplars!.values[b]!, timestamp: exemplars!.timestamps[b]! / 1000 };
      this.out.push(value);
    }
    this.sum(sumSeconds);
    this.count(h.count);
  }

  extra(extra: ExtraLabels, value: number): void {
    const labels = this.labels();
    const names = this.shape.extraLabelNames;
    const values = extra.extraValues;
    for (let i = 0; i < names.length; i++) labels[names[i]!] = values[i]!;
    this.out.push({ value, labels });
  }

  private labels(): Record<string, string> {
    const labels: Record<string, string> = {};
    const names = this.shape.labelNames;
    const values = this.rowLabels;
    for (let i = 0; i < values.length; i++) labels[names[i]!] = values[i]!;
    return labels;
  }
}
