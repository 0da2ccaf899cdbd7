import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthenticationError, BadRequestError, ProviderError } from '../../lib/errors/llm-router-error.js';
import { mockEmbedding } from '../../lib/testing/index.js';
import type { ChatTool } from '../../lib/types/chat.js';
import { Client } from '../../lib/client.js';
import { drain } from '../core/core-test-kit.js';
import { ReplayServer } from './recording-replay.js';
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
} from '../support/provider-test-kit.js';

// The `gemini` provider against the local server's Gemini API format, through a real `Client`.

const KEY = 'fake-gemini-test-key-not-a-secret';

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

describe('gemini provider', () => {
  const bed = useMockProviderServer((server) => ({ ...BARE_CLIENT_OPTIONS, providerType: 'gemini', apiKey: KEY, baseUrl: `${server.url}/v1beta`, defaultModel: 'gemini-test' }));
  const client = bed.client;

  describeProviderContract(bed, {
    provider: 'gemini',
    apiKey: KEY,
    maxTokensIn: (body) => body.generationConfig.maxOutputTokens,
    errorMessages: {
      400: 'INVALID_ARGUMENT: Request contains an invalid argument.',
      401: 'UNAUTHENTICATED: Request had invalid authentication credentials.',
      403: 'PERMISSION_DENIED: The caller does not have permission',
      404: 'NOT_FOUND: Requested entity was not found.',
      429: 'RESOURCE_EXHAUSTED: Resource has been exhausted',
      500: 'INTERNAL: An internal error has occurred.',
      503: 'UNAVAILABLE: The model is overloaded.',
    },
    retryAfterSeconds: 3,
    streamCut: { afterChunks: 3, text: 'a b c' },
    missingTerminator: { name: 'last chunk (the one with finishReason)', prompt: 'x', reply: { text: 'a b c d', chunkCount: 4 }, text: 'a b c' },
    midStreamErrors: [{ fault: { type: 'UNAVAILABLE', message: 'model overloaded' }, errorClass: ProviderError, statusCode: 503, message: /UNAVAILABLE: model overloaded/ }],
    contentFilter: 'SAFETY',
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
    assertCompletion(res, {
      id: 'mockresp1',
      provider: 'gemini',
      model: 'gemini-test',
      content: 'Echo: hello there',
      finishReason: 'stop',
      usage: { promptTokens: 6, completionTokens: 3, totalTokens: 9 },
    });

    const logged = bed.server.requests[0]!;
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

  test('roles: assistant turns are model contents', async () => {
    await client().chat.completions.create({
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'answer' },
        { role: 'user', content: 'second' },
      ],
    });
    assert.deepEqual((bed.server.requests[0]!.body as any).contents, [
      { role: 'user', parts: [{ text: 'first' }] },
      { role: 'model', parts: [{ text: 'answer' }] },
      { role: 'user', parts: [{ text: 'second' }] },
    ]);
  });

  test('streaming: :streamGenerateContent?alt=sse; content reassembled, finish reason, usage on the last chunk', async () => {
    const { chunks } = await streamFiveWords(bed, 'gemini');
    assert.ok(chunks.every((c) => c.id === 'mockresp1'));
    const logged = bed.server.requests[0]!;
    assert.equal(logged.path, '/v1beta/models/gemini-test:streamGenerateContent');
    assert.deepEqual(logged.query, { alt: 'sse' });
  });

  test('tool calls out: functionCall parts (with a thought signature), functionResponse parts named after their call, tools, toolConfig', async () => {
    const messages = toolConversation('weather and time in Paris?', null, [
      { id: 'call_w', name: 'get_weather', arguments: '{"city":"Paris"}', result: '{"tempC":21}' },
      { id: 'call_t', name: 'get_time', arguments: '{"tz":"CET"}', result: '12:00' },
    ]);
    const res = await client().chat.completions.create({
      messages,
      tools: [weatherTool, TIME_TOOL],
      toolChoice: { type: 'function', function: { name: 'get_time' } },
    });
    assert.equal(res.choices[0]!.finishReason, 'stop');
    const body = bed.server.requests[0]!.body as any;
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
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], tools: [TIME_TOOL], toolChoice });
    }
    assert.deepEqual(
      bed.server.requests.map((r) => (r.body as any).toolConfig.functionCallingConfig.mode),
      ['AUTO', 'ANY', 'NONE'],
    );
  });

  test('a tool message answering no earlier tool call is refused before any network call', async () => {
    await assert.rejects(
      client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }, { role: 'tool', toolCallId: 'nope', content: 'r' }] }),
      (e: unknown) => e instanceof BadRequestError && e.field === 'messages[1].toolCallId',
    );
    assert.equal(bed.server.requests.length, 0);
  });

  test('tool calls back: functionCall parts become toolCalls with stable ids and JSON arguments; the round trip sends no made-up id', async () => {
    const c = client();
    const calls = await requestToolCall(c, bed.server, TIME_TOOL, { city: 'Paris', days: 3 });
    assert.deepEqual(calls, [
      { id: 'gemini_call_mockresp1_0', type: 'function', function: { name: 'get_time', arguments: '{"city":"Paris","days":3}' } },
    ]);

    await c.chat.completions.create({
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, toolCalls: calls },
        { role: 'tool', toolCallId: calls[0]!.id, content: 'sunny' },
      ],
      tools: [TIME_TOOL],
    });
    const contents = (bed.server.requests[1]!.body as any).contents;
    assert.deepEqual(contents[1].parts[0].functionCall, { name: 'get_time', args: { city: 'Paris', days: 3 } });
    assert.deepEqual(contents[2].parts[0], { functionResponse: { name: 'get_time', response: { content: 'sunny' } } });
  });

  test("a function call's real thoughtSignature is echoed back on the next turn", async () => {
    bed.server.enqueueFault({
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
    const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'time?' }], tools: [TIME_TOOL] });
    assert.deepEqual(res.usage, { promptTokens: 3, completionTokens: 7, totalTokens: 10, completionTokensDetails: { reasoningTokens: 5 } }, 'thinking tokens count as completion tokens');
    const call = res.choices[0]!.message.toolCalls![0]!;
    await c.chat.completions.create({
      messages: [
        { role: 'user', content: 'time?' },
        { role: 'assistant', content: null, toolCalls: [call] },
        { role: 'tool', toolCallId: call.id, content: '{"time":"12:00"}' },
      ],
      tools: [TIME_TOOL],
    });
    const modelTurn = (bed.server.requests[1]!.body as any).contents[1];
    assert.equal(modelTurn.parts[0].thoughtSignature, 'c2lnbmF0dXJlLTE=');
  });

  test('streamed tool call: the whole call arrives with id, name and arguments; finish reason tool_calls', async () => {
    bed.server.configure({ toolArguments: { city: 'Paris', unit: 'celsius' } });
    const stream = await client().chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [TIME_TOOL], stream: true });
    const chunks = await drain(stream);
    assert.deepEqual(streamedToolCalls(chunks), [{ id: 'gemini_call_mockresp1_0', name: 'get_time', arguments: '{"city":"Paris","unit":"celsius"}' }]);
    assert.deepEqual(finishReasons(chunks), ['tool_calls']);
    assert.ok(chunks[chunks.length - 1]!.usage!.completionTokens > 0);
  });

  test('image parts: data URLs become inlineData, http URLs fileData', async () => {
    await client().chat.completions.create({ messages: [userMessageWithImages('compare', 'data:image/jpeg;base64,/9j/4AAQ', 'https://example.com/cat.png')] });
    assert.deepEqual((bed.server.requests[0]!.body as any).contents[0].parts, [
      { text: 'compare' },
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
      { fileData: { fileUri: 'https://example.com/cat.png', mimeType: 'image/png' } },
    ]);
  });

  test("Gemini's 400 API_KEY_INVALID is an AuthenticationError; the key is nowhere in it", async () => {
    bed.server.configure({ apiKeys: ['fake-gemini-other-key'] });
    const error = await client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.statusCode, 400);
    assert.match(error.message, /API key not valid/);
    assert.ok(!error.message.includes(KEY));
    assert.ok(!JSON.stringify(bed.server.requests).includes(KEY), 'the key reached the server only in its header');
  });

  test('embeddings: one input -> :embedContent, several -> :batchEmbedContents with models/{model}', async () => {
    const c = client();
    const one = await c.embeddings.create({ input: 'hello', model: 'embed-test' });
    assert.equal(one.provider, 'gemini');
    assert.equal(one.model, 'embed-test');
    assert.deepEqual(one.data, [{ object: 'embedding', index: 0, embedding: mockEmbedding('hello', 8) }]);
    assert.equal(bed.server.requests[0]!.path, '/v1beta/models/embed-test:embedContent');
    assert.deepEqual(bed.server.requests[0]!.body, { model: 'models/embed-test', content: { parts: [{ text: 'hello' }] } });

    const many = await c.embeddings.create({ input: ['a', 'b'], model: 'embed-test', dimensions: 4 });
    assert.deepEqual(
      many.data.map((d) => d.embedding),
      [mockEmbedding('a', 4), mockEmbedding('b', 4)],
    );
    assert.deepEqual(many.data.map((d) => d.index), [0, 1]);
    assert.equal(bed.server.requests[1]!.path, '/v1beta/models/embed-test:batchEmbedContents');
    assert.deepEqual(bed.server.requests[1]!.body, {
      requests: [
        { model: 'models/embed-test', content: { parts: [{ text: 'a' }] }, outputDimensionality: 4 },
        { model: 'models/embed-test', content: { parts: [{ text: 'b' }] }, outputDimensionality: 4 },
      ],
    });
  });

  describe('a candidate that failed (MALFORMED_FUNCTION_CALL and the like) is a failed attempt, not an empty answer with finish reason stop', () => {
    // The shape Gemini sends when the model wrote a function call its parser refused (LiteLLM issue #16651).
    const failed = (finishReason: string) => ({
      candidates: [{ content: {}, finishReason, finishMessage: "Malformed function call: print(default_api.get_time(tz='UTC'))", index: 0 }],
      usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'resp-malformed',
    });

    for (const reason of ['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS', 'MALFORMED_RESPONSE']) {
      test(`${reason}: ProviderError naming it, recorded as a failure`, async () => {
        bed.server.enqueueFault({ status: 200, body: failed(reason) });
        const c = client();
        const ends: boolean[] = [];
        c.on('attempt.end', (e) => ends.push(e.success));
        const error = await c.chat.completions.create({ messages: [{ role: 'user', content: 'time?' }], tools: [TIME_TOOL] }).catch((e: unknown) => e);
        assert.ok(error instanceof ProviderError, String(error));
        assert.match(error.message, new RegExp(`finishReason ${reason}`));
        assert.deepEqual(ends, [false]);
      });
    }

    test('streamed: the stream fails with the ProviderError, recorded as a failure', async () => {
      const replay = await ReplayServer.start();
      const c = new Client({ ...BARE_CLIENT_OPTIONS, providerType: 'gemini', apiKey: KEY, baseUrl: `${replay.url}/v1beta`, defaultModel: 'gemini-2.5-flash' });
      try {
        const sse = `data: ${JSON.stringify(failed('MALFORMED_FUNCTION_CALL'))}\r\n\r\n`;
        replay.serve({ name: 'gemini/malformed', providerType: 'gemini', status: 200, stream: true, contentType: 'text/event-stream', body: sse });
        const ends: boolean[] = [];
        c.on('attempt.end', (e) => ends.push(e.success));
        const error = await c.chat.completions
          .create({ messages: [{ role: 'user', content: 'time?' }], tools: [TIME_TOOL], stream: true })
          .then(drain)
          .catch((e: unknown) => e);
        assert.ok(error instanceof ProviderError, String(error));
        assert.match(error.message, /finishReason MALFORMED_FUNCTION_CALL: Malformed function call/);
        assert.deepEqual(ends, [false]);
      } finally {
        await c.close();
        await replay.close();
      }
    });
  });
});
