import { ConfigurationError, type MetricsCollector, type AggregatedMetrics, type MetricsSummary, type ProviderComparison, type LlmRouter, type ProviderStatus } from 'llm-api-router';
import { onlyKnownOptions } from './known-options.js';

/** The JSON body of the stats route of the NestJS module and the Express middleware. */
export interface LlmRouterStats {
  /** When the snapshot was taken (ISO 8601). */
  generatedAt: string;
  /** The rolling window the aggregates cover, or `null` for everything recorded. */
  windowMs: number | null;
  /** Totals over all providers and models (without the aggregates, which are `aggregated`), or `null` when metrics are off. */
  summary: Omit<MetricsSummary, 'aggregated'> | null;
  /** One entry per (provider, model). */
  aggregated: AggregatedMetrics[];
  /** Providers ranked by success rate, then latency. */
  comparison: ProviderComparison[];
  /** Each provider's circuit state, load and latency. */
  providers: ProviderStatus[];
}

/** Resolves the `stats` option: the route path, or `undefined` when the route is off. */
export function statsPath(stats: boolean | { path?: string } | undefined, field: string, fallback = '/stats'): string | undefined {
  if (stats === undefined || stats === false) return undefined;
  if (stats !== true && (typeof stats !== 'object' || stats === null)) throw new ConfigurationError(field, 'must be a boolean or { path }');
  if (stats !== true) onlyKnownOptions(stats, ['path'], field);
  return normalizePath(stats === true ? undefined : stats.path, fallback, `${field}.path`);
}

/** A route path with exactly one leading slash and no trailing one. */
export function normalizePath(path: string | undefined, fallback: string, field: string): string {
  if (path !== undefined && (typeof path !== 'string' || /[?#\s]/.test(path))) {
    throw new ConfigurationError(field, 'must be a URL path without query, fragment or whitespace');
  }
  const p = (path ?? fallback).replace(/\/+$/, '');
  return p.startsWith('/') ? p || '/' : `/${p}`;
}

/** The rolling window a stats request asks for, or why it is refused (answered with a 400). */
export type StatsWindow = { ok: true; windowMs: number | null } | { ok: false; message: string };

/**
 * Reads `?windowMs=` from a request URL and checks it against the collector: a positive integer of at
 * most `collector.maxWindowMs`. Absent, the stats cover everything recorded (`windowMs: null`).
 */
export function statsWindowFromQuery(url: string | undefined, collector: MetricsCollector | undefined): StatsWindow {
  const q = url === undefined ? -1 : url.indexOf('?');
  const raw = q < 0 ? null : new URLSearchParams(url!.slice(q + 1)).get('windowMs');
  if (raw === null) return { ok: true, windowMs: null };
  const windowMs = Number(raw);
  if (!(Number.isInteger(windowMs) && windowMs > 0)) return { ok: false, message: 'windowMs must be a positive integer (milliseconds)' };
  if (collector === undefined) return { ok: true, windowMs };
  const max = collector.maxWindowMs;
  if (max === 0) return { ok: false, message: 'windowMs is not available: the collector keeps no rolling windows (maxWindowMs: 0)' };
  if (windowMs > max) return { ok: false, message: `windowMs must be at most ${max} (the collector's maxWindowMs); got ${windowMs}` };
  return { ok: true, windowMs };
}

/** A JSON-ready snapshot of a router's metrics and provider states. */
export function buildLlmRouterStats(router: LlmRouter, collector: MetricsCollector | undefined, windowMs: number | null): LlmRouterStats {
  return {
    generatedAt: new Date().toISOString(),
    windowMs,
    summary: collector === undefined ? null : summaryOnly(collector.getSummary()),
    aggregated: collector === undefined ? [] : collector.getAggregatedMetrics(windowMs === null ? undefined : { windowMs }),
    comparison: collector === undefined ? [] : collector.compareProviders(),
    providers: router.getProviderStatus(),
  };
}

function summaryOnly(summary: MetricsSummary): Omit<MetricsSummary, 'aggregated'> {
  const { aggregated: _aggregated, ...totals } = summary;
  return totals;
}
