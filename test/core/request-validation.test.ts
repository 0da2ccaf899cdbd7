import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BadRequestError, Client, type ChatCompletionRequest } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { recordEvents, rejects, TEST_KEY } from './core-test-kit.js';

describe('request validation', () => {
  let server: MockProviderServer;
  let client: Client;

  before(async () => {
    server = await MockProviderServer.start();
    client = new Client({
      providerType: 'openai',
      apiKey: TEST_KEY,
      baseUrl: `${server.url}/v1`,
      defaultModel: 'gpt-test',
      models: ['gpt-test', 'text-embedding-test'],
      metricsEnabled: false,
    });
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  const user = { role: 'user' as const, content: 'hi' };
  const cases: Array<[string, unknown, string]> = [
    ['no messages', { messages: [] }, 'messages'],
    ['messages not an array', { messages: 'hi' }, 'messages'],
    ['a message that is not an object', { messages: [null] }, 'messages[0]'],
    ['unknown role', { messages: [user, { role: 'robot', content: 'x' }] }, 'messages[1].role'],
    ['missing content', { messages: [{ role: 'user' }] }, 'messages[0].content'],
    ['null content without tool calls', { messages: [{ role: 'assistant', content: null }] }, 'messages[0].content'],
    ['bad content part', { messages: [{ role: 'user', content: [{ type: 'audio' }] }] }, 'messages[0].content[0]'],
    ['tool message without toolCallId', { messages: [{ role: 'tool', content: 'r' }] }, 'messages[0].toolCallId'],
    ['temperature too high', { messages: [user], temperature: 2.5 }, 'temperature'],
    ['temperature negative', { messages: [user], temperature: -0.1 }, 'temperature'],
    ['temperature not a number', { messages: [user], temperature: '1' }, 'temperature'],
    ['topP out of range', { messages: [user], topP: 1.5 }, 'topP'],
    ['presencePenalty out of range', { messages: [user], presencePenalty: 3 }, 'presencePenalty'],
    ['maxTokens zero', { messages: [user], maxTokens: 0 }, 'maxTokens'],
    ['maxTokens fractional', { messages: [user], maxTokens: 1.5 }, 'maxTokens'],
    ['timeoutMs negative', { messages: [user], timeoutMs: -1 }, 'timeoutMs'],
    ['signal not a signal', { messages: [user], signal: {} }, 'signal'],
    ['stream not a boolean', { messages: [user], stream: 'yes' }, 'stream'],
    ['stop of numbers', { messages: [user], stop: [1] }, 'stop'],
    ['tool without a name', { messages: [user], tools: [{ type: 'function', function: {} }] }, 'tools[0]'],
    ['bad toolChoice', { messages: [user], toolChoice: 'always' }, 'toolChoice'],
    ['empty model', { messages: [user], model: '' }, 'model'],
    ['model not served', { messages: [user], model: 'other-model' }, 'model'],
    ['seed not a whole number', { messages: [user], seed: 1.5 }, 'seed'],
    ['seed a string', { messages: [user], seed: '7' }, 'seed'],
    ['user not a string', { messages: [user], user: 42 }, 'user'],
    ['a message name not a string', { messages: [{ role: 'user', content: 'hi', name: 5 }] }, 'messages[0].name'],
    ['tool parameters not an object', { messages: [user], tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] }, 'tools[0].function.parameters'],
    ['toolChoice naming no tool', { messages: [user], tools: [{ type: 'function', function: { name: 'f' } }], toolChoice: { type: 'function', function: { name: 'g' } } }, 'toolChoice'],
    ['toolChoice required without tools', { messages: [user], toolChoice: 'required' }, 'toolChoice'],
    ['an OpenAI snake_case field', { messages: [user], max_tokens: 5 }, 'max_tokens'],
    ['a misspelt field', { messages: [user], maxToken: 5 }, 'maxToken'],
    ['response_format', { messages: [user], response_format: { type: 'json_object' } }, 'response_format'],
    ['a responseFormat type not routed', { messages: [user], responseFormat: { type: 'json_schema' } }, 'responseFormat'],
    ['a message field in snake_case', { messages: [user, { role: 'assistant', content: '', tool_calls: [] }] }, 'messages[1].tool_calls'],
    ['a header the HTTP client sets: content-length', { messages: [user], headers: { 'Content-Length': '3' } }, 'headers.Content-Length'],
    ['a header the HTTP client sets: transfer-encoding', { messages: [user], headers: { 'transfer-encoding': 'chunked' } }, 'headers.transfer-encoding'],
    ['a header the HTTP client refuses: expect', { messages: [user], headers: { expect: '100-continue' } }, 'headers.expect'],
    ['a header the HTTP client refuses: upgrade', { messages: [user], headers: { upgrade: 'h2c' } }, 'headers.upgrade'],
    ['a header the HTTP client refuses: keep-alive', { messages: [user], headers: { 'keep-alive': 'timeout=5' } }, 'headers.keep-alive'],
    ['a header value with a control character', { messages: [user], headers: { 'x-a': 'a\u0001b' } }, 'headers.x-a'],
    ['a header value beyond Latin-1', { messages: [user], headers: { 'x-team': '検索' } }, 'headers.x-team'],
    ['a header name that is not a token', { messages: [user], headers: { 'x team': 'a' } }, 'headers'],
  ];

  for (const [name, request, field] of cases) {
    it(`${name} -> BadRequestError(field ${field}) before any network call`, async () => {
      const rec = recordEvents(client);
      for (const stream of [false, true]) {
        const req = { ...(request as object), ...(stream && (request as { stream?: unknown }).stream === undefined ? { stream } : {}) };
        const err = await rejects(client.chat.completions.create(req as ChatCompletionRequest), BadRequestError);
        assert.equal(err.field, field);
        assert.equal(err.statusCode, undefined, 'no provider answered');
        assert.match(err.message, new RegExp(`^Invalid request: ${field.replace(/[[\].]/g, '\\$&')} `));
      }
      rec.stop();
      assert.equal(server.requests.length, 0, 'no request reached the server');
      assert.equal(rec.events.length, 0, 'no request event either');
    });
  }

  it('a field that is not one names the field it most likely is', async () => {
    const guesses: Array<[object, RegExp]> = [
      [{ messages: [user], max_tokens: 5 }, /^Invalid request: max_tokens is not a chat request field; did you mean maxTokens\?$/],
      [{ messages: [user], tool_choice: 'none' }, /did you mean toolChoice\?$/],
      [{ messages: [user], timeoutMS: 5 }, /did you mean timeoutMs\?$/],
      [{ messages: [{ role: 'tool', content: 'r', toolCallId: 'a', tool_call_id: 'a' }] }, /^Invalid request: messages\[0\]\.tool_call_id is not a message field; did you mean toolCallId\?$/],
    ];
    for (const [request, message] of guesses) {
      const err = await rejects(client.chat.completions.create(request as ChatCompletionRequest), BadRequestError);
      assert.match(err.message, message);
    }
    const err = await rejects(client.embeddings.create({ input: 'a', dimension: 3 } as never), BadRequestError);
    assert.equal(err.field, 'dimension');
    assert.match(err.message, /is not an embeddings request field; did you mean dimensions\?$/);
    assert.equal(server.requests.length, 0);
  });

  it('rejects a request that is not an object', async () => {
    const err = await rejects(client.chat.completions.create(null as never), BadRequestError);
    assert.equal(err.field, 'request');
  });

  it('validates embeddings requests', async () => {
    const bad: Array<[unknown, string]> = [
      [{ input: '' }, 'input'],
      [{ input: [] }, 'input'],
      [{ input: ['a', 2] }, 'input'],
      [{ input: 'a', dimensions: 0 }, 'dimensions'],
      [{ input: 'a', timeoutMs: 0 }, 'timeoutMs'],
      [{ input: 'a', encoding_format: 'float' }, 'encoding_format'],
    ];
    for (const [request, field] of bad) {
      const err = await rejects(client.embeddings.create(request as never), BadRequestError);
      assert.equal(err.field, field);
    }
    assert.equal(server.requests.length, 0);
  });

  it('a valid request does reach the server', async () => {
    const res = await client.chat.completions.create({ messages: [user], temperature: 0, topP: 1, maxTokens: 5 });
    assert.equal(res.choices[0]!.message.content, 'Echo: hi');
    assert.equal(server.requests.length, 1);
  });

  it('a field given as undefined, and an answer message passed back with its reasoning and refusal, are accepted', async () => {
    const before = server.requests.length;
    const first = await client.chat.completions.create({ messages: [user], maxTokens: undefined, responseFormat: { type: 'text' } });
    const answer = first.choices[0]!.message;
    const second = await client.chat.completions.create({ messages: [user, answer, user] });
    assert.equal(second.choices[0]!.message.content, 'Echo: hi');
    assert.equal(server.requests.length, before + 2);
  });
});
