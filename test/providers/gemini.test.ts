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

// The `gemini` provider against the local server's Gemini API format, through a real `Client`.

const KEY = 'AIzaSyProviderTestKey0123456789abcdef';

const weatherTool: ChatTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { city: { type: 'string' }, where: { type: 'object', properties: { lat: { type: 'number' } }, additionalProperties: false } },
      required: ['city'],
      additionalProperties: false,
    },
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

describe('gemini provider', () => {
  let server: MockProviderServer;
  const clients: Client[] = [];

  function client(extra: Partial<ClientOptions> = {}): Client {
    const c = new Client({
      providerType: 'gemini',
      apiKey: KEY,
      baseUrl: `${server.url}/v1beta`,
      defaultModel: 'gemini-test',
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

  test('non-streaming: :generateContent with the key in x-goog-api-key (never the URL); system instruction, generationConfig', async () => {
    const res = await client().chat.completions.create({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'developer', content: 'and kind' },
        { role: 'user', content: 'hello there' },
      ],
      temperature: 0.4,
      topP: 0.8,
      maxTokens: 100,
      stop: ['END'],
      seed: 7,
      responseFormat: { type: 'json_object' },
    });
    assert.equal(res.id, 'mockresp1');
    assert.equal(res.provider, 'gemini');
    assert.equal(res.model, 'gemini-test');
    assert.equal(res.choices[0]!.message.content, 'Echo: hello there');
    assert.equal(res.choices[0]!.finishReason, 'stop');
    assert.deepEqual(res.usage, { promptTokens: 6, completionTokens: 3, totalTokens: 9 });

    const logged = server.requests[0]!;
    assert.equal(logged.path, '/v1beta/models/gemini-test:generateContent');
    assert.deepEqual(logged.query, {}, 'no key in the query string');
    assert.equal(logged.headers['x-goog-api-key'], '[REDACTED]');
    assert.deepEqual(logged.body, {
      contents: [{ role: 'user', parts: [{ text: 'hello there' }] }],
      systemInstruction: { parts: [{ text: 'be brief' }, { text: 'and kind' }] },
      generationConfig: {
        temperature: 0.4,
        topP: 0.8,
        maxOutputTokens: 100,
        stopSequences: ['END'],
        seed: 7,
        responseMimeType: 'application/json',
      },
    });
  });

  test('roles: assistant turns are model contents; MAX_TOKENS maps to length', async () => {
    server.configure({ reply: 'one two three four five' });
    const res = await client().chat.completions.create({
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'answer' },
        { role: 'user', content: 'second' },
      ],
      maxTokens: 2,
    });
    assert.equal(res.choices[0]!.message.content, 'one two');
    assert.equal(res.choices[0]!.finishReason, 'length');
    assert.deepEqual((server.requests[0]!.body as any).contents, [
      { role: 'user', parts: [{ text: 'first' }] },
      { role: 'model', parts: [{ text: 'answer' }] },
      { role: 'user', parts: [{ text: 'second' }] },
    ]);
  });

  test('streaming: :streamGenerateContent?alt=sse; content reassembled, finish reason, usage on the last chunk', async () => {
    server.configure({ reply: 'alpha beta gamma delta epsilon', chunkCount: 4 });
    const stream = await client().chat.completions.create({ messages: [{ role: 'user', content: 'go now' }], stream: true });
    const chunks = await collect(stream);
    assert.equal(textOf(chunks), 'alpha beta gamma delta epsilon');
    assert.ok(chunks.filter((c) => c.choices[0]?.delta.content).length >= 4);
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    assert.ok(chunks.every((c) => c.id === 'mockresp1' && c.provider === 'gemini'));
    assert.deepEqual(chunks.map((c) => c.choices[0]?.finishReason).filter((f) => f != null), ['stop']);
    const last = chunks[chunks.length - 1]!;
    assert.deepEqual(last.usage, { promptTokens: 2, completionTokens: 5, totalTokens: 7 });
    assert.ok(chunks.slice(0, -1).every((c) => c.usage == null));
    const logged = server.requests[0]!;
    assert.equal(logged.path, '/v1beta/models/gemini-test:streamGenerateContent');
    assert.deepEqual(logged.query, { alt: 'sse' });
  });

  test('tool calls out: functionCall parts (with a thought signature), functionResponse parts named after their call, tools, toolConfig', async () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'weather and time in Paris?' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [
          { id: 'call_w', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_t', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
        ],
      },
      { role: 'tool', toolCallId: 'call_w', content: '{"tempC":21}' },
      { role: 'tool', toolCallId: 'call_t', content: '12:00' },
    ];
    const res = await client().chat.completions.create({
      messages,
      tools: [weatherTool, timeTool],
      toolChoice: { type: 'function', function: { name: 'get_time' } },
    });
    assert.equal(res.choices[0]!.finishReason, 'stop');
    const body = server.requests[0]!.body as any;
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'weather and time in Paris?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' }, id: 'call_w' }, thoughtSignature: 'skip_thought_signature_validator' },
          { functionCall: { name: 'get_time', args: { tz: 'CET' }, id: 'call_t' } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { tempC: 21 }, id: 'call_w' } },
          { functionResponse: { name: 'get_time', response: { content: '12:00' }, id: 'call_t' } },
        ],
      },
    ]);
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather of a city',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' }, where: { type: 'object', properties: { lat: { type: 'number' } } } },
              required: ['city'],
            },
          },
          { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } },
        ],
      },
    ]);
    assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } });
  });

  test('toolChoice auto / required / none map to AUTO / ANY / NONE', async () => {
    const c = client();
    for (const toolChoice of ['auto', 'required', 'none'] as const) {
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], tools: [timeTool], toolChoice });
    }
    assert.deepEqual(
      server.requests.map((r) => (r.body as any).toolConfig.functionCallingConfig.mode),
      ['AUTO', 'ANY', 'NONE'],
    );
  });

  test('a tool message answering no earlier tool call is refused before any network call', async () => {
    await assert.rejects(
      client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }, { role: 'tool', toolCallId: 'nope', content: 'r' }] }),
      (e: unknown) => e instanceof BadRequestError && e.field === 'messages[1].toolCallId',
    );
    assert.equal(server.requests.length, 0);
  });

  test('tool calls back: functionCall parts become toolCalls with stable ids and JSON arguments; the round trip sends no made-up id', async () => {
    server.configure({ toolArguments: { city: 'Paris', days: 3 } });
    const c = client();
    const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [timeTool] });
    const choice = res.choices[0]!;
    assert.equal(choice.finishReason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.deepEqual(choice.message.toolCalls, [
      { id: 'gemini_call_mockresp1_0', type: 'function', function: { name: 'get_time', arguments: '{"city":"Paris","days":3}' } },
    ]);

    await c.chat.completions.create({
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, toolCalls: choice.message.toolCalls },
        { role: 'tool', toolCallId: choice.message.toolCalls![0]!.id, content: 'sunny' },
      ],
      tools: [timeTool],
    });
    const contents = (server.requests[1]!.body as any).contents;
    assert.deepEqual(contents[1].parts[0].functionCall, { name: 'get_time', args: { city: 'Paris', days: 3 } });
    assert.deepEqual(contents[2].parts[0], { functionResponse: { name: 'get_time', response: { content: 'sunny' } } });
  });

  test("a function call's real thoughtSignature is echoed back on the next turn", async () => {
    server.enqueueFault({
      status: 200,
      body: {
        candidates: [
          {
            content: { role: 'model', parts: [{ functionCall: { name: 'get_time', args: { tz: 'UTC' } }, thoughtSignature: 'c2lnbmF0dXJlLTE=' }] },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, thoughtsTokenCount: 5, totalTokenCount: 10 },
        modelVersion: 'gemini-test',
        responseId: 'resp-sig',
      },
    });
    const c = client();
    const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'time?' }], tools: [timeTool] });
    assert.deepEqual(res.usage, { promptTokens: 3, completionTokens: 7, totalTokens: 10 }, 'thinking tokens count as completion tokens');
    const call = res.choices[0]!.message.toolCalls![0]!;
    await c.chat.completions.create({
      messages: [
        { role: 'user', content: 'time?' },
        { role: 'assistant', content: null, toolCalls: [call] },
        { role: 'tool', toolCallId: call.id, content: '{"time":"12:00"}' },
      ],
      tools: [timeTool],
    });
    const modelTurn = (server.requests[1]!.body as any).contents[1];
    assert.equal(modelTurn.parts[0].thoughtSignature, 'c2lnbmF0dXJlLTE=');
  });

  test('streamed tool call: the whole call arrives with id, name and arguments; finish reason tool_calls', async () => {
    server.configure({ toolArguments: { city: 'Paris', unit: 'celsius' } });
    const stream = await client().chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [timeTool], stream: true });
    const chunks = await collect(stream);
    assert.deepEqual(toolCallsOf(chunks), [{ id: 'gemini_call_mockresp1_0', name: 'get_time', arguments: '{"city":"Paris","unit":"celsius"}' }]);
    assert.deepEqual(chunks.map((c) => c.choices[0]?.finishReason).filter((f) => f != null), ['tool_calls']);
    assert.ok(chunks[chunks.length - 1]!.usage!.completionTokens > 0);
  });

  test('image parts: data URLs become inlineData, http URLs fileData', async () => {
    await client().chat.completions.create({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'compare' },
            { type: 'image_url', imageUrl: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            { type: 'image_url', imageUrl: { url: 'https://example.com/cat.png' } },
          ],
        },
      ],
    });
    assert.deepEqual((server.requests[0]!.body as any).contents[0].parts, [
      { text: 'compare' },
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
      { fileData: { fileUri: 'https://example.com/cat.png', mimeType: 'image/png' } },
    ]);
  });

  test('SAFETY maps to content_filter, streamed and not', async () => {
    server.enqueueFault({ contentFilter: true }, { times: 2 });
    const c = client();
    const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.choices[0]!.finishReason, 'content_filter');
    const chunks = await collect(await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true }));
    assert.deepEqual(chunks.map((ch) => ch.choices[0]?.finishReason).filter((f) => f != null), ['content_filter']);
  });

  test('error statuses map to typed errors with the body message, Retry-After, and no key', async () => {
    const cases: Array<[number, new (...args: any[]) => LlmRouterError, string]> = [
      [400, BadRequestError, 'INVALID_ARGUMENT: Request contains an invalid argument.'],
      [401, AuthenticationError, 'UNAUTHENTICATED: Request had invalid authentication credentials.'],
      [403, PermissionDeniedError, 'PERMISSION_DENIED: The caller does not have permission'],
      [404, NotFoundError, 'NOT_FOUND: Requested entity was not found.'],
      [429, RateLimitError, 'RESOURCE_EXHAUSTED: Resource has been exhausted'],
      [500, ProviderError, 'INTERNAL: An internal error has occurred.'],
      [503, ProviderError, 'UNAVAILABLE: The model is overloaded.'],
    ];
    const c = client();
    for (const [status, ErrorClass, message] of cases) {
      server.enqueueFault({ status, headers: status === 429 ? { 'retry-after': '3' } : {} });
      const error = await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }).then(
        () => assert.fail(`status ${status} did not throw`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ErrorClass, `${status} -> ${ErrorClass.name}, got ${(error as Error).name}`);
      assert.equal(error.statusCode, status);
      assert.equal(error.provider, 'gemini');
      assert.ok(error.message.includes(message), error.message);
      assert.ok(!error.message.includes(KEY));
      if (status === 429) assert.equal(error.retryAfterMs, 3000);
    }
  });

  test("Gemini's 400 API_KEY_INVALID is an AuthenticationError; the key is nowhere in it", async () => {
    server.configure({ apiKeys: ['AIza-some-other-key'] });
    const error = await client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.statusCode, 400);
    assert.match(error.message, /API key not valid/);
    assert.ok(!error.message.includes(KEY));
    assert.ok(!JSON.stringify(server.requests).includes(KEY), 'the key reached the server only in its header');
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
    assert.equal(events[0]!.type === 'request.retry' && events[0]!.statusCode, 503);
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
    assert.ok(chunks.length > 0);
  });

  test('a stream whose last chunk (the one with finishReason) never comes: StreamError', async () => {
    server.configure({ reply: 'a b c d', chunkCount: 4 });
    server.enqueueFault({ endWithoutTerminator: true });
    const { chunks, error } = await collectUntilError(
      await client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true }),
    );
    assert.ok(error instanceof StreamError, String(error));
    assert.equal(textOf(chunks), 'a b c');
  });

  test('malformed stream event: StreamError', async () => {
    server.enqueueFault({ malformedChunk: true });
    const { error } = await collectUntilError(
      await client().chat.completions.create({ messages: [{ role: 'user', content: 'one two three four' }], stream: true }),
    );
    assert.ok(error instanceof StreamError, String(error));
    assert.match((error as Error).message, /malformed/);
  });

  test('an error event mid-stream is the typed error of its code', async () => {
    server.enqueueFault({ midStreamError: { type: 'UNAVAILABLE', message: 'model overloaded' } });
    const { error } = await collectUntilError(
      await client().chat.completions.create({ messages: [{ role: 'user', content: 'one two three four' }], stream: true }),
    );
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.statusCode, 503);
    assert.match(error.message, /UNAVAILABLE: model overloaded/);
  });

  test('embeddings: one input -> :embedContent, several -> :batchEmbedContents with models/{model}', async () => {
    const c = client();
    const one = await c.embeddings.create({ input: 'hello', model: 'embed-test' });
    assert.equal(one.provider, 'gemini');
    assert.equal(one.model, 'embed-test');
    assert.deepEqual(one.data, [{ object: 'embedding', index: 0, embedding: mockEmbedding('hello', 8) }]);
    assert.equal(server.requests[0]!.path, '/v1beta/models/embed-test:embedContent');
    assert.deepEqual(server.requests[0]!.body, { model: 'models/embed-test', content: { parts: [{ text: 'hello' }] } });

    const many = await c.embeddings.create({ input: ['a', 'b'], model: 'embed-test', dimensions: 4 });
    assert.deepEqual(
      many.data.map((d) => d.embedding),
      [mockEmbedding('a', 4), mockEmbedding('b', 4)],
    );
    assert.deepEqual(many.data.map((d) => d.index), [0, 1]);
    assert.equal(server.requests[1]!.path, '/v1beta/models/embed-test:batchEmbedContents');
    assert.deepEqual(server.requests[1]!.body, {
      requests: [
        { model: 'models/embed-test', content: { parts: [{ text: 'a' }] }, outputDimensionality: 4 },
        { model: 'models/embed-test', content: { parts: [{ text: 'b' }] }, outputDimensionality: 4 },
      ],
    });
  });
});
