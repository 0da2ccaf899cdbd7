import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { LlmRouter, Client, ConfigurationError, MetricsCollector, type ChatCompletionChunk } from '../../lib/index.js';
import { instrumentOpenTelemetry, GENAI_CLIENT_DURATION_BUCKETS, GENAI_CLIENT_TOKEN_USAGE_BUCKETS } from '../../lib/opentelemetry/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { createTestTelemetry, histogram, hrMillis, MESSAGES, pointWith, type TestTelemetry } from './otel-test-kit.js';

const DURATION = 'gen_ai.client.operation.duration';
const TOKENS = 'gen_ai.client.token.usage';
const TTFC = 'gen_ai.client.operation.time_to_first_chunk';
const TPOC = 'gen_ai.client.operation.time_per_output_chunk';
const KEY = 'fake-otel-test-key-not-a-secret';

const contextManager = new AsyncLocalStorageContextManager();
let telemetry: TestTelemetry;
const routers: LlmRouter[] = [];

before(() => {
  context.setGlobalContextManager(contextManager.enable());
});
after(() => {
  context.disable();
});
afterEach(async () => {
  for (const router of routers.splice(0)) await router.close();
  await telemetry?.shutdown();
});

function mockRouter(extra: { completionTokens?: number; errorRate?: number; errorStatus?: number } = {}): LlmRouter {
  const router = new LlmRouter({
    providers: [{ providerType: 'mock', defaultModel: 'mock-model', mock: { completionTokens: extra.completionTokens ?? 5, ...extra } }],
    metricsEnabled: false,
  });
  routers.push(router);
  return router;
}

async function drain(stream: AsyncIterable<ChatCompletionChunk>): Promise<number> {
  let n = 0;
  for await (const _ of stream) n++;
  return n;
}

