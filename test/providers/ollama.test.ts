import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError, NotFoundError, ProviderError } from '../../lib/errors/llm-router-error.js';
import { mockEmbedding } from '../../lib/testing/index.js';
import { drain } from '../core/core-test-kit.js';
import {
  assertCompletion,
  BARE_CLIENT_OPTIONS,
  describeProviderContract,
  finishReasons,
  streamedToolCalls,
  requestToolCall,
  streamFiveWords,
  toolConversation,
  useMockProviderServer,
  userMessageWithImages,
  WEATHER_TOOL,
} from '../support/provider-test-kit.js';

// The `ollama` provider (native /api/chat, NDJSON) against the local server's Ollama format, through a real `Client`.

describe('ollama provider', () => {
  const bed = useMockProviderServer((server) => ({ ...BARE_CLIENT_OPTIONS, providerType: 'ollama', baseUrl: server.url, defaultModel: 'llama-test' }));
  const client = bed.client;

  describeProviderContract(bed, {
    provider: 'ollama',
    maxTokensIn: (body) => body.options.num_predict,
    errorMessages: {
      400: 'invalid request',
      401: 'unauthorized',
      403: 'forbidden',
      404: 'not found',
      429: 'too many requests',
      500: 'llama runner process has terminated',
      503: 'server busy',
    },
    retryAfterSeconds: 1,
    streamCut: { afterChunks: 3, text: 'a b c' },
    missingTerminator: { name: 'done: true line', prompt: 'hi', text: 'Echo: hi' },
    midStreamErrors: [{ fault: { message: 'out of memory' }, errorClass: ProviderError, message: /out of memory/ }],
  });

  test('non-streaming: POST /api/chat with stream false, options, format json; no key, no Authorization', async () => {
    const res = await client().chat.completions.create({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'developer', content: 'be kind' },
        { role: 'user', content: 'hello there' },
      ],
      temperature: 0.2,
      topP: 0.7,
      maxTokens: 50,
      stop: 'END',
      seed: 3,
      responseFormat: { type: 'json_object' },
    });
    assertCompletion(res, {
      id: /^ollama-/,
      provider: 'ollama',
      model: 'llama-test',
      content: 'Echo: hello there',
      finishReason: 'stop',
      usage: { promptTokens: 6, completionTokens: 3, totalTokens: 9 },
    });

    const logged = bed.server.requests[0]!;
    assert.equal(logged.path, '/api/chat');
    assert.equal(logged.headers.authorization, undefined);
    assert.deepEqual(logged.body, {
      model: 'llama-test',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'system', content: 'be kind' },
        { role: 'user', content: 'hello there' },
      ],
      stream: false,
      options: { temperature: 0.2, top_p: 0.7, num_predict: 50, stop: ['END'], seed: 3 },
      format: 'json',
    });
  });

  test('a configured key is sent as a bearer token (for proxies)', async () => {
    await client({ apiKey: 'ollama-proxy-token-123456' }).chat.completions.create({ messages: [{ role: 'user', content: 'count' }] });
    assert.equal(bed.server.requests[0]!.headers.authorization, 'Bearer [REDACTED]');
  });

  test('streaming: NDJSON lines until done: true; content reassembled, finish reason, usage on the last chunk', async () => {
    const { chunks } = await streamFiveWords(bed, 'ollama');
    assert.ok(chunks.every((c) => c.id === chunks[0]!.id && c.model === 'llama-test'));
    assert.equal((bed.server.requests[0]!.body as any).stream, true);
    assert.equal(bed.server.requests[0]!.headers.accept, 'application/x-ndjson');
  });

  test('tool calls out: arguments sent as objects, tool results carry tool_name; toolChoice none sends no tools', async () => {
    const messages = toolConversation('weather in Paris?', null, [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', result: '{"tempC":21}' }]);
    const c = client();
    await c.chat.completions.create({ messages, tools: [WEATHER_TOOL] });
    const body = bed.server.requests[0]!.body as any;
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } }, id: 'call_1' }] },
      { role: 'tool', content: '{"tempC":21}', tool_name: 'get_weather' },
    ]);
    assert.deepEqual(body.tools, [{ type: 'function', function: WEATHER_TOOL.function }]);

    await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], tools: [WEATHER_TOOL], toolChoice: 'none' });
    assert.equal((bed.server.requests[1]!.body as any).tools, undefined);
  });

  test('tool calls back: object arguments become JSON text; finish reason tool_calls; made-up ids are not sent back', async () => {
    const c = client();
    const calls = await requestToolCall(c, bed.server, WEATHER_TOOL, { city: 'Paris', days: 2 });
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    assert.equal(call.type, 'function');
    assert.deepEqual(call.function, { name: 'get_weather', arguments: '{"city":"Paris","days":2}' });
    assert.match(call.id, /^ollama_call_/);

    await c.chat.completions.create({
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, toolCalls: [call] },
        { role: 'tool', toolCallId: call.id, content: 'sunny' },
      ],
    });
    assert.deepEqual((bed.server.requests[1]!.body as any).messages[1].tool_calls, [
      { function: { name: 'get_weather', arguments: { city: 'Paris', days: 2 } } },
    ]);
  });

  test('streamed tool call: one line with the whole call; arguments as JSON text; finish reason tool_calls', async () => {
    bed.server.configure({ toolArguments: { city: 'Oslo' } });
    const stream = await client().chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL], stream: true });
    const chunks = await drain(stream);
    const calls = streamedToolCalls(chunks);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.name, 'get_weather');
    assert.equal(calls[0]!.arguments, '{"city":"Oslo"}');
    assert.match(calls[0]!.id, /^ollama_call_/);
    assert.deepEqual(finishReasons(chunks), ['tool_calls']);
  });

  test('image parts: data URLs become base64 images; an http URL is refused before any call', async () => {
    const c = client();
    await c.chat.completions.create({ messages: [userMessageWithImages('what is this', 'data:image/png;base64,iVBORw0KGgo=')] });
    assert.deepEqual((bed.server.requests[0]!.body as any).messages[0], { role: 'user', content: 'what is this', images: ['iVBORw0KGgo='] });
    await assert.rejects(
      c.chat.completions.create({ messages: [userMessageWithImages(undefined, 'https://example.com/a.png')] }),
      (e: unknown) => e instanceof BadRequestError && e.field === 'messages[0].content[0].imageUrl.url',
    );
    assert.equal(bed.server.requests.length, 1);
  });

  test('an unknown model is a NotFoundError with Ollama\'s message; a proxy key never appears in errors', async () => {
    bed.server.configure({ models: ['llama-test'], strictModels: true });
    const key = 'proxy-secret-token-abcdef123456';
    const error = await client({ apiKey: key }).chat.completions.create({ messages: [{ role: 'user', content: 'x' }], model: 'nope' }).catch((e: unknown) => e);
    assert.ok(error instanceof NotFoundError, String(error));
    assert.match(error.message, /model "nope" not found, try pulling it first/);
    assert.ok(!error.message.includes(key));
  });

  test('embeddings: POST /api/embed {model, input}; vectors and prompt_eval_count usage', async () => {
    const res = await client().embeddings.create({ input: ['hello world', 'bye'], model: 'embed-test' });
    assert.equal(res.provider, 'ollama');
    assert.equal(res.model, 'embed-test');
    assert.deepEqual(res.data, [
      { object: 'embedding', index: 0, embedding: mockEmbedding('hello world', 8) },
      { object: 'embedding', index: 1, embedding: mockEmbedding('bye', 8) },
    ]);
    assert.deepEqual(res.usage, { promptTokens: 3, totalTokens: 3 });
    assert.equal(bed.server.requests[0]!.path, '/api/embed');
    assert.deepEqual(bed.server.requests[0]!.body, { model: 'embed-test', input: ['hello world', 'bye'] });
  });
});
