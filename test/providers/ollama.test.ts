import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../lib/client.js';
import {
  AbortError,
  AuthenticationError,
  BadRequestError,
  LlmRouterError,
  NotFoundError,
  PermissionDeniedError,
  ProviderError,
  RateLimitError,
  StreamError,
  TimeoutError,
} from '../../lib/errors/llm-router-error.js';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { MockProviderServer, mockEmbedding } from '../../lib/testing/index.js';
import type { ChatCompletionChunk, ChatMessage, ChatTool } from '../../lib/types/chat.js';
import type { ClientOptions } from '../../lib/types/provider-config.js';

// The `ollama` provider (native /api/chat, NDJSON) against the local server's Ollama format, through a real `Client`.

const weatherTool: ChatTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

async function collectUntilError(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

function textOf(chunks: ChatCompletionChunk[]): string {
  return chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
}

function toolCallsOf(chunks: ChatCompletionChunk[]): Array<{ id: string; name: string; arguments: string }> {
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const c of chunks) {
    for (const d of c.choices[0]?.delta.toolCalls ?? []) {
      const call = (calls[d.index] ??= { id: '', name: '', arguments: '' });
      if (d.id !== undefined) call.id = d.id;
      if (d.function?.name !== undefined) call.name += d.function.name;
      if (d.function?.arguments !== undefined) call.arguments += d.function.arguments;
    }
  }
  return calls;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), 'condition not reached');
}

