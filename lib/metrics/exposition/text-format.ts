import type { ExpositionFormat } from '../exposition-format.js';

/** A sample value as prom-client writes it (`Nan` is prom-client's own spelling in the text format). */
export function formatValue(value: number, format: ExpositionFormat): string {
  if (Number.isNaN(value)) return format === 'openmetrics' ? 'NaN' : 'Nan';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return `${value}`;
}

/** Escapes a label value (backslash, newline, double quote). */
export function escapeLabelValue(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 || c === 10 || c === 34) return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  }
  return value;
}

/** Escapes HELP text: backslash and newline, plus double quotes in OpenMetrics. */
export function escapeHelp(help: string, format: ExpositionFormat): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}

/** `name="value",…` for a label object, in its key order. */
function formatLabelPairs(labels: Record<string, string | number>): string {
  let out = '';
  for (const name in labels) {
    const value = labels[name]!;
    out += `${out === '' ? '' : ','}${name}="${typeof value === 'string' ? escapeLabelValue(value) : value}"`;
  }
  return out;
}

/** A metric family as prom-client's `metric.get()` returns it. */
export interface MetricFamilyData {
  name: string;
  help: string;
  type: string;
  values?: {
    value: number;
    labels?: Record<string, string | number>;
    metricName?: string;
    exemplar?: { labelSet: Record<string, string | number>; value: number; timestamp?: number } | null;
  }[];
}

/**
 * One family in OpenMetrics, from prom-client's `get()` data (used for metrics that are not the
 * collector's own). Counters lose a `_total` suffix in their family name and gain it on their samples.
 */
export function openMetricsFamily(family: MetricFamilyData, defaultLabels: Record<string, string | number> | undefined): string {
  const counter = family.type === 'counter';
  const name = counter ? family.name.replace(/_total$/, '') : family.name;
  let out = `# HELP ${name} ${escapeHelp(family.help, 'openmetrics')}\n# TYPE ${name} ${family.type}`;
  for (const value of family.values ?? []) {
    const metricName = value.metricName ?? (counter ? `${name}_total` : name);
    const labels = defaultLabels === undefined ? (value.labels ?? {}) : { ...value.labels, ...defaultLabels, ...value.labels };
    const pairs = formatLabelPairs(labels);
    out += `\n${metricName}${pairs === '' ? '' : `{${pairs}}`} ${formatValue(value.value, 'openmetrics')}`;
    const exemplar = value.exemplar;
    if (exemplar) {
      out += ` # {${formatLabelPairs(exemplar.labelSet)}} ${formatValue(exemplar.value, 'openmetrics')}`;
      if (exemplar.timestamp !== undefined) out += ` ${exemplar.timestamp}`;
    }
  }
  return out;
}
