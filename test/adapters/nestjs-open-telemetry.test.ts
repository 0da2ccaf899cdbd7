import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LlmRouterModule } from '../../adapters/nestjs/index.js';
import { LlmRouter } from '../../lib/index.js';
import { makeModule, mockProvider, PLATFORMS, startNest } from './nest-helpers.js';

for (const platform of PLATFORMS) {
  test(`LlmRouterModule.forRoot({ openTelemetry }) exports spans and GenAI metrics, and closes with the application (${platform})`, async () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const running = await startNest(
      makeModule({ imports: [LlmRouterModule.forRoot({ providers: [mockProvider('otel-mock')], openTelemetry: { meterProvider, tracerProvider } })] }),
      platform,
    );
    const router = running.app.get(LlmRouter);
    try {
      await router.chat.completions.create({ messages: [{ role: 'user', content: 'traced' }] });
      const names = spans.getFinishedSpans().map((s) => s.name);
      assert.deepEqual(names, ['chat mock-small']);
      await reader.forceFlush();
      const metricNames = metricExporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.descriptor.name)));
      assert.ok(metricNames.includes('gen_ai.client.operation.duration'), metricNames.join());
    } finally {
      await running.app.close();
    }
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  });
}

test('openTelemetry: false (and absent) instruments nothing', async () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const running = await startNest(makeModule({ imports: [LlmRouterModule.forRoot({ providers: [mockProvider('plain')], openTelemetry: false })] }), 'express');
  try {
    await running.app.get(LlmRouter).chat.completions.create({ messages: [{ role: 'user', content: 'untraced' }] });
    assert.deepEqual(spans.getFinishedSpans(), []);
  } finally {
    await running.app.close();
    await tracerProvider.shutdown();
  }
});
