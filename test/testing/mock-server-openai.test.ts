import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { AzureOpenAI } from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { MockProviderServer, mockEmbedding } from '../../lib/testing/index.js';

// The official `openai` package drives the server: if the SDK parses what the server sends, the server
// speaks OpenAI's wire format (chat completions, chunks, usage chunk, [DONE], tool-call deltas, errors,
// embeddings in float and base64, models list) and Azure's (deployment path, api-version, api-key).

const weatherTool: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location'],
    },
  },
};

describe('MockProviderServer speaks OpenAI to the official openai SDK', () => {
  let server: MockProviderServer;
  let client: OpenAI;

  before(async () => {
    server = await MockProviderServer.start({ models: ['gpt-4o-mini', 'text-embedding-3-small'] });
    client = new OpenAI({ apiKey: 'sk-test-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  beforeEach(() => server.reset());
  after(() => server.close());

  test('non-streaming chat: echo reply, usage, ids, request id header', async () => {
    const { data, request_id } = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be brief' },
          { role: 'user', content: 'Hello mock world' },
        ],
      })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.id, 'chatcmpl-mock1');
    assert.equal(data.model, 'gpt-4o-mini');
    assert.equal(data.choices.length, 1);
    assert.equal(data.choices[0]!.message.role, 'assistant');
    assert.equal(data.choices[0]!.message.content, 'Echo: Hello mock world');
    assert.equal(data.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(
      { p: data.usage?.prompt_tokens, c: data.usage?.completion_tokens, t: data.usage?.total_tokens },
      { p: 5, c: 4, t: 9 },
    );
    assert.equal(request_id, 'req_mock1');
  });

  test('streaming chat with stream_options.include_usage: deltas, finish chunk, usage chunk with empty choices, [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'one two three four five' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const contentChunks = chunks.filter((c) => typeof c.choices[0]?.delta.content === 'string' && c.choices[0].delta.content !== '');
    assert.ok(contentChunks.length >= 3, `expected several content chunks, got ${contentChunks.length}`);
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Echo: one two three four five');
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id));
    const finish = chunks.find((c) => c.choices[0]?.finish_reason != null);
    assert.equal(finish?.choices[0]?.finish_reason, 'stop');
    const last = chunks[chunks.length - 1]!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.prompt_tokens, 5);
    assert.equal(last.usage?.completion_tokens, 6);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  });

  test('streaming without include_usage sends no usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.every((c) => c.choices.length === 1 && c.usage === undefined));
  });

  test('max_tokens truncates the reply with finish_reason "length"', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'a b c d' }],
      max_tokens: 2,
    });
    assert.equal(res.choices[0]!.message.content, 'Echo: a');
    assert.equal(res.choices[0]!.finish_reason, 'length');
    assert.equal(res.usage?.completion_tokens, 2);
  });

  test('tools: a call to the first tool with arguments derived from its schema', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    const choice = res.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls![0]!;
    assert.equal(call.type, 'function');
    assert.equal(call.id, 'call_mock1_0');
    assert.ok(call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'mock', unit: 'celsius' });
  });

  test('tools streamed: the SDK stream helper accumulates argument fragments into the final tool call', async () => {
    const runner = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    const fragments: string[] = [];
    const done: Array<{ name: string; arguments: string }> = [];
    runner.on('tool_calls.function.arguments.delta', (e) => fragments.push(e.arguments_delta));
    runner.on('tool_calls.function.arguments.done', (e) => done.push({ name: e.name, arguments: e.arguments }));
    const final = await runner.finalChatCompletion();
    assert.ok(fragments.filter((f) => f.length > 0).length >= 2, 'arguments arrive in several fragments');
    const call = final.choices[0]!.message.tool_calls![0]!;
    assert.ok(call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'mock', unit: 'celsius' });
    assert.equal(final.choices[0]!.finish_reason, 'tool_calls');
    assert.deepEqual(done, [{ name: 'get_weather', arguments: call.function.arguments }]);
  });

  test('after a tool result the answer is text echoing the result; tool_choice "none" answers text', async () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '22 degrees' },
    ];
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [weatherTool] });
    assert.equal(res.choices[0]!.message.content, 'Echo: 22 degrees');
    assert.equal(res.choices[0]!.finish_reason, 'stop');
    const none = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [weatherTool],
      tool_choice: 'none',
    });
    assert.equal(none.choices[0]!.message.content, 'Echo: hi');
  });

  test('embeddings: the SDK default (base64, decoded by the SDK) and float agree with mockEmbedding', async () => {
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta gamma'] });
    assert.equal(decoded.object, 'list');
    assert.equal(decoded.data.length, 2);
    assert.deepEqual(Array.from(decoded.data[0]!.embedding), mockEmbedding('alpha', 8));
    assert.deepEqual(Array.from(decoded.data[1]!.embedding), mockEmbedding('beta gamma', 8));
    assert.equal(decoded.data[1]!.index, 1);
    assert.deepEqual(decoded.usage, { prompt_tokens: 3, total_tokens: 3 });
    const float = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'alpha',
      encoding_format: 'float',
      dimensions: 4,
    });
    assert.deepEqual(float.data[0]!.embedding, mockEmbedding('alpha', 4));
    assert.equal(server.requests[0]!.body && (server.requests[0]!.body as { encoding_format?: string }).encoding_format, 'base64');
  });

  test('models list', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids, ['gpt-4o-mini', 'text-embedding-3-small']);
    const one = await client.models.retrieve('gpt-4o-mini');
    assert.equal(one.object, 'model');
    await assert.rejects(client.models.retrieve('nope'), OpenAI.NotFoundError);
  });

  test('a 429 with retry-after becomes the SDK RateLimitError (maxRetries: 0), with the real error body', async () => {
    server.enqueueFault({ status: 429, headers: { 'retry-after': '7' } });
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => assert.fail('expected a rate limit error'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.equal(err.status, 429);
    assert.equal(err.headers?.get('retry-after'), '7');
    assert.equal(err.code, 'rate_limit_exceeded');
    assert.equal(err.type, 'requests');
    assert.equal(err.requestID, 'req_mock1');
  });

  test('the SDK retries after retry-after-ms and then succeeds', async () => {
    server.enqueueFault({ status: 503, headers: { 'retry-after-ms': '5' } });
    const retrying = new OpenAI({ apiKey: 'sk-test-key', baseURL: `${server.url}/v1`, maxRetries: 1 });
    const res = await retrying.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.choices[0]!.message.content, 'Echo: hi');
    assert.equal(server.requests.length, 2);
    assert.deepEqual(server.requests[0]!.fault, { status: 503, headers: { 'retry-after-ms': '5' } });
    assert.equal(server.requests[1]!.fault, undefined);
  });

  test('keys: a refused key is the SDK AuthenticationError; strictModels gives NotFoundError', async () => {
    server.configure({ apiKeys: ['sk-right'], strictModels: true });
    const wrong = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    assert.ok(wrong instanceof OpenAI.AuthenticationError);
    assert.equal(wrong.code, 'invalid_api_key');
    const right = new OpenAI({ apiKey: 'sk-right', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const missing = await right.chat.completions.create({ model: 'gpt-5-unknown', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    assert.ok(missing instanceof OpenAI.NotFoundError);
    assert.equal(missing.code, 'model_not_found');
  });

  test('a request the real API refuses gets its 400 (empty messages)', async () => {
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError);
    assert.equal(err.code, 'empty_array');
    assert.equal(err.param, 'messages');
  });

  test('midStreamError: the SDK throws the APIError carried by a data: {"error":…} event', async () => {
    server.enqueueFault({ midStreamError: { message: 'boom mid-stream' } });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'one two three four five six' }],
      stream: true,
    });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
      (e: unknown) => e instanceof OpenAI.APIError && e.message.includes('boom mid-stream'),
    );
    assert.ok(seen.length >= 1);
  });

  test('contentFilter: finish_reason "content_filter"', async () => {
    server.enqueueFault({ contentFilter: true });
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.choices[0]!.finish_reason, 'content_filter');
  });

  test('OpenAI-compatible base paths: Zhipu /api/paas/v4 and DashScope /compatible-mode/v1', async () => {
    for (const base of ['/api/paas/v4', '/compatible-mode/v1', '']) {
      const compat = new OpenAI({ apiKey: 'id.secret', baseURL: `${server.url}${base}`, maxRetries: 0 });
      const res = await compat.chat.completions.create({ model: 'glm-4', messages: [{ role: 'user', content: 'ni hao' }] });
      assert.equal(res.choices[0]!.message.content, 'Echo: ni hao');
      assert.equal(server.requests[server.requests.length - 1]!.path, `${base}/chat/completions`);
    }
  });

  test('Azure OpenAI via the SDK AzureOpenAI client: deployment path, api-version, api-key, filter results', async () => {
    const azure = new AzureOpenAI({
      apiKey: 'azure-key',
      endpoint: server.url,
      apiVersion: '2024-10-21',
      deployment: 'my-gpt4o',
      maxRetries: 0,
    });
    const res = await azure.chat.completions.create({ model: 'ignored-by-azure', messages: [{ role: 'user', content: 'hi azure' }] });
    assert.equal(res.choices[0]!.message.content, 'Echo: hi azure');
    assert.equal(res.model, 'my-gpt4o');
    assert.ok('prompt_filter_results' in res);
    const logged = server.requests[0]!;
    assert.equal(logged.path, '/openai/deployments/my-gpt4o/chat/completions');
    assert.equal(logged.query['api-version'], '2024-10-21');
    assert.equal(logged.headers['api-key'], '[REDACTED]');

    const stream = await azure.chat.completions.create({
      model: 'ignored-by-azure',
      messages: [{ role: 'user', content: 'stream azure' }],
      stream: true,
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.deepEqual(chunks[0]!.choices, [], "Azure's first chunk carries prompt_filter_results and no choice");
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Echo: stream azure');

    server.configure({ apiKeys: ['other'] });
    const denied = await azure.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    assert.ok(denied instanceof OpenAI.AuthenticationError);
  });
});
