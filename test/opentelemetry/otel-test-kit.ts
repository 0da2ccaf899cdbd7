import assert from 'node:assert/strict';
import type { Attributes, HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A pull reader: `collect()` returns what the meter provider holds now. */
class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** An SDK meter provider and tracer provider that keep everything in memory. */
export interface TestTelemetry {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
  readonly spanExporter: InMemorySpanExporter;
  /** Every metric collected now, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  /** The finished spans, in the order they ended. */
  spans(): ReadableSpan[];
  shutdown(): Promise<void>;
}

export function createTestTelemetry(): TestTelemetry {
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  return {
    meterProvider,
    tracerProvider,
    spanExporter,
    async metrics() {
      const { resourceMetrics, errors } = await reader.collect();
      assert.deepEqual(errors, []);
      const out = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) out.set(metric.descriptor.name, metric);
      return out;
    },
    spans: () => spanExporter.getFinishedSpans(),
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** The histogram of that name (fails if it is missing or not a histogram). */
export function histogram(metrics: Map<string, MetricData>, name: string): HistogramMetricData {
  const metric = metrics.get(name);
  assert.ok(metric !== undefined, `no metric ${name} (have: ${[...metrics.keys()].join(', ')})`);
  assert.equal(metric.dataPointType, DataPointType.HISTOGRAM, `${name} is a histogram`);
  return metric as HistogramMetricData;
}

/** The data point of a histogram whose attributes include every given one. */
export function pointWith(metric: HistogramMetricData, attributes: Attributes): HistogramMetricData['dataPoints'][number] {
  const matches = metric.dataPoints.filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
  assert.equal(matches.length, 1, `one ${metric.descriptor.name} point with ${JSON.stringify(attributes)}; points: ${JSON.stringify(metric.dataPoints.map((p) => p.attributes))}`);
  return matches[0]!;
}

/** Milliseconds of an HrTime. */
export function hrMillis(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}

/** The messages the router is asked in these tests. */
export const MESSAGES = [
  { role: 'system' as const, content: 'Answer briefly.' },
  { role: 'user' as const, content: 'What is the capital of France?' },
];
