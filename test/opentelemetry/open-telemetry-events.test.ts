import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Subject } from 'rxjs';
import type { AttemptEndEvent, AttemptStartEvent, ChatMessage, RequestStartEvent, RouterEvent } from '../../lib/index.js';
import { genAiProviderName, instrumentOpenTelemetry } from '../../lib/opentelemetry/index.js';
import { createTestTelemetry, histogram, pointWith, type TestTelemetry } from './otel-test-kit.js';

// The subscriber driven by hand-built events carrying every field the contract gives them, so that what it
// makes of each field is pinned whatever a particular router fills in.

const contextManager = new AsyncLocalStorageContextManager();
let telemetry: TestTelemetry;

before(() => {
  context.setGlobalContextManager(contextManager.enable());
});
after(() => {
  context.disable();
});
afterEach(async () => {
  await telemetry?.shutdown();
});

const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'Answer briefly.' },
  { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image_url', imageUrl: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
  { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
  { role: 'tool', toolCallId: 'call_1', content: 'rainy, 14 °C' },
];

function requestStart(requestId: string, extra: Partial<RequestStartEvent> = {}): RequestStartEvent {
  return { type: 'request.start', requestId, timestamp: Date.now(), operation: 'chat', model: null, stream: false, candidates: ['eu'], messages: MESSAGES, ...extra };
}

function attemptStart(requestId: string, extra: Partial<AttemptStartEvent> = {}): AttemptStartEvent {
  return {
    type: 'attempt.start',
    requestId,
    timestamp: Date.now(),
    operation: 'chat',
    provider: 'eu',
    model: 'gpt-4o-mini',
    attempt: 1,
    stream: false,
    providerType: 'azure-openai',
    serverAddress: 'example.openai.azure.com',
    serverPort: 443,
    ...extra,
  };
}

function attemptEnd(requestId: string, extra: Partial<AttemptEndEvent> = {}): AttemptEndEvent {
  return {
    type: 'attempt.end',
    requestId,
    timestamp: Date.now(),
    operation: 'chat',
    provider: 'eu',
    model: 'gpt-4o-mini',
    attempt: 1,
    success: true,
    latencyMs: 250,
    statusCode: 200,
    errorType: null,
    usage: { promptTokens: 40, completionTokens: 12, totalTokens: 52, promptTokensDetails: { cachedTokens: 32 }, completionTokensDetails: { reasoningTokens: 4 } },
    stream: false,
    ttftMs: null,
    finishReason: 'stop',
    abandoned: false,
    providerType: 'azure-openai',
    rateLimit: null,
    responseId: 'chatcmpl-123',
    costUsd: 0.0000123,
    responseModel: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Rainy, 14 °C.', reasoning: 'The tool said so.', refusal: null }, finishReason: 'stop' }],
    ...extra,
  };
}

function requestEnd(requestId: string): RouterEvent {
  return { type: 'request.end', requestId, timestamp: Date.now(), operation: 'chat', success: true, provider: 'eu', model: 'gpt-4o-mini', latencyMs: 260, attempts: 1, errorType: null, usage: null, stream: false, requestedModel: 'gpt-4o-mini', statusCode: null, overheadMs: 1, costUsd: 0.0000123 };
}

function run(events$: Subject<RouterEvent>, requestId: string, extra: { start?: Partial<RequestStartEvent>; end?: Partial<AttemptEndEvent> } = {}): void {
  events$.next(requestStart(requestId, extra.start));
  events$.next(attemptStart(requestId));
  events$.next(attemptEnd(requestId, extra.end));
  events$.next(requestEnd(requestId));
}

describe('attributes from the event fields', () => {
  test('provider type, server, response model and id, usage details', async () => {
    telemetry = createTestTelemetry();
    const events$ = new Subject<RouterEvent>();
    instrumentOpenTelemetry({ events$ }, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    run(events$, 'r1');
    const [span] = telemetry.spans();
    assert.equal(span!.name, 'chat gpt-4o-mini');
    assert.deepEqual(
      { ...span!.attributes },
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'azure.ai.openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'server.address': 'example.openai.azure.com',
        'server.port': 443,
        'llm_router.request_id': 'r1',
        'llm_router.provider': 'eu',
        'llm_router.attempt': 1,
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.response.id': 'chatcmpl-123',
        'gen_ai.usage.input_tokens': 40,
        'gen_ai.usage.output_tokens': 12,
        'gen_ai.usage.cache_read.input_tokens': 32,
        'gen_ai.usage.reasoning.output_tokens': 4,
        'gen_ai.response.finish_reasons': ['stop'],
        'llm_router.cost_usd': 0.0000123,
      },
    );
    const metrics = await telemetry.metrics();
    const expected = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'azure.ai.openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'server.address': 'example.openai.azure.com',
      'server.port': 443,
    };
    const duration = pointWith(histogram(metrics, 'gen_ai.client.operation.duration'), {});
    assert.deepEqual(duration.attributes, expected);
    assert.equal(duration.value.sum, 0.25);
    const input = pointWith(histogram(metrics, 'gen_ai.client.token.usage'), { 'gen_ai.token.type': 'input' });
    assert.deepEqual(input.attributes, { ...expected, 'gen_ai.token.type': 'input' });
    assert.equal(input.value.sum, 40);
  });

  test('the conventions well-known provider names, else the provider type', () => {
    assert.deepEqual(
      ['openai', 'azure-openai', 'anthropic', 'gemini', 'deepseek', 'groq', 'mistral', 'xai', 'ollama', 'openrouter', 'zhipu', 'aliyun', 'openai-compatible', 'mock', 'constructor'].map(
        genAiProviderName,
      ),
      ['openai', 'azure.ai.openai', 'anthropic', 'gcp.gemini', 'deepseek', 'groq', 'mistral_ai', 'x_ai', 'ollama', 'openrouter', 'zhipu', 'aliyun', 'openai-compatible', 'mock', 'constructor'],
    );
  });

  test('a failed attempt: ERROR status, error.type on the span and the duration, no response attributes', async () => {
    telemetry = createTestTelemetry();
    const events$ = new Subject<RouterEvent>();
    instrumentOpenTelemetry({ events$ }, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider, captureContent: true });
    run(events$, 'r1', {
      end: { success: false, statusCode: 429, errorType: 'RateLimitError', usage: null, finishReason: null, responseId: null, responseModel: null, choices: null },
    });
    const [span] = telemetry.spans();
    assert.equal(span!.status.code, SpanStatusCode.ERROR);
    assert.equal(span!.attributes['error.type'], 'RateLimitError');
    assert.equal(span!.attributes['http.response.status_code'], 429);
    assert.equal(span!.attributes['gen_ai.response.model'], undefined);
    assert.equal(span!.attributes['gen_ai.output.messages'], undefined);
    const duration = pointWith(histogram(await telemetry.metrics(), 'gen_ai.client.operation.duration'), {});
    assert.equal(duration.attributes['error.type'], 'RateLimitError');
    assert.equal(duration.attributes['gen_ai.response.model'], undefined);
  });

  test('an attempt whose end was never reported ends with its request', async () => {
    telemetry = createTestTelemetry();
    const events$ = new Subject<RouterEvent>();
    instrumentOpenTelemetry({ events$ }, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    events$.next(requestStart('r1'));
    events$.next(attemptStart('r1'));
    events$.next({ ...(requestEnd('r1') as Extract<RouterEvent, { type: 'request.end' }>), success: false, errorType: 'AbortError' });
    const [span] = telemetry.spans();
    assert.equal(span!.status.code, SpanStatusCode.ERROR);
    assert.equal(span!.attributes['error.type'], 'AbortError');
  });

  test('a request whose request.end never comes is forgotten once 10,000 newer ones are open', async () => {
    telemetry = createTestTelemetry();
    const events$ = new Subject<RouterEvent>();
    instrumentOpenTelemetry({ events$ }, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const tracer = telemetry.tracerProvider.getTracer('test');
    const parent = tracer.startSpan('caller');
    const callerContext = trace.setSpan(context.active(), parent);
    context.with(callerContext, () => events$.next(requestStart('forgotten')));
    for (let i = 0; i < 10_000; i++) events$.next(requestStart(`open-${i}`));
    context.with(callerContext, () => events$.next(requestStart('recent')));
    for (const id of ['forgotten', 'recent']) {
      events$.next(attemptStart(id));
      events$.next(attemptEnd(id));
    }
    parent.end();
    const spanOf = (id: string) => telemetry.spans().find((s) => s.attributes['llm_router.request_id'] === id)!;
    assert.equal(spanOf('recent').parentSpanContext?.spanId, parent.spanContext().spanId);
    const forgotten = spanOf('forgotten');
    assert.equal(forgotten.parentSpanContext, undefined, 'its parent context was dropped with it');
  });
});

describe('content capture', () => {
  test('off by default: no prompt or completion anywhere', async () => {
    telemetry = createTestTelemetry();
    const events$ = new Subject<RouterEvent>();
    instrumentOpenTelemetry({ events$ }, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    run(events$, 'r1');
    const [span] = telemetry.spans();
    const text = JSON.stringify({ attributes: span!.attributes, events: span!.events });
    for (const secret of ['Paris', 'Rainy', 'Answer briefly', 'The tool said so']) assert.ok(!text.includes(secret), secret);
    assert.equal(span!.attributes['gen_ai.input.messages'], undefined);
    assert.equal(span!.attributes['gen_ai.output.messages'], undefined);
  });

  test('on: gen_ai.input.messages and gen_ai.output.messages in the conventions message schema', async () => {
    telemetry = createTestTelemetry();
    const events$ = new Subject<RouterEvent>();
    instrumentOpenTelemetry({ events$ }, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider, captureContent: true });
    run(events$, 'r1');
    const [span] = telemetry.spans();
    assert.deepEqual(JSON.parse(span!.attributes['gen_ai.input.messages'] as string), [
      { role: 'system', parts: [{ type: 'text', content: 'Answer briefly.' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'Weather in Paris?' },
          { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' },
        ],
      },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { location: 'Paris' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'rainy, 14 °C' }] },
    ]);
    assert.deepEqual(JSON.parse(span!.attributes['gen_ai.output.messages'] as string), [
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'The tool said so.' },
          { type: 'text', content: 'Rainy, 14 °C.' },
        ],
        finish_reason: 'stop',
      },
    ]);
  });

  test('on: every attempt of a request carries the prompt; tool calls finish as tool_call', async () => {
    telemetry = createTestTelemetry();
    const events$ = new Subject<RouterEvent>();
    instrumentOpenTelemetry({ events$ }, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider, captureContent: true });
    events$.next(requestStart('r1', { messages: [{ role: 'user', content: 'hi' }] }));
    events$.next(attemptStart('r1'));
    events$.next(attemptEnd('r1', { success: false, errorType: 'TimeoutError', statusCode: null, usage: null, choices: null }));
    events$.next(attemptStart('r1', { attempt: 2 }));
    const call = { id: 'c', type: 'function' as const, function: { name: 'f', arguments: 'not json' } };
    events$.next(attemptEnd('r1', { attempt: 2, choices: [{ index: 0, message: { role: 'assistant', content: null, toolCalls: [call], reasoning: null, refusal: null }, finishReason: 'tool_calls' }] }));
    events$.next(requestEnd('r1'));
    const spans = telemetry.spans();
    assert.equal(spans.length, 2);
    for (const span of spans) assert.equal(span.attributes['gen_ai.input.messages'], '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]');
    assert.deepEqual(JSON.parse(spans[1]!.attributes['gen_ai.output.messages'] as string), [
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c', name: 'f', arguments: 'not json' }], finish_reason: 'tool_call' },
    ]);
    assert.deepEqual(spans[1]!.attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
  });
});
