import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam, RawMessageStreamEvent, Tool } from '@anthropic-ai/sdk/resources/messages';
import { MockProviderServer } from '../../lib/testing/index.js';

// The official `@anthropic-ai/sdk` drives the server: messages.create (plain and stream: true), the
// messages.stream() helper that accumulates events into finalMessage(), tool_use with input_json_delta,
// typed errors from `{type:"error", error:{type, message}}` bodies and from `event: error` mid-stream.

const weatherTool: Tool = {
  name: 'get_weather',
  description: 'Weather of a city',
  input_schema: {
    type: 'object',
    properties: { location: { type: 'string' }, days: { type: 'integer' } },
    required: ['location'],
  },
};

describe('MockProviderServer speaks Anthropic Messages to the official @anthropic-ai/sdk', () => {
  let server: MockProviderServer;
  let client: Anthropic;

  before(async () => {
    server = await MockProviderServer.start();
    client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.url, maxRetries: 0 });
  });
  beforeEach(() => server.reset());
  after(() => server.close());

  test('messages.create: text block, end_turn, usage counting the system prompt, request-id', async () => {
    const { data, request_id } = await client.messages
      .create({
        model: 'claude-mock-1',
        max_tokens: 100,
        system: 'You are terse',
        messages: [{ role: 'user', content: 'Hello mock world' }],
      })
      .withResponse();
    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.equal(data.id, 'msg_mock1');
    assert.equal(data.model, 'claude-mock-1');
    assert.equal(data.stop_reason, 'end_turn');
    assert.deepEqual(data.content, [{ type: 'text', text: 'Echo: Hello mock world' }]);
    assert.equal(data.usage.input_tokens, 6);
    assert.equal(data.usage.output_tokens, 4);
    assert.equal(request_id, 'req_mock1');
    const logged = server.requests[0]!;
    assert.equal(logged.path, '/v1/messages');
    assert.equal(logged.headers.authorization, 'Bearer [REDACTED]', 'this SDK version sends its key as a bearer token');
    assert.equal(typeof logged.headers['anthropic-version'], 'string');
  });

  test('stream: true yields the real event sequence; ping is sent and skipped by the SDK', async () => {
    const stream = await client.messages.create({
      model: 'claude-mock-1',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'one two three four five' }],
      stream: true,
    });
    const events: RawMessageStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'message_start');
    assert.equal(types[1], 'content_block_start');
    assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    const deltas = events.filter((e) => e.type === 'content_block_delta');
    assert.ok(deltas.length >= 3);
    const text = deltas.map((e) => (e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? e.delta.text : '')).join('');
    assert.equal(text, 'Echo: one two three four five');
    const start = events[0]!;
    assert.ok(start.type === 'message_start');
    assert.equal(start.message.usage.input_tokens, 5);
    const delta = events.find((e) => e.type === 'message_delta');
    assert.ok(delta?.type === 'message_delta');
    assert.equal(delta.delta.stop_reason, 'end_turn');
    assert.equal(delta.usage.output_tokens, 6);
  });

  test('messages.stream() helper: text events and finalMessage()', async () => {
    const stream = client.messages.stream({
      model: 'claude-mock-2',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'a b c d e' }],
    });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const final = await stream.finalMessage();
    assert.ok(texts.length >= 2);
    assert.equal(texts.join(''), 'Echo: a b');
    assert.deepEqual(final.content, [{ type: 'text', text: 'Echo: a b' }]);
    assert.equal(final.stop_reason, 'max_tokens');
    assert.equal(final.usage.output_tokens, 3);
  });

  test('tool_use (non-streaming): a call to the first tool with schema-derived input', async () => {
    const res = await client.messages.create({
      model: 'claude-mock-1',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    assert.equal(res.stop_reason, 'tool_use');
    const block = res.content[0]!;
    assert.ok(block.type === 'tool_use');
    assert.equal(block.name, 'get_weather');
    assert.equal(block.id, 'toolu_mock1_0');
    assert.deepEqual(block.input, { location: 'mock', days: 1 });
  });

  test('tool_use streamed: input_json_delta fragments accumulated by messages.stream() into finalMessage()', async () => {
    const stream = client.messages.stream({
      model: 'claude-mock-1',
      max_tokens: 100,
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const fragments: string[] = [];
    stream.on('inputJson', (partial) => fragments.push(partial));
    const final = await stream.finalMessage();
    assert.ok(fragments.filter((f) => f.length > 0).length >= 2, 'input arrives in several fragments');
    assert.equal(final.stop_reason, 'tool_use');
    const block = final.content[0]!;
    assert.ok(block.type === 'tool_use');
    assert.deepEqual(block.input, { location: 'mock', days: 1 });
  });

  test('after a tool_result the answer is text echoing it', async () => {
    const messages: MessageParam[] = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '22 degrees' }] },
    ];
    const res = await client.messages.create({ model: 'claude-mock-1', max_tokens: 100, tools: [weatherTool], messages });
    assert.equal(res.stop_reason, 'end_turn');
    assert.deepEqual(res.content, [{ type: 'text', text: 'Echo: 22 degrees' }]);
  });

  test('errors become the SDK typed errors: 429 RateLimitError with retry-after, 529 overloaded, 401 AuthenticationError', async () => {
    server.enqueueFault({ status: 429, headers: { 'retry-after': '3' } });
    const limited = await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    assert.ok(limited instanceof Anthropic.RateLimitError);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers?.get('retry-after'), '3');
    assert.deepEqual((limited.error as { error: { type: string } }).error.type, 'rate_limit_error');

    server.enqueueFault({ status: 529 });
    const overloaded = await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    assert.ok(overloaded instanceof Anthropic.InternalServerError);
    assert.equal(overloaded.status, 529);
    assert.equal((overloaded.error as { error: { type: string } }).error.type, 'overloaded_error');

    server.configure({ apiKeys: ['sk-ant-right'] });
    const denied = await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    assert.ok(denied instanceof Anthropic.AuthenticationError);
    assert.equal((denied.error as { error: { message: string } }).error.message, 'invalid x-api-key');
  });

  test('a missing max_tokens is the real 400 (invalid_request_error)', async () => {
    const res = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
      request_id: 'req_mock1',
    });
    const noVersion = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(noVersion.status, 400);
    assert.equal(((await noVersion.json()) as { error: { message: string } }).error.message, 'anthropic-version: header is required');
    const noKey = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(noKey.status, 401);
    assert.equal(((await noKey.json()) as { error: { type: string } }).error.type, 'authentication_error');
  });

  test('midStreamError: the SDK throws on the `event: error` sent mid-stream', async () => {
    server.enqueueFault({ midStreamError: true });
    const stream = await client.messages.create({
      model: 'claude-mock-1',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'one two three four five six' }],
      stream: true,
    });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of stream) seen.push(e.type);
    })().catch((e: unknown) => e);
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal((err.error as { error: { type: string } }).error.type, 'overloaded_error');
    assert.equal(seen[0], 'message_start');
    assert.ok(!seen.includes('message_stop'));
  });

  test('contentFilter: stop_reason "refusal"', async () => {
    server.enqueueFault({ contentFilter: true });
    const res = await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.stop_reason, 'refusal');
    assert.deepEqual(res.content, []);
  });
});
