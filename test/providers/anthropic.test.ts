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
import { MockProviderServer } from '../../lib/testing/index.js';
import type { ChatCompletionChunk, ChatMessage, ChatTool } from '../../lib/types/chat.js';
import type { ClientOptions } from '../../lib/types/provider-config.js';

// The `anthropic` provider against the local server's Anthropic Messages format, through a real `Client`.

const KEY = 'sk-ant-api03-provider-test-key-0123456789';

const weatherTool: ChatTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const timeTool: ChatTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } };

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

describe('anthropic provider', () => {
  let server: MockProviderServer;
  const clients: Client[] = [];

  function client(extra: Partial<ClientOptions> = {}): Client {
    const c = new Client({
      providerType: 'anthropic',
      apiKey: KEY,
      baseUrl: `${server.url}/v1`,
      defaultModel: 'claude-test',
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

  test('non-streaming: POST /v1/messages with the key, version, system prompt and max_tokens default; answer mapped', async () => {
    const res = await client().chat.completions.create({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there' },
      ],
      temperature: 0.3,
      topP: 0.9,
      stop: 'END',
      user: 'user-42',
    });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.id, 'msg_mock1');
    assert.equal(res.provider, 'anthropic');
    assert.equal(res.model, 'claude-test');
    assert.equal(res.choices[0]!.message.content, 'Echo: hello there');
    assert.equal(res.choices[0]!.finishReason, 'stop');
    assert.deepEqual(res.usage, { promptTokens: 4, completionTokens: 3, totalTokens: 7 });

    const logged = server.requests[0]!;
    assert.equal(logged.path, '/v1/messages');
    assert.equal(logged.headers['x-api-key'], '[REDACTED]');
    assert.equal(logged.headers['anthropic-version'], '2023-06-01');
    assert.equal(logged.headers.authorization, undefined);
    assert.deepEqual(logged.body, {
      model: 'claude-test',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'hello there' }],
      system: 'be brief',
      temperature: 0.3,
      top_p: 0.9,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
    });
  });

  test('maxTokens is sent as max_tokens and max_tokens stop maps to length; developer messages join the system prompt', async () => {
    server.configure({ reply: 'one two three four five six' });
    const res = await client().chat.completions.create({
      messages: [
        { role: 'system', content: 'rule one' },
        { role: 'developer', content: 'rule two' },
        { role: 'user', content: 'count' },
      ],
      maxTokens: 2,
    });
    assert.equal(res.choices[0]!.message.content, 'one two');
    assert.equal(res.choices[0]!.finishReason, 'length');
    const body = server.requests[0]!.body as Record<string, unknown>;
    assert.equal(body.max_tokens, 2);
    assert.equal(body.system, 'rule one\n\nrule two');
  });

  test('streaming: content reassembled, role first, finish reason, usage on the last chunk', async () => {
    server.configure({ reply: 'alpha beta gamma delta epsilon', chunkCount: 4 });
    const stream = await client().chat.completions.create({ messages: [{ role: 'user', content: 'go now' }], stream: true });
    assert.equal(stream.provider, 'anthropic');
    assert.equal(stream.model, 'claude-test');
    const chunks = await collect(stream);
    assert.equal(textOf(chunks), 'alpha beta gamma delta epsilon');
    assert.ok(chunks.filter((c) => c.choices[0]?.delta.content).length >= 4, 'text arrives in several chunks');
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    assert.equal(chunks[0]!.id, 'msg_mock1');
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.provider === 'anthropic'));
    const finishes = chunks.map((c) => c.choices[0]?.finishReason).filter((f) => f != null);
    assert.deepEqual(finishes, ['stop']);
    const last = chunks[chunks.length - 1]!;
    assert.deepEqual(last.usage, { promptTokens: 2, completionTokens: 5, totalTokens: 7 });
    assert.ok(chunks.slice(0, -1).every((c) => c.usage == null), 'usage only on the last chunk');
    const body = server.requests[0]!.body as Record<string, unknown>;
    assert.equal(body.stream, true);
    assert.equal(server.requests[0]!.headers.accept, 'text/event-stream');
  });

  test('tool calls out: assistant tool_use blocks with parsed input, tool results merged in one user turn, tools and tool_choice', async () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'weather and time in Paris?' },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [
          { id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_b', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      { role: 'tool', toolCallId: 'toolu_a', content: '{"tempC":21}' },
      { role: 'tool', toolCallId: 'toolu_b', content: '12:00' },
    ];
    const res = await client().chat.completions.create({
      messages,
      tools: [weatherTool, timeTool],
      toolChoice: { type: 'function', function: { name: 'get_time' } },
    });
    assert.equal(res.choices[0]!.finishReason, 'stop', 'after tool results the model answers in text');
    const body = server.requests[0]!.body as any;
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'weather and time in Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_b', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_a', content: '{"tempC":21}' },
          { type: 'tool_result', tool_use_id: 'toolu_b', content: '12:00' },
        ],
      },
    ]);
    assert.deepEqual(body.tools, [
      { name: 'get_weather', description: 'Weather of a city', input_schema: weatherTool.function.parameters },
      { name: 'get_time', input_schema: timeTool.function.parameters },
    ]);
    assert.deepEqual(body.tool_choice, { type: 'tool', name: 'get_time' });
  });

  test('toolChoice auto / required / none map to auto / any / none', async () => {
    const c = client();
    for (const toolChoice of ['auto', 'required', 'none'] as const) {
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], tools: [weatherTool], toolChoice });
    }
    assert.deepEqual(
      server.requests.map((r) => (r.body as any).tool_choice),
      [{ type: 'auto' }, { type: 'any' }, { type: 'none' }],
    );
  });

  test('tool calls back: tool_use blocks become toolCalls with JSON arguments and finish reason tool_calls', async () => {
    server.configure({ toolArguments: { city: 'Paris', days: 3 } });
    const res = await client().chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [weatherTool] });
    const choice = res.choices[0]!;
    assert.equal(choice.finishReason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.deepEqual(choice.message.toolCalls, [
      { id: 'toolu_mock1_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":3}' } },
    ]);
  });

  test('streamed tool call: id and name first, input_json_delta fragments reassemble to the arguments', async () => {
    server.configure({ toolArguments: { city: 'Paris', unit: 'celsius', days: 3 }, chunkCount: 4 });
    const stream = await client().chat.completions.create({
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [weatherTool],
      stream: true,
    });
    const chunks = await collect(stream);
    const fragments = chunks.flatMap((c) => c.choices[0]?.delta.toolCalls ?? []).filter((d) => d.function?.arguments);
    assert.ok(fragments.length >= 4, 'arguments arrive in several fragments');
    assert.deepEqual(toolCallsOf(chunks), [{ id: 'toolu_mock1_0', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius","days":3}' }]);
    const finishes = chunks.map((c) => c.choices[0]?.finishReason).filter((f) => f != null);
    assert.deepEqual(finishes, ['tool_calls']);
    assert.ok(chunks[chunks.length - 1]!.usage!.completionTokens > 0);
  });

  test('image parts: data URLs become base64 sources, http URLs url sources', async () => {
    await client().chat.completions.create({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'compare' },
            { type: 'image_url', imageUrl: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', imageUrl: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    assert.deepEqual((server.requests[0]!.body as any).messages[0].content, [
      { type: 'text', text: 'compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  test('tool call arguments that are not a JSON object are refused before any network call', async () => {
    await assert.rejects(
      client().chat.completions.create({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, toolCalls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{broken' } }] },
          { role: 'tool', toolCallId: 't', content: 'r' },
        ],
      }),
      (e: unknown) => e instanceof BadRequestError && e.field === 'messages[1].toolCalls[0].function.arguments',
    );
    assert.equal(server.requests.length, 0);
  });

  test('refusal maps to content_filter, streamed and not', async () => {
    server.enqueueFault({ contentFilter: true }, { times: 2 });
    const c = client();
    const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.choices[0]!.finishReason, 'content_filter');
    const chunks = await collect(await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true }));
    assert.deepEqual(chunks.map((ch) => ch.choices[0]?.finishReason).filter((f) => f != null), ['content_filter']);
  });

  test('error statuses map to typed errors with the body message, Retry-After, and no key', async () => {
    const cases: Array<[number, new (...args: any[]) => LlmRouterError, string]> = [
      [400, BadRequestError, 'invalid_request_error: Invalid request.'],
      [401, AuthenticationError, 'authentication_error: invalid x-api-key'],
      [403, PermissionDeniedError, 'permission_error: Your API key does not have permission'],
      [404, NotFoundError, 'not_found_error: The requested resource could not be found.'],
      [429, RateLimitError, 'rate_limit_error: This request would exceed the rate limit'],
      [500, ProviderError, 'api_error: Internal server error'],
      [529, ProviderError, 'overloaded_error: Overloaded'],
    ];
    const c = client();
    for (const [status, ErrorClass, message] of cases) {
      server.enqueueFault({ status, headers: status === 429 ? { 'retry-after': '7' } : {} });
      const error = await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }).then(
        () => assert.fail(`status ${status} did not throw`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ErrorClass, `${status} -> ${ErrorClass.name}, got ${(error as Error).name}`);
      assert.equal(error.statusCode, status);
      assert.equal(error.provider, 'anthropic');
      assert.ok(error.message.includes(message), error.message);
      assert.ok(!error.message.includes(KEY));
      if (status === 429) assert.equal(error.retryAfterMs, 7000);
    }
  });

  test('a key echoed in an error body is redacted; a refused key is an AuthenticationError', async () => {
    server.enqueueFault({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEY}` } } });
    const c = client();
    const error = await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError);
    assert.ok(error.message.includes('[REDACTED]'), error.message);
    assert.ok(!error.message.includes(KEY));

    server.configure({ apiKeys: ['another-key'] });
    const refused = await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true }).catch((e: unknown) => e);
    assert.ok(refused instanceof AuthenticationError);
    assert.ok(!refused.message.includes(KEY));
  });

  test('retry: a 503 then success with maxRetries 1; events show request.retry', async () => {
    server.enqueueFault({ status: 503 });
    const c = client({ maxRetries: 1, retry: { initialDelayMs: 1, maxDelayMs: 10 } });
    const events: RouterEvent[] = [];
    c.events$.subscribe((e) => events.push(e));
    const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'again' }] });
    assert.equal(res.choices[0]!.message.content, 'Echo: again');
    assert.equal(server.requests.length, 2);
    const retry = events.find((e) => e.type === 'request.retry');
    assert.ok(retry !== undefined && retry.type === 'request.retry');
    assert.equal(retry.statusCode, 503);
    assert.equal(retry.errorType, 'ProviderError');
    assert.deepEqual(
      events.filter((e) => e.type === 'attempt.end').map((e) => (e.type === 'attempt.end' ? e.success : null)),
      [false, true],
    );
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

  test('stream cut mid-way: StreamError thrown to the consumer after the chunks that came', async () => {
    server.configure({ reply: 'a b c d e f g h', chunkCount: 8 });
    server.enqueueFault({ cutAfterChunks: 5 });
    const stream = await client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true });
    const { chunks, error } = await collectUntilError(stream);
    assert.ok(error instanceof StreamError, String(error));
    assert.ok(chunks.length > 0);
    assert.notEqual(textOf(chunks), 'a b c d e f g h');
  });

  test('stream without message_stop: StreamError', async () => {
    server.enqueueFault({ endWithoutTerminator: true });
    const stream = await client().chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    const { chunks, error } = await collectUntilError(stream);
    assert.ok(error instanceof StreamError, String(error));
    assert.equal(textOf(chunks), 'Echo: hi', 'everything before the missing terminator was delivered');
  });

  test('malformed stream event: StreamError', async () => {
    server.enqueueFault({ malformedChunk: true });
    const stream = await client().chat.completions.create({ messages: [{ role: 'user', content: 'one two three' }], stream: true });
    const { error } = await collectUntilError(stream);
    assert.ok(error instanceof StreamError, String(error));
    assert.match((error as Error).message, /malformed/);
  });

  test('event: error mid-stream maps by error.type: overloaded_error 529, rate_limit_error 429', async () => {
    const c = client();
    server.enqueueFault({ midStreamError: { type: 'overloaded_error', message: 'Overloaded' } });
    const first = await collectUntilError(await c.chat.completions.create({ messages: [{ role: 'user', content: 'a b c d' }], stream: true }));
    assert.ok(first.error instanceof ProviderError, String(first.error));
    assert.equal(first.error.statusCode, 529);
    assert.match(first.error.message, /overloaded_error: Overloaded/);

    server.enqueueFault({ midStreamError: { type: 'rate_limit_error', message: 'slow down' } });
    const second = await collectUntilError(await c.chat.completions.create({ messages: [{ role: 'user', content: 'a b c d' }], stream: true }));
    assert.ok(second.error instanceof RateLimitError, String(second.error));
    assert.equal(second.error.statusCode, 429);
  });

  test('a refused streaming request throws before any chunk', async () => {
    server.enqueueFault({ status: 429, headers: { 'retry-after': '2' } });
    const error = await client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true }).catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitError);
    assert.equal(error.retryAfterMs, 2000);
  });

  test('anthropic has no embeddings API', async () => {
    await assert.rejects(client().embeddings.create({ input: 'x' }), BadRequestError);
    assert.equal(server.requests.length, 0);
  });
});
