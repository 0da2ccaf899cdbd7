import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Client, LlmRouter } from '../../lib/index.js';
import { instrumentOpenTelemetry } from '../../lib/opentelemetry/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { createTestTelemetry, histogram, MESSAGES, pointWith, type TestTelemetry } from './otel-test-kit.js';

// What the router tells about each attempt (provider type, server, response id and model, messages and
// choices) and what the spans and metrics make of it, through real routers.

const KEY = 'fake-otel-test-key-not-a-secret';
const contextManager = new AsyncLocalStorageContextManager();
let telemetry: TestTelemetry;
let server: MockProviderServer;
const routers: LlmRouter[] = [];

before(async () => {
  context.setGlobalContextManager(contextManager.enable());
  server = await MockProviderServer.start({ logRequests: false });
});
after(async () => {
  context.disable();
  await server.close();
});
afterEach(async () => {
  for (const router of routers.splice(0)) await router.close();
  await telemetry.shutdown();
  server.reset();
});

function instrument<R extends LlmRouter>(router: R, captureContent = false): R {
  routers.push(router);
  telemetry = createTestTelemetry();
  instrumentOpenTelemetry(router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider, captureContent });
  return router;
}

test('the provider type names gen_ai.provider.name, whatever the provider is called', async () => {
  const router = instrument(
    new LlmRouter({
      providers: [
        { providerType: 'mock', name: 'local', defaultModel: 'mock-model', mock: { errorRate: 1, errorStatus: 503 }, maxRetries: 0 },
        { providerType: 'gemini', name: 'google', apiKey: KEY, baseUrl: `${server.url}/v1beta`, defaultModel: 'gemini-test' },
      ],
      metricsEnabled: false,
      circuitBreaker: false,
    }),
  );
  await router.chat.completions.create({ messages: MESSAGES });
  const spans = telemetry.spans();
  assert.deepEqual(
    spans.map((s) => [s.attributes['llm_router.provider'], s.attributes['gen_ai.provider.name']]),
    [
      ['local', 'mock'],
      ['google', 'gcp.gemini'],
    ],
  );
  const duration = histogram(await telemetry.metrics(), 'gen_ai.client.operation.duration');
  assert.equal(pointWith(duration, { 'gen_ai.provider.name': 'mock' }).attributes['error.type'], 'ProviderError');
  assert.equal(pointWith(duration, { 'gen_ai.provider.name': 'gcp.gemini' }).attributes['error.type'], undefined);
});

test('server address and port, response id and model, on the span and the metrics', async () => {
  const client = instrument(new Client({ providerType: 'openai', apiKey: KEY, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false }));
  const res = await client.chat.completions.create({ messages: MESSAGES });
  const { port } = new URL(server.url);
  const [span] = telemetry.spans();
  assert.equal(span!.attributes['server.address'], '127.0.0.1');
  assert.equal(span!.attributes['server.port'], Number(port));
  assert.equal(span!.attributes['gen_ai.response.id'], res.id);
  assert.equal(span!.attributes['gen_ai.response.model'], res.model);
  const metrics = await telemetry.metrics();
  const duration = pointWith(histogram(metrics, 'gen_ai.client.operation.duration'), {});
  assert.deepEqual(duration.attributes, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-test',
    'gen_ai.response.model': res.model,
    'server.address': '127.0.0.1',
    'server.port': Number(port),
  });
  const output = pointWith(histogram(metrics, 'gen_ai.client.token.usage'), { 'gen_ai.token.type': 'output' });
  assert.equal(output.attributes['server.address'], '127.0.0.1');
});

test('captureContent: the request messages and the answer on each attempt span, in the conventions schema', async () => {
  server.enqueueFault({ status: 500 });
  const client = instrument(
    new Client({ providerType: 'openai', apiKey: KEY, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false, retry: { maxRetries: 1, initialDelayMs: 1 } }),
    true,
  );
  const res = await client.chat.completions.create({ messages: MESSAGES });
  const spans = telemetry.spans();
  assert.equal(spans.length, 2);
  for (const span of spans) {
    assert.deepEqual(JSON.parse(span.attributes['gen_ai.input.messages'] as string), [
      { role: 'system', parts: [{ type: 'text', content: 'Answer briefly.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'What is the capital of France?' }] },
    ]);
  }
  assert.equal(spans[0]!.attributes['gen_ai.output.messages'], undefined, 'the failed attempt has no answer');
  assert.deepEqual(JSON.parse(spans[1]!.attributes['gen_ai.output.messages'] as string), [
    { role: 'assistant', parts: [{ type: 'text', content: res.choices[0]!.message.content }], finish_reason: 'stop' },
  ]);
});

test('captureContent off: the prompt and the answer appear nowhere in the telemetry', async () => {
  const client = instrument(new Client({ providerType: 'openai', apiKey: KEY, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false }));
  const res = await client.chat.completions.create({ messages: MESSAGES });
  const text = JSON.stringify([telemetry.spans().map((s) => [s.attributes, s.events]), [...(await telemetry.metrics()).values()]]);
  for (const content of ['capital of France', 'Answer briefly', res.choices[0]!.message.content!]) assert.ok(!text.includes(content), content);
});
