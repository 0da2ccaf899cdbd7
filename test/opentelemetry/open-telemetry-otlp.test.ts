import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LlmRouter } from '../../lib/index.js';
import { instrumentOpenTelemetry } from '../../lib/opentelemetry/index.js';
import { MESSAGES } from './otel-test-kit.js';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; arrayValue?: unknown };
}

function attributesOf(list: OtlpAttribute[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list) out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue ?? value.arrayValue));
  return out;
}

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

test('the documented Node SDK setup delivers the GenAI metrics and spans over OTLP/HTTP', async () => {
  const received: Array<{ path: string; json: any }> = [];
  const receiver = createServer((req, res) => {
    void body(req).then((text) => {
      received.push({ path: req.url ?? '', json: JSON.parse(text) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const resource = resourceFromAttributes({ 'service.name': 'otlp-test' });
  const meterProvider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }), exportIntervalMillis: 60_000 })],
  });
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
  const router = new LlmRouter({ providers: [{ providerType: 'mock', defaultModel: 'mock-model' }], metricsEnabled: false });
  try {
    instrumentOpenTelemetry(router);
    await trace.getTracer('app').startActiveSpan('GET /chat', async (span) => {
      await router.chat.completions.create({ messages: MESSAGES });
      span.end();
    });
    await router.close();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  } finally {
    metrics.disable();
    trace.disable();
    context.disable();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }

  const metricPosts = received.filter((r) => r.path === '/v1/metrics');
  const allMetrics = metricPosts.flatMap((r) => r.json.resourceMetrics.flatMap((rm: any) => rm.scopeMetrics.flatMap((sm: any) => sm.metrics)));
  const duration = allMetrics.find((m: any) => m.name === 'gen_ai.client.operation.duration');
  assert.ok(duration, `metrics received: ${allMetrics.map((m: any) => m.name).join(', ')}`);
  assert.equal(duration.unit, 's');
  const point = duration.histogram.dataPoints[0];
  assert.deepEqual(point.explicitBounds, [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);
  assert.equal(Number(point.count), 1);
  assert.equal(attributesOf(point.attributes)['gen_ai.request.model'], 'mock-model');
  const tokens = allMetrics.find((m: any) => m.name === 'gen_ai.client.token.usage');
  assert.equal(tokens.unit, '{token}');
  assert.deepEqual(
    tokens.histogram.dataPoints.map((p: any) => attributesOf(p.attributes)['gen_ai.token.type']).sort(),
    ['input', 'output'],
  );

  const spans = received
    .filter((r) => r.path === '/v1/traces')
    .flatMap((r) => r.json.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => ({ ...s, scope: ss.scope.name })))));
  const parent = spans.find((s: any) => s.name === 'GET /chat');
  const attempt = spans.find((s: any) => s.name === 'chat mock-model');
  assert.ok(parent && attempt, `spans received: ${spans.map((s: any) => s.name).join(', ')}`);
  assert.equal(attempt.kind, 3, 'SPAN_KIND_CLIENT');
  assert.equal(attempt.scope, 'llm-api-router');
  assert.equal(attempt.traceId, parent.traceId);
  assert.equal(attempt.parentSpanId, parent.spanId);
  const a = attributesOf(attempt.attributes);
  assert.equal(a['gen_ai.operation.name'], 'chat');
  assert.equal(a['gen_ai.provider.name'], 'mock');
  assert.equal(typeof a['gen_ai.usage.output_tokens'], 'number');
});