describe('metrics', () => {
  test('a chat completion records duration and token usage with the conventions names, units, buckets and attributes', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter();
    instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const res = await router.chat.completions.create({ messages: MESSAGES });
    const metrics = await telemetry.metrics();

    const duration = histogram(metrics, DURATION);
    assert.equal(duration.descriptor.unit, 's');
    assert.equal(duration.descriptor.description, 'GenAI operation duration.');
    const point = pointWith(duration, { 'gen_ai.operation.name': 'chat' });
    assert.deepEqual(point.value.buckets.boundaries, [...GENAI_CLIENT_DURATION_BUCKETS]);
    assert.deepEqual(point.value.buckets.boundaries, [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);
    assert.equal(point.value.count, 1);
    assert.ok(point.value.sum! >= 0 && point.value.sum! < 10, `duration in seconds, got ${point.value.sum}`);
    assert.equal(point.attributes['gen_ai.provider.name'], 'mock');
    assert.equal(point.attributes['gen_ai.request.model'], 'mock-model');
    assert.equal(point.attributes['error.type'], undefined);
    assert.equal(point.attributes['server.address'], undefined, 'an in-process provider has no server');

    const tokens = histogram(metrics, TOKENS);
    assert.equal(tokens.descriptor.unit, '{token}');
    const input = pointWith(tokens, { 'gen_ai.token.type': 'input' });
    const output = pointWith(tokens, { 'gen_ai.token.type': 'output' });
    assert.deepEqual(input.value.buckets.boundaries, [...GENAI_CLIENT_TOKEN_USAGE_BUCKETS]);
    assert.deepEqual(input.value.buckets.boundaries, [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]);
    assert.equal(input.value.sum, res.usage.promptTokens);
    assert.equal(output.value.sum, res.usage.completionTokens);
    assert.equal(output.value.sum, 5);
    assert.equal(input.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(input.attributes['gen_ai.request.model'], 'mock-model');
    assert.equal(metrics.has(TTFC), false, 'no stream, no time to first chunk');
  });

  test('embeddings are the embeddings operation and count input tokens only', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter();
    instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const res = await router.embeddings.create({ input: ['one two three', 'four'] });
    const metrics = await telemetry.metrics();
    pointWith(histogram(metrics, DURATION), { 'gen_ai.operation.name': 'embeddings' });
    const tokens = histogram(metrics, TOKENS);
    assert.equal(tokens.dataPoints.length, 1);
    assert.equal(pointWith(tokens, { 'gen_ai.token.type': 'input', 'gen_ai.operation.name': 'embeddings' }).value.sum, res.usage.promptTokens);
    const [span] = telemetry.spans();
    assert.equal(span!.name, 'embeddings mock-model');
    assert.equal(span!.attributes['gen_ai.usage.input_tokens'], res.usage.promptTokens);
    assert.equal(span!.attributes['gen_ai.usage.output_tokens'], undefined);
  });

  test('a stream records time to first chunk and time per output chunk, and its span the time to first chunk', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter({ completionTokens: 6 });
    instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const chunks = await drain(await router.chat.completions.create({ messages: MESSAGES, stream: true }));
    assert.ok(chunks > 1);
    const metrics = await telemetry.metrics();
    for (const name of [TTFC, TPOC]) {
      const metric = histogram(metrics, name);
      assert.equal(metric.descriptor.unit, 's', name);
      const point = pointWith(metric, { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'mock', 'gen_ai.request.model': 'mock-model' });
      assert.equal(point.value.count, 1, name);
      assert.ok(point.value.sum! >= 0, name);
      assert.deepEqual(point.value.buckets.boundaries, [...GENAI_CLIENT_DURATION_BUCKETS], name);
    }
    assert.equal(pointWith(histogram(metrics, TOKENS), { 'gen_ai.token.type': 'output' }).value.sum, 6);
    const [span] = telemetry.spans();
    const ttfc = span!.attributes['gen_ai.response.time_to_first_chunk'];
    assert.equal(typeof ttfc, 'number');
    assert.equal(ttfc, pointWith(histogram(metrics, TTFC), {}).value.sum, 'the span and the metric tell the same time to first chunk');
    assert.deepEqual(span!.attributes['gen_ai.response.finish_reasons'], ['stop']);
  });

  test('chat, embeddings and streams of one provider and model keep their own series, every attempt its own attributes', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter({ completionTokens: 4 });
    instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    await drain(await router.chat.completions.create({ messages: MESSAGES, stream: true }));
    await router.embeddings.create({ input: ['one'] });
    await drain(await router.chat.completions.create({ messages: MESSAGES, stream: true }));
    await router.chat.completions.create({ messages: MESSAGES });
    const spans = telemetry.spans();
    assert.deepEqual(spans.map((s) => s.name), ['chat mock-model', 'embeddings mock-model', 'chat mock-model', 'chat mock-model']);
    assert.deepEqual(spans.map((s) => s.attributes['gen_ai.operation.name']), ['chat', 'embeddings', 'chat', 'chat']);
    assert.deepEqual(spans[0]!.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.deepEqual(spans[2]!.attributes['gen_ai.response.finish_reasons'], ['stop']);
    assert.notEqual(spans[0]!.attributes['llm_router.request_id'], spans[2]!.attributes['llm_router.request_id']);
    const metrics = await telemetry.metrics();
    assert.equal(pointWith(histogram(metrics, DURATION), { 'gen_ai.operation.name': 'chat' }).value.count, 3);
    assert.equal(pointWith(histogram(metrics, DURATION), { 'gen_ai.operation.name': 'embeddings' }).value.count, 1);
  });

  test('a failed attempt records its duration with error.type', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter({ errorRate: 1, errorStatus: 400 });
    instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    await assert.rejects(router.chat.completions.create({ messages: MESSAGES }), { name: 'BadRequestError' });
    const metrics = await telemetry.metrics();
    const point = pointWith(histogram(metrics, DURATION), { 'error.type': 'BadRequestError' });
    assert.equal(point.value.count, 1);
    assert.equal(point.attributes['gen_ai.provider.name'], 'mock');
    assert.equal(metrics.has(TOKENS), false, 'no usage, no token metric');
  });

  test('after unsubscribing nothing more is recorded', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter();
    const subscription = instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    await router.chat.completions.create({ messages: MESSAGES });
    subscription.unsubscribe();
    await router.chat.completions.create({ messages: MESSAGES });
    assert.equal(pointWith(histogram(await telemetry.metrics(), DURATION), {}).value.count, 1);
    assert.equal(telemetry.spans().length, 1);
  });
  test('a mistyped option name is a ConfigurationError naming it, and nothing is subscribed', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter();
    assert.throws(
      () => instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, captureContents: true } as never),
      (e: unknown) => e instanceof ConfigurationError && e.field === 'options.captureContents' && /not an option of instrumentOpenTelemetry; did you mean captureContent\?/.test(e.message),
    );
    assert.throws(() => instrumentOpenTelemetry(router, 'yes' as never), (e: unknown) => e instanceof ConfigurationError && e.field === 'options');
    await router.chat.completions.create({ messages: MESSAGES });
    assert.equal((await telemetry.metrics()).size, 0);
  });
  test('closing the router ends the subscription; instrumenting a closed router returns a closed one', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter();
    const subscription = instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    await router.chat.completions.create({ messages: MESSAGES });
    assert.equal(subscription.closed, false);
    await router.close();
    assert.equal(subscription.closed, true);
    assert.equal(instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider }).closed, true);
    assert.equal(telemetry.spans().length, 1);
  });

  test('beside an events$ subscriber on the same router, both see every request', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter({ completionTokens: 3 });
    const seen: string[] = [];
    const other = router.events$.subscribe((event) => seen.push(event.type));
    instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    await router.chat.completions.create({ messages: MESSAGES });
    await drain(await router.chat.completions.create({ messages: MESSAGES, stream: true }));
    other.unsubscribe();
    assert.equal(seen.filter((type) => type === 'attempt.end').length, 2);
    assert.ok(seen.includes('stream.first_chunk'));
    const spans = telemetry.spans();
    assert.equal(spans.length, 2);
    assert.notEqual(spans[0]!.attributes['llm_router.request_id'], spans[1]!.attributes['llm_router.request_id']);
    assert.equal(typeof spans[1]!.attributes['gen_ai.response.time_to_first_chunk'], 'number');
    assert.equal(pointWith(histogram(await telemetry.metrics(), DURATION), {}).value.count, 2);
  });

  test('beside a collector on the same router, each concurrent request keeps its own span attributes', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter();
    const collector = new MetricsCollector();
    collector.attach(router);
    instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => router.chat.completions.create({ messages: [{ role: 'user', content: `question ${'x'.repeat(i * 40)}` }] })),
    );
    const spans = telemetry.spans();
    assert.equal(spans.length, 8);
    for (const res of answers) {
      const span = spans.find((s) => s.attributes['llm_router.request_id'] === res.requestId);
      assert.ok(span !== undefined, `a span for ${res.requestId}`);
      assert.equal(span.attributes['gen_ai.usage.input_tokens'], res.usage.promptTokens);
      assert.equal(span.attributes['gen_ai.usage.output_tokens'], res.usage.completionTokens);
    }
    assert.equal(new Set(answers.map((r) => r.usage.promptTokens)).size > 1, true, 'the requests differ in prompt tokens');
    assert.equal(pointWith(histogram(await telemetry.metrics(), DURATION), {}).value.count, 8);
    assert.equal(collector.getAggregatedMetrics().reduce((n, a) => n + a.totalRequests, 0), 8);
    collector.close();
  });
});

