import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthenticationError, BadRequestError, ProviderError, RateLimitError } from '../../lib/errors/llm-router-error.js';
import { Client } from '../../lib/client.js';
import { drain } from '../core/core-test-kit.js';
import { loadRecording, ReplayServer } from './recording-replay.js';
import {
  assertCompletion,
  BARE_CLIENT_OPTIONS,
  describeProviderContract,
  finishReasons,
  streamedToolCalls,
  requestToolCall,
  streamFiveWords,
  TIME_TOOL,
  toolConversation,
  useMockProviderServer,
  userMessageWithImages,
  WEATHER_TOOL,
} from '../support/provider-test-kit.js';

// The `anthropic` provider against the local server's Anthropic Messages format, through a real `Client`.

const KEY = 'fake-anthropic-test-key-not-a-secret';

describe('anthropic provider', () => {
  const bed = useMockProviderServer((server) => ({ ...BARE_CLIENT_OPTIONS, providerType: 'anthropic', apiKey: KEY, baseUrl: `${server.url}/v1`, defaultModel: 'claude-test' }));
  const client = bed.client;

  describeProviderContract(bed, {
    provider: 'anthropic',
    apiKey: KEY,
    maxTokensIn: (body) => body.max_tokens,
    errorMessages: {
      400: 'invalid_request_error: Invalid request.',
      401: 'authentication_error: invalid x-api-key',
      403: 'permission_error: Your API key does not have permission',
      404: 'not_found_error: The requested resource could not be found.',
      429: 'rate_limit_error: This request would exceed the rate limit',
      500: 'api_error: Internal server error',
      529: 'overloaded_error: Overloaded',
    },
    retryAfterSeconds: 7,
    streamCut: { afterChunks: 5, text: 'a b' },
    missingTerminator: { name: 'message_stop', prompt: 'hi', text: 'Echo: hi' },
    midStreamErrors: [
      { fault: { type: 'overloaded_error', message: 'Overloaded' }, errorClass: ProviderError, statusCode: 529, message: /overloaded_error: Overloaded/ },
      { fault: { type: 'rate_limit_error', message: 'slow down' }, errorClass: RateLimitError, statusCode: 429 },
    ],
    contentFilter: 'refusal',
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
    assertCompletion(res, {
      id: 'msg_mock1',
      provider: 'anthropic',
      model: 'claude-test',
      content: 'Echo: hello there',
      finishReason: 'stop',
      usage: { promptTokens: 4, completionTokens: 3, totalTokens: 7 },
    });

    const logged = bed.server.requests[0]!;
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

  test('developer messages join the system prompt', async () => {
    await client().chat.completions.create({
      messages: [
        { role: 'system', content: 'rule one' },
        { role: 'developer', content: 'rule two' },
        { role: 'user', content: 'count' },
      ],
    });
    assert.equal((bed.server.requests[0]!.body as Record<string, unknown>).system, 'rule one\n\nrule two');
  });

  test('streaming: content reassembled, role first, finish reason, usage on the last chunk', async () => {
    const { stream, chunks } = await streamFiveWords(bed, 'anthropic');
    assert.equal(stream.model, 'claude-test');
    assert.equal(chunks[0]!.id, 'msg_mock1');
    const body = bed.server.requests[0]!.body as Record<string, unknown>;
    assert.equal(body.stream, true);
    assert.equal(bed.server.requests[0]!.headers.accept, 'text/event-stream');
  });

  test('tool calls out: assistant tool_use blocks with parsed input, tool results merged in one user turn, tools and tool_choice', async () => {
    const messages = toolConversation('weather and time in Paris?', 'Checking.', [
      { id: 'toolu_a', name: 'get_weather', arguments: '{"city":"Paris"}', result: '{"tempC":21}' },
      { id: 'toolu_b', name: 'get_time', arguments: '', result: '12:00' },
    ]);
    const res = await client().chat.completions.create({
      messages,
      tools: [WEATHER_TOOL, TIME_TOOL],
      toolChoice: { type: 'function', function: { name: 'get_time' } },
    });
    assert.equal(res.choices[0]!.finishReason, 'stop', 'after tool results the model answers in text');
    const body = bed.server.requests[0]!.body as any;
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
      { name: 'get_weather', description: 'Weather of a city', input_schema: WEATHER_TOOL.function.parameters },
      { name: 'get_time', input_schema: TIME_TOOL.function.parameters },
    ]);
    assert.deepEqual(body.tool_choice, { type: 'tool', name: 'get_time' });
  });

  test('toolChoice auto / required / none map to auto / any / none', async () => {
    const c = client();
    for (const toolChoice of ['auto', 'required', 'none'] as const) {
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], tools: [WEATHER_TOOL], toolChoice });
    }
    assert.deepEqual(
      bed.server.requests.map((r) => (r.body as any).tool_choice),
      [{ type: 'auto' }, { type: 'any' }, { type: 'none' }],
    );
  });

  test('tool calls back: tool_use blocks become toolCalls with JSON arguments and finish reason tool_calls', async () => {
    const calls = await requestToolCall(client(), bed.server, WEATHER_TOOL, { city: 'Paris', days: 3 });
    assert.deepEqual(calls, [
      { id: 'toolu_mock1_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":3}' } },
    ]);
  });

  test('streamed tool call: id and name first, input_json_delta fragments reassemble to the arguments', async () => {
    bed.server.configure({ toolArguments: { city: 'Paris', unit: 'celsius', days: 3 }, chunkCount: 4 });
    const stream = await client().chat.completions.create({
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [WEATHER_TOOL],
      stream: true,
    });
    const chunks = await drain(stream);
    const fragments = chunks.flatMap((c) => c.choices[0]?.delta.toolCalls ?? []).filter((d) => d.function?.arguments);
    assert.ok(fragments.length >= 4, 'arguments arrive in several fragments');
    assert.deepEqual(streamedToolCalls(chunks), [{ id: 'toolu_mock1_0', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius","days":3}' }]);
    assert.deepEqual(finishReasons(chunks), ['tool_calls']);
    assert.ok(chunks[chunks.length - 1]!.usage!.completionTokens > 0);
  });

  test('image parts: data URLs become base64 sources, http URLs url sources', async () => {
    await client().chat.completions.create({ messages: [userMessageWithImages('compare', 'data:image/png;base64,iVBORw0KGgo=', 'https://example.com/cat.jpg')] });
    assert.deepEqual((bed.server.requests[0]!.body as any).messages[0].content, [
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
    assert.equal(bed.server.requests.length, 0);
  });

  test('a key echoed in an error body is redacted; a refused key is an AuthenticationError', async () => {
    bed.server.enqueueFault({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEY}` } } });
    const c = client();
    const error = await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError);
    assert.ok(error.message.includes('[REDACTED]'), error.message);
    assert.ok(!error.message.includes(KEY));

    bed.server.configure({ apiKeys: ['another-key'] });
    const refused = await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true }).catch((e: unknown) => e);
    assert.ok(refused instanceof AuthenticationError);
    assert.ok(!refused.message.includes(KEY));
  });

  describe('responseFormat json_object: the Messages API has no JSON mode, so a forced tool carries the JSON (as vercel/ai and LiteLLM do)', () => {
    const JSON_TOOL = {
      name: 'json',
      description: 'Respond with a JSON object.',
      input_schema: { type: 'object', properties: {}, additionalProperties: true },
    };
    const ask = { messages: [{ role: 'user' as const, content: 'weather as JSON' }], responseFormat: { type: 'json_object' as const } };

    test('the request: the JSON tool forced alone, or offered beside the caller\'s tools with any tool required', async () => {
      const c = client();
      bed.server.configure({ toolArguments: { city: 'Paris' } });
      await c.chat.completions.create(ask);
      await c.chat.completions.create({ ...ask, tools: [WEATHER_TOOL] });
      await c.chat.completions.create({ ...ask, tools: [WEATHER_TOOL], toolChoice: 'none' });
      await c.chat.completions.create({ ...ask, tools: [WEATHER_TOOL], toolChoice: 'required' });
      await c.chat.completions.create({ ...ask, responseFormat: { type: 'text' } });
      const sent = bed.server.requests.map((r) => r.body as any);
      assert.deepEqual(sent[0].tools, [JSON_TOOL]);
      assert.deepEqual(sent[0].tool_choice, { type: 'tool', name: 'json' });
      assert.deepEqual(sent[1].tools.map((t: any) => t.name), ['get_weather', 'json']);
      assert.deepEqual(sent[1].tool_choice, { type: 'any', disable_parallel_tool_use: true });
      assert.deepEqual(sent[2].tools.map((t: any) => t.name), ['get_weather', 'json']);
      assert.deepEqual(sent[2].tool_choice, { type: 'tool', name: 'json' });
      assert.deepEqual(sent[3].tools.map((t: any) => t.name), ['get_weather'], 'a required tool call is the answer: no JSON tool');
      assert.deepEqual(sent[3].tool_choice, { type: 'any' });
      assert.equal(sent[4].tools, undefined);
      assert.equal(sent[4].tool_choice, undefined);
    });

    test('a caller\'s tool named json: the JSON tool takes a free name', async () => {
      const own = { type: 'function' as const, function: { name: 'json', parameters: { type: 'object', properties: {} } } };
      await client().chat.completions.create({ ...ask, tools: [own], toolChoice: 'none' });
      const body = bed.server.requests[0]!.body as any;
      assert.deepEqual(body.tools.map((t: any) => t.name), ['json', 'json_1']);
      assert.deepEqual(body.tool_choice, { type: 'tool', name: 'json_1' });
    });

    test('the answer: the JSON tool\'s input is the content, finish reason stop, no tool call', async () => {
      bed.server.configure({ toolArguments: { city: 'Paris', days: 3 } });
      const res = await client().chat.completions.create(ask);
      const choice = res.choices[0]!;
      assert.equal(choice.message.content, '{"city":"Paris","days":3}');
      assert.equal(choice.message.toolCalls, undefined);
      assert.equal(choice.finishReason, 'stop');
    });

    test('streamed: the JSON tool\'s input fragments are content deltas, finish reason stop, no tool call', async () => {
      bed.server.configure({ toolArguments: { city: 'Paris', unit: 'celsius', days: 3 }, chunkCount: 4 });
      const chunks = await drain(await client().chat.completions.create({ ...ask, stream: true }));
      const pieces = chunks.map((c) => c.choices[0]?.delta.content).filter((t) => typeof t === 'string' && t.length > 0);
      assert.ok(pieces.length >= 4, 'the JSON arrives in several fragments');
      assert.equal(pieces.join(''), '{"city":"Paris","unit":"celsius","days":3}');
      assert.deepEqual(streamedToolCalls(chunks), []);
      assert.deepEqual(finishReasons(chunks), ['stop']);
    });

    test('a real tool called instead stays a tool call', async () => {
      bed.server.configure({ toolArguments: { city: 'Paris' } });
      const forced = { ...ask, tools: [WEATHER_TOOL], toolChoice: { type: 'function' as const, function: { name: 'get_weather' } } };
      const res = await client().chat.completions.create(forced);
      assert.deepEqual(res.choices[0]!.message.toolCalls, [{ id: 'toolu_mock1_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
      assert.equal(res.choices[0]!.message.content, null);
      assert.equal(res.choices[0]!.finishReason, 'tool_calls');
      const chunks = await drain(await client().chat.completions.create({ ...forced, stream: true }));
      assert.deepEqual(streamedToolCalls(chunks), [{ id: 'toolu_mock2_0', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
      assert.deepEqual(finishReasons(chunks), ['tool_calls']);
    });

    test('a recorded claude-haiku-4-5 stream (vercel/ai fixture): the preamble text is dropped, the JSON tool\'s input is the content', async () => {
      const replay = await ReplayServer.start();
      try {
        replay.serve(...loadRecording('anthropic/anthropic-json-tool.2.chunks.txt'));
        const c = new Client({ ...BARE_CLIENT_OPTIONS, providerType: 'anthropic', apiKey: KEY, baseUrl: `${replay.url}/v1`, defaultModel: 'claude-haiku-4-5' });
        try {
          const chunks = await drain(await c.chat.completions.create({ ...ask, stream: true }));
          const content = chunks.map((k) => k.choices[0]?.delta.content ?? '').join('');
          assert.deepEqual(JSON.parse(content), { elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] });
          assert.deepEqual(streamedToolCalls(chunks), []);
          assert.deepEqual(finishReasons(chunks), ['stop']);
        } finally {
          await c.close();
        }
      } finally {
        await replay.close();
      }
    });
  });

  test('anthropic has no embeddings API', async () => {
    await assert.rejects(client().embeddings.create({ input: 'x' }), BadRequestError);
    assert.equal(bed.server.requests.length, 0);
  });
});