describe('ollama provider', () => {
  let server: MockProviderServer;
  const clients: Client[] = [];

  function client(extra: Partial<ClientOptions> = {}): Client {
    const c = new Client({
      providerType: 'ollama',
      baseUrl: server.url,
      defaultModel: 'llama-test',
      metricsEnabled: false,
      maxRetries: 0,
      circuitBreaker: false,
      ...extra,
    } as ClientOptions);
    clients.push(c);
    return c;
  }

  before(async () => {
    server = await MockProviderServer.start();
  });
  beforeEach(() => server.reset());
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
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
    assert.equal(res.provider, 'ollama');
    assert.equal(res.model, 'llama-test');
    assert.match(res.id, /^ollama-/);
    assert.equal(res.choices[0]!.message.content, 'Echo: hello there');
    assert.equal(res.choices[0]!.finishReason, 'stop');
    assert.deepEqual(res.usage, { promptTokens: 6, completionTokens: 3, totalTokens: 9 });

    const logged = server.requests[0]!;
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

  test('a configured key is sent as a bearer token (for proxies); done_reason length maps to length', async () => {
    server.configure({ reply: 'one two three four five' });
    const res = await client({ apiKey: 'ollama-proxy-token-123456' }).chat.completions.create({
      messages: [{ role: 'user', content: 'count' }],
      maxTokens: 2,
    });
    assert.equal(res.choices[0]!.message.content, 'one two');
    assert.equal(res.choices[0]!.finishReason, 'length');
    assert.equal(server.requests[0]!.headers.authorization, 'Bearer [REDACTED]');
  });

  test('streaming: NDJSON lines until done: true; content reassembled, finish reason, usage on the last chunk', async () => {
    server.configure({ reply: 'alpha beta gamma delta epsilon', chunkCount: 4 });
    const stream = await client().chat.completions.create({ messages: [{ role: 'user', content: 'go now' }], stream: true });
    const chunks = await collect(stream);
    assert.equal(textOf(chunks), 'alpha beta gamma delta epsilon');
    assert.ok(chunks.filter((c) => c.choices[0]?.delta.content).length >= 4);
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    assert.ok(chunks.every((c) => c.id === chunks[0]!.id && c.provider === 'ollama' && c.model === 'llama-test'));
    assert.deepEqual(chunks.map((c) => c.choices[0]?.finishReason).filter((f) => f != null), ['stop']);
    const last = chunks[chunks.length - 1]!;
    assert.deepEqual(last.usage, { promptTokens: 2, completionTokens: 5, totalTokens: 7 });
    assert.ok(chunks.slice(0, -1).every((c) => c.usage == null));
    assert.equal((server.requests[0]!.body as any).stream, true);
    assert.equal(server.requests[0]!.headers.accept, 'application/x-ndjson');
  });

  test('tool calls out: arguments sent as objects, tool results carry tool_name; toolChoice none sends no tools', async () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', toolCallId: 'call_1', content: '{"tempC":21}' },
    ];
    const c = client();
    await c.chat.completions.create({ messages, tools: [weatherTool] });
    const body = server.requests[0]!.body as any;
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } }, id: 'call_1' }] },
      { role: 'tool', content: '{"tempC":21}', tool_name: 'get_weather' },
    ]);
    assert.deepEqual(body.tools, [{ type: 'function', function: weatherTool.function }]);

    await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], tools: [weatherTool], toolChoice: 'none' });
    assert.equal((server.requests[1]!.body as any).tools, undefined);
  });

  test('tool calls back: object arguments become JSON text; finish reason tool_calls; made-up ids are not sent back', async () => {
    server.configure({ toolArguments: { city: 'Paris', days: 2 } });
    const c = client();
    const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] });
    const choice = res.choices[0]!;
    assert.equal(choice.finishReason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.equal(choice.message.toolCalls!.length, 1);
    const call = choice.message.toolCalls![0]!;
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
    assert.deepEqual((server.requests[1]!.body as any).messages[1].tool_calls, [
      { function: { name: 'get_weather', arguments: { city: 'Paris', days: 2 } } },
    ]);
  });

  test('streamed tool call: one line with the whole call; arguments as JSON text; finish reason tool_calls', async () => {
    server.configure({ toolArguments: { city: 'Oslo' } });
    const stream = await client().chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool], stream: true });
    const chunks = await collect(stream);
    const calls = toolCallsOf(chunks);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.name, 'get_weather');
    assert.equal(calls[0]!.arguments, '{"city":"Oslo"}');
    assert.match(calls[0]!.id, /^ollama_call_/);
    assert.deepEqual(chunks.map((c) => c.choices[0]?.finishReason).filter((f) => f != null), ['tool_calls']);
  });

  test('image parts: data URLs become base64 images; an http URL is refused before any call', async () => {
    const c = client();
    await c.chat.completions.create({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this' },
            { type: 'image_url', imageUrl: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    assert.deepEqual((server.requests[0]!.body as any).messages[0], { role: 'user', content: 'what is this', images: ['iVBORw0KGgo='] });
    await assert.rejects(
      c.chat.completions.create({
        messages: [{ role: 'user', content: [{ type: 'image_url', imageUrl: { url: 'https://example.com/a.png' } }] }],
      }),
      (e: unknown) => e instanceof BadRequestError && e.field === 'messages[0].content[0].imageUrl.url',
    );
    assert.equal(server.requests.length, 1);
  });

  test('error statuses map to typed errors with the body message and Retry-After', async () => {
    const cases: Array<[number, new (...args: any[]) => LlmRouterError, string]> = [
      [400, BadRequestError, 'invalid request'],
      [401, AuthenticationError, 'unauthorized'],
      [403, PermissionDeniedError, 'forbidden'],
      [404, NotFoundError, 'not found'],
      [429, RateLimitError, 'too many requests'],
      [500, ProviderError, 'llama runner process has terminated'],
      [503, ProviderError, 'server busy'],
    ];
    const c = client();
    for (const [status, ErrorClass, message] of cases) {
      server.enqueueFault({ status, headers: status === 429 ? { 'retry-after': '1' } : {} });
      const error = await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }).then(
        () => assert.fail(`status ${status} did not throw`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ErrorClass, `${status} -> ${ErrorClass.name}, got ${(error as Error).name}`);
      assert.equal(error.statusCode, status);
      assert.equal(error.provider, 'ollama');
      assert.ok(error.message.includes(message), error.message);
      if (status === 429) assert.equal(error.retryAfterMs, 1000);
    }
  });

  test('an unknown model is a NotFoundError with Ollama\'s message; a proxy key never appears in errors', async () => {
    server.configure({ models: ['llama-test'], strictModels: true });
    const key = 'proxy-secret-token-abcdef123456';
    const error = await client({ apiKey: key }).chat.completions.create({ messages: [{ role: 'user', content: 'x' }], model: 'nope' }).catch((e: unknown) => e);
    assert.ok(error instanceof NotFoundError, String(error));
    assert.match(error.message, /model "nope" not found, try pulling it first/);
    assert.ok(!error.message.includes(key));
  });

  test('retry: a 503 then success with maxRetries 1; events show request.retry', async () => {
    server.enqueueFault({ status: 503 });
    const c = client({ maxRetries: 1, retry: { initialDelayMs: 1, maxDelayMs: 10 } });
    const events: RouterEvent[] = [];
    c.on('request.retry', (e) => events.push(e));
    const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'again' }] });
    assert.equal(res.choices[0]!.message.content, 'Echo: again');
    assert.equal(server.requests.length, 2);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type === 'request.retry' && events[0]!.errorType, 'ProviderError');
  });

  test('abort: the caller signal aborts a slow request with AbortError', async () => {
    server.enqueueFault({ hang: true });
    const ac = new AbortController();
    const pending = client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }], signal: ac.signal });
    await waitFor(() => server.requests.length === 1);
    ac.abort();
    await assert.rejects(pending, AbortError);
  });

  test('timeout: timeoutMs on a delayed answer gives TimeoutError', async () => {
    server.enqueueFault({ delayMs: 5_000 });
    await assert.rejects(client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }], timeoutMs: 100 }), TimeoutError);
  });

  test('stream cut mid-way: StreamError thrown to the consumer', async () => {
    server.configure({ reply: 'a b c d e f g h', chunkCount: 8 });
    server.enqueueFault({ cutAfterChunks: 3 });
    const { chunks, error } = await collectUntilError(
      await client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true }),
    );
    assert.ok(error instanceof StreamError, String(error));
    assert.equal(textOf(chunks), 'a b c');
  });

  test('a stream without its done: true line: StreamError', async () => {
    server.enqueueFault({ endWithoutTerminator: true });
    const { chunks, error } = await collectUntilError(
      await client().chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
    );
    assert.ok(error instanceof StreamError, String(error));
    assert.equal(textOf(chunks), 'Echo: hi');
  });

  test('a malformed line: StreamError', async () => {
    server.enqueueFault({ malformedChunk: true });
    const { error } = await collectUntilError(
      await client().chat.completions.create({ messages: [{ role: 'user', content: 'one two three four' }], stream: true }),
    );
    assert.ok(error instanceof StreamError, String(error));
    assert.match((error as Error).message, /malformed/);
  });

  test('an {"error": …} line mid-stream: ProviderError with its message', async () => {
    server.enqueueFault({ midStreamError: { message: 'out of memory' } });
    const { error } = await collectUntilError(
      await client().chat.completions.create({ messages: [{ role: 'user', content: 'one two three four' }], stream: true }),
    );
    assert.ok(error instanceof ProviderError, String(error));
    assert.match((error as Error).message, /out of memory/);
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
    assert.equal(server.requests[0]!.path, '/api/embed');
    assert.deepEqual(server.requests[0]!.body, { model: 'embed-test', input: ['hello world', 'bye'] });
  });
});