describe('spans', () => {
  let server: MockProviderServer;
  before(async () => {
    server = await MockProviderServer.start({ logRequests: false });
  });
  after(async () => {
    await server.close();
  });
  afterEach(() => server.reset());

  test('one CLIENT span per attempt, named and attributed per the conventions, a child of the caller span', async () => {
    telemetry = createTestTelemetry();
    const client = new Client({ providerType: 'openai', apiKey: KEY, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false });
    routers.push(client);
    instrumentOpenTelemetry(client, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const tracer = telemetry.tracerProvider.getTracer('test');
    const res = await tracer.startActiveSpan('handler', async (parent) => {
      try {
        return await client.chat.completions.create({ messages: MESSAGES });
      } finally {
        parent.end();
      }
    });
    const spans = telemetry.spans();
    const parent = spans.find((s) => s.name === 'handler')!;
    const attempt = spans.find((s) => s.name === 'chat gpt-test');
    assert.ok(attempt !== undefined, `spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(attempt.kind, SpanKind.CLIENT);
    assert.equal(attempt.spanContext().traceId, parent.spanContext().traceId);
    assert.equal(attempt.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.equal(attempt.status.code, SpanStatusCode.UNSET);
    const a = attempt.attributes;
    assert.equal(a['gen_ai.operation.name'], 'chat');
    assert.equal(a['gen_ai.provider.name'], 'openai');
    assert.equal(a['gen_ai.request.model'], 'gpt-test');
    assert.equal(a['gen_ai.usage.input_tokens'], res.usage.promptTokens);
    assert.equal(a['gen_ai.usage.output_tokens'], res.usage.completionTokens);
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(a['llm_router.request_id'], res.requestId);
    assert.equal(a['llm_router.attempt'], 1);
    assert.equal(a['error.type'], undefined);
    for (const key of Object.keys(a)) assert.ok(!key.startsWith('gen_ai.input') && !key.startsWith('gen_ai.output'), `no content by default (${key})`);
    assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes(KEY), 'no key in any span');
  });

  test('a request that retried and fell back: one span per attempt, same trace, same parent, the failures ERROR with error.type', async () => {
    telemetry = createTestTelemetry();
    server.enqueueFault({ status: 503 }, { times: 2, match: { format: 'openai' } });
    const router = new LlmRouter({
      providers: [
        { providerType: 'openai', apiKey: KEY, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1 } },
        { providerType: 'anthropic', apiKey: KEY, baseUrl: `${server.url}/v1`, defaultModel: 'claude-test' },
      ],
      metricsEnabled: false,
      circuitBreaker: false,
    });
    routers.push(router);
    instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const tracer = telemetry.tracerProvider.getTracer('test');
    const res = await tracer.startActiveSpan('handler', async (parent) => {
      try {
        return await router.chat.completions.create({ messages: MESSAGES });
      } finally {
        parent.end();
      }
    });
    assert.equal(res.provider, 'anthropic');
    const spans = telemetry.spans();
    const parent = spans.find((s) => s.name === 'handler')!;
    const attempts = spans.filter((s) => s !== parent).sort((x, y) => Number(x.attributes['llm_router.attempt']) - Number(y.attributes['llm_router.attempt']));
    assert.deepEqual(
      attempts.map((s) => [s.name, s.attributes['llm_router.provider'], s.attributes['gen_ai.provider.name'], s.status.code, s.attributes['error.type'] ?? null]),
      [
        ['chat gpt-test', 'openai', 'openai', SpanStatusCode.ERROR, 'ProviderError'],
        ['chat gpt-test', 'openai', 'openai', SpanStatusCode.ERROR, 'ProviderError'],
        ['chat claude-test', 'anthropic', 'anthropic', SpanStatusCode.UNSET, null],
      ],
    );
    for (const span of attempts) {
      assert.equal(span.spanContext().traceId, parent.spanContext().traceId);
      assert.equal(span.parentSpanContext?.spanId, parent.spanContext().spanId);
    }
    assert.equal(attempts[0]!.attributes['http.response.status_code'], 503);
    assert.equal(new Set(attempts.map((s) => s.spanContext().spanId)).size, 3);
    // The SDK stamps a span's start with Date.now() (whole milliseconds) and its end as start + a precise
    // duration, so a retry 1 ms after the first attempt may read as starting up to 1 ms before that end.
    assert.ok(hrMillis(attempts[0]!.endTime) <= hrMillis(attempts[1]!.startTime) + 1, 'the retry started after the first attempt ended');

    const duration = histogram(await telemetry.metrics(), DURATION);
    assert.equal(pointWith(duration, { 'error.type': 'ProviderError' }).value.count, 2);
    assert.equal(pointWith(duration, { 'gen_ai.provider.name': 'anthropic' }).value.count, 1);
  });

  test('two concurrent requests under two caller spans each nest under their own', async () => {
    telemetry = createTestTelemetry();
    server.configure({ chunkDelayMs: 2 });
    const client = new Client({ providerType: 'openai', apiKey: KEY, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false });
    routers.push(client);
    instrumentOpenTelemetry(client, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const tracer = telemetry.tracerProvider.getTracer('test');
    const call = (name: string) =>
      tracer.startActiveSpan(name, async (parent) => {
        try {
          return await drain(await client.chat.completions.create({ messages: MESSAGES, stream: true }));
        } finally {
          parent.end();
        }
      });
    await Promise.all([call('a'), call('b')]);
    const spans = telemetry.spans();
    for (const name of ['a', 'b']) {
      const parent = spans.find((s) => s.name === name)!;
      const children = spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
      assert.equal(children.length, 1, name);
      assert.equal(children[0]!.spanContext().traceId, parent.spanContext().traceId);
    }
  });

  test('a request with no active span starts a trace of its own', async () => {
    telemetry = createTestTelemetry();
    const router = mockRouter();
    instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    assert.equal(trace.getActiveSpan(), undefined);
    await router.chat.completions.create({ messages: MESSAGES });
    const [span] = telemetry.spans();
    assert.equal(span!.name, 'chat mock-model');
    assert.equal(span!.parentSpanContext, undefined);
  });

  test('a request that fails for good ends its span with status ERROR', async () => {
    telemetry = createTestTelemetry();
    server.enqueueFault({ status: 401 });
    const client = new Client({ providerType: 'openai', apiKey: KEY, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false });
    routers.push(client);
    instrumentOpenTelemetry(client, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    await assert.rejects(client.chat.completions.create({ messages: MESSAGES }), { name: 'AuthenticationError' });
    const [span] = telemetry.spans();
    assert.equal(span!.status.code, SpanStatusCode.ERROR);
    assert.equal(span!.attributes['error.type'], 'AuthenticationError');
    assert.equal(span!.attributes['http.response.status_code'], 401);
    assert.equal(span!.attributes['gen_ai.usage.input_tokens'], undefined);
  });
});
