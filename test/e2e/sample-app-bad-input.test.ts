import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startSampleExpressApp } from '../../sample-app/express/create-express-app.js';
import { startSampleNestApp } from '../../sample-app/nestjs/create-nest-app.js';
import { loadSampleConfig } from '../../sample-app/shared/config.js';
import type { RunningSampleApp } from '../../sample-app/shared/running-app.js';

/**
 * The bad-input table (issue 8, "the evidence suite"): requests a client may send by mistake or on
 * purpose, each answered on every variant with the status and OpenAI's error body
 * `{ error: { message, type, param, code } }` naming the parameter.
 */

const mockConfig = (): ReturnType<typeof loadSampleConfig> => loadSampleConfig({ PORT: '0', HOST: '127.0.0.1' });

const VARIANTS: Array<{ name: string; start: () => Promise<RunningSampleApp> }> = [
  { name: 'NestJS on Express', start: () => startSampleNestApp(mockConfig(), { platform: 'express', logger: false }) },
  { name: 'NestJS on Fastify', start: () => startSampleNestApp(mockConfig(), { platform: 'fastify', logger: false }) },
  { name: 'plain Express', start: () => startSampleExpressApp(mockConfig()) },
];

const hi = [{ role: 'user', content: 'hi' }];
const chat = (extra: Record<string, unknown>): string => JSON.stringify({ model: 'mock-chat', messages: hi, ...extra });
const raw = (s: string): string => s;

interface Row {
  name: string;
  method?: string;
  path?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  status: number;
  param?: string | null;
  code?: string | null;
  allow?: string;
}

const tooDeep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const withBytes = (before: string, bytes: number[], after: string): Uint8Array => new Uint8Array([...utf8(before), ...bytes, ...utf8(after)]);

const ROWS: Row[] = [
  // types of every kind of member
  { name: 'user: 123', body: chat({ user: 123 }), status: 400, param: 'user', code: 'invalid_type' },
  { name: 'seed: "abc"', body: chat({ seed: 'abc' }), status: 400, param: 'seed', code: 'invalid_type' },
  { name: 'seed: 1.5', body: chat({ seed: 1.5 }), status: 400, param: 'seed', code: 'invalid_type' },
  { name: 'model: 5', body: chat({ model: 5 }), status: 400, param: 'model', code: 'invalid_type' },
  { name: 'temperature: "hot"', body: chat({ temperature: 'hot' }), status: 400, param: 'temperature', code: 'invalid_type' },
  { name: 'top_p: true', body: chat({ top_p: true }), status: 400, param: 'top_p', code: 'invalid_type' },
  { name: 'max_tokens: 1.5', body: chat({ max_tokens: 1.5 }), status: 400, param: 'max_tokens', code: 'invalid_type' },
  { name: 'max_completion_tokens: "9"', body: chat({ max_completion_tokens: '9' }), status: 400, param: 'max_completion_tokens', code: 'invalid_type' },
  { name: 'presence_penalty: []', body: chat({ presence_penalty: [] }), status: 400, param: 'presence_penalty', code: 'invalid_type' },
  { name: 'frequency_penalty: {}', body: chat({ frequency_penalty: {} }), status: 400, param: 'frequency_penalty', code: 'invalid_type' },
  { name: 'n: "2"', body: chat({ n: '2' }), status: 400, param: 'n', code: 'invalid_type' },
  { name: 'n: 2 (not served)', body: chat({ n: 2 }), status: 400, param: 'n' },
  { name: 'stream: "yes"', body: chat({ stream: 'yes' }), status: 400, param: 'stream', code: 'invalid_type' },
  { name: 'stream_options.include_usage: "yes"', body: chat({ stream: true, stream_options: { include_usage: 'yes' } }), status: 400, param: 'stream_options.include_usage', code: 'invalid_type' },
  { name: 'stop: 5', body: chat({ stop: 5 }), status: 400, param: 'stop', code: 'invalid_type' },
  { name: 'stop: [1]', body: chat({ stop: [1] }), status: 400, param: 'stop[0]', code: 'invalid_type' },
  { name: 'stop: five strings', body: chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), status: 400, param: 'stop', code: 'array_above_max_length' },
  { name: 'logprobs: "true"', body: chat({ logprobs: 'true' }), status: 400, param: 'logprobs', code: 'invalid_type' },
  { name: 'logprobs: true (not served)', body: chat({ logprobs: true }), status: 400, param: 'logprobs', code: 'unsupported_parameter' },
  { name: 'parallel_tool_calls: "no"', body: chat({ parallel_tool_calls: 'no' }), status: 400, param: 'parallel_tool_calls', code: 'invalid_type' },
  { name: 'store: 1', body: chat({ store: 1 }), status: 400, param: 'store', code: 'invalid_type' },
  { name: 'metadata: { a: 1 }', body: chat({ metadata: { a: 1 } }), status: 400, param: 'metadata.a', code: 'invalid_type' },
  { name: 'metadata: "x"', body: chat({ metadata: 'x' }), status: 400, param: 'metadata', code: 'invalid_type' },
  { name: 'logit_bias: { "50256": "x" }', body: chat({ logit_bias: { '50256': 'x' } }), status: 400, param: 'logit_bias.50256', code: 'invalid_type' },
  { name: 'reasoning_effort: "max"', body: chat({ reasoning_effort: 'max' }), status: 400, param: 'reasoning_effort', code: 'invalid_value' },
  { name: 'service_tier: 3', body: chat({ service_tier: 3 }), status: 400, param: 'service_tier', code: 'invalid_type' },
  // members a client sends on purpose that the router cannot honour: refused, never dropped
  { name: 'reasoning_effort: "high" (not served)', body: chat({ reasoning_effort: 'high' }), status: 400, param: 'reasoning_effort', code: 'unsupported_parameter' },
  { name: 'verbosity: "low" (not served)', body: chat({ verbosity: 'low' }), status: 400, param: 'verbosity', code: 'unsupported_parameter' },
  { name: 'parallel_tool_calls: false (not served)', body: chat({ parallel_tool_calls: false }), status: 400, param: 'parallel_tool_calls', code: 'unsupported_parameter' },
  { name: 'prediction (not served)', body: chat({ prediction: { type: 'content', content: 'x' } }), status: 400, param: 'prediction', code: 'unsupported_parameter' },
  { name: 'service_tier: "flex" (not served)', body: chat({ service_tier: 'flex' }), status: 400, param: 'service_tier', code: 'unsupported_parameter' },
  { name: 'safety_identifier and a different user', body: chat({ safety_identifier: 'a', user: 'b' }), status: 400, param: 'safety_identifier', code: 'invalid_value' },
  { name: 'response_format: "json"', body: chat({ response_format: 'json' }), status: 400, param: 'response_format', code: 'invalid_type' },
  { name: 'response_format.type: "xml"', body: chat({ response_format: { type: 'xml' } }), status: 400, param: 'response_format.type', code: 'invalid_value' },
  { name: 'tool_choice: "sometimes"', body: chat({ tool_choice: 'sometimes' }), status: 400, param: 'tool_choice', code: 'invalid_value' },
  { name: 'tool_choice: 1', body: chat({ tool_choice: 1 }), status: 400, param: 'tool_choice', code: 'invalid_type' },
  { name: 'tool_choice: "required" without tools', body: chat({ tool_choice: 'required' }), status: 400, param: 'tool_choice', code: 'invalid_value' },
  { name: 'tool_choice naming a function not in tools', body: chat({ tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function', function: { name: 'g' } } }), status: 400, param: 'tool_choice', code: 'invalid_value' },
  { name: 'tools: {}', body: chat({ tools: {} }), status: 400, param: 'tools', code: 'invalid_type' },
  { name: 'tools[0].type: "shell"', body: chat({ tools: [{ type: 'shell' }] }), status: 400, param: 'tools[0].type', code: 'invalid_value' },
  { name: 'tools[0].function.name missing', body: chat({ tools: [{ type: 'function', function: {} }] }), status: 400, param: 'tools[0].function.name', code: 'missing_required_parameter' },
  { name: 'tools[0].function.parameters: "x"', body: chat({ tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] }), status: 400, param: 'tools[0].function.parameters', code: 'invalid_type' },
  // messages
  { name: 'messages missing', body: JSON.stringify({ model: 'mock-chat' }), status: 400, param: 'messages', code: 'missing_required_parameter' },
  { name: 'messages: "hi"', body: chat({ messages: 'hi' }), status: 400, param: 'messages', code: 'invalid_type' },
  { name: 'messages: [1]', body: chat({ messages: [1] }), status: 400, param: 'messages[0]', code: 'invalid_type' },
  { name: 'messages[0].role missing', body: chat({ messages: [{ content: 'hi' }] }), status: 400, param: 'messages[0].role', code: 'missing_required_parameter' },
  { name: 'messages[0].role: "wizard"', body: chat({ messages: [{ role: 'wizard', content: 'hi' }] }), status: 400, param: 'messages[0].role', code: 'invalid_value' },
  { name: 'messages[0].content: 5', body: chat({ messages: [{ role: 'user', content: 5 }] }), status: 400, param: 'messages[0].content', code: 'invalid_type' },
  { name: 'messages[0].name: 1', body: chat({ messages: [{ role: 'user', content: 'hi', name: 1 }] }), status: 400, param: 'messages[0].name', code: 'invalid_type' },
  { name: 'tool message without tool_call_id', body: chat({ messages: [{ role: 'tool', content: 'x' }] }), status: 400, param: 'messages[0].tool_call_id', code: 'missing_required_parameter' },
  { name: 'content part of type "video"', body: chat({ messages: [{ role: 'user', content: [{ type: 'video' }] }] }), status: 400, param: 'messages[0].content[0].type', code: 'invalid_value' },
  { name: 'image_url.url: 1', body: chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 1 } }] }] }), status: 400, param: 'messages[0].content[0].image_url.url', code: 'invalid_type' },
  { name: 'assistant tool_calls[0].function missing', body: chat({ messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function' }] }] }), status: 400, param: 'messages[0].tool_calls[0].function', code: 'missing_required_parameter' },
  { name: 'unknown member', body: chat({ temprature: 1 }), status: 400, param: 'temprature', code: 'unknown_parameter' },
  // prototype keys
  { name: '__proto__ at the top', body: raw('{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"__proto__":{"polluted":true}}'), status: 400, param: '__proto__', code: 'unknown_parameter' },
  { name: 'constructor at the top', body: chat({ constructor: { prototype: { polluted: true } } }), status: 400, param: 'constructor', code: 'unknown_parameter' },
  { name: 'toString at the top', body: chat({ toString: 1 }), status: 400, param: 'toString', code: 'unknown_parameter' },
  { name: 'hasOwnProperty at the top', body: chat({ hasOwnProperty: 1 }), status: 400, param: 'hasOwnProperty', code: 'unknown_parameter' },
  { name: '__proto__ in a message', body: raw('{"model":"mock-chat","messages":[{"role":"user","content":"hi","__proto__":{"role":"system"}}]}'), status: 400, param: 'messages[0].__proto__', code: 'unknown_parameter' },
  { name: 'role "constructor"', body: chat({ messages: [{ role: 'constructor', content: 'hi' }] }), status: 400, param: 'messages[0].role', code: 'invalid_value' },
  { name: 'metadata.__proto__ (a string, allowed as a key)', body: raw('{"model":"mock-chat","messages":[{"role":"user","content":"hi"}],"metadata":{"__proto__":"x"}}'), status: 200 },
  // encodings and bodies
  { name: 'invalid UTF-8 byte (0xff)', body: withBytes('{"model":"mock-chat","messages":[{"role":"user","content":"a', [0xff], 'b"}]}'), status: 400, param: null, code: 'invalid_encoding' },
  { name: 'overlong UTF-8 (0xc0 0xaf)', body: withBytes('{"model":"mock-chat","messages":[{"role":"user","content":"', [0xc0, 0xaf], '"}]}'), status: 400, param: null, code: 'invalid_encoding' },
  { name: 'cut UTF-8 sequence (0xe2 0x82)', body: withBytes('{"model":"mock-chat","messages":[{"role":"user","content":"', [0xe2, 0x82], '"}]}'), status: 400, param: null, code: 'invalid_encoding' },
  { name: 'unpaired surrogate escape', body: raw('{"model":"mock-chat","messages":[{"role":"user","content":"\\ud800"}]}'), status: 400, param: 'messages[0].content', code: 'invalid_value' },
  { name: 'valid multi-byte UTF-8', body: chat({ messages: [{ role: 'user', content: 'héllo 世界 🎉' }] }), status: 200 },
  { name: 'invalid JSON', body: '{"model": "mock-chat", "messages": [', status: 400, param: null, code: 'invalid_json' },
  { name: 'empty body', body: '', status: 400, param: null, code: 'invalid_json' },
  { name: 'body: null', body: 'null', status: 400, param: null, code: 'invalid_json' },
  { name: 'body: an array', body: '[]', status: 400, param: null, code: 'invalid_json' },
  { name: 'body: a string', body: '"hi"', status: 400, param: null, code: 'invalid_json' },
  { name: 'charset=iso-8859-1', body: chat({}), headers: { 'content-type': 'application/json; charset=iso-8859-1' }, status: 415, param: null, code: 'unsupported_media_type' },
  { name: 'charset="utf-16"', body: chat({}), headers: { 'content-type': 'application/json; charset="utf-16"' }, status: 415, param: null, code: 'unsupported_media_type' },
  { name: 'charset=UTF-8', body: chat({}), headers: { 'content-type': 'application/json; charset=UTF-8' }, status: 200 },
  { name: 'text/plain content type (like curl -d) is read as JSON', body: chat({}), headers: { 'content-type': 'text/plain' }, status: 200 },
  // sizes and nesting
  { name: 'a 5 MiB body', body: chat({ messages: [{ role: 'user', content: 'x'.repeat(5 * 1024 * 1024) }] }), status: 413, param: null, code: 'request_too_large' },
  { name: 'a 1 MiB message', body: chat({ messages: [{ role: 'user', content: 'word '.repeat(200_000) }] }), status: 200 },
  { name: '2,000 messages', body: chat({ messages: Array.from({ length: 2000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i}` })) }), status: 200 },
  { name: 'nested 100 deep in tool parameters', body: chat({ tools: [{ type: 'function', function: { name: 'f', parameters: JSON.parse(`{"a":${tooDeep(100)}}`) } }] }), status: 400, param: null, code: 'invalid_json' },
  { name: 'nested 100,000 deep', body: `{"model":"mock-chat","messages":${tooDeep(100_000)}}`, status: 400, param: null, code: 'invalid_json' },
  // methods and routes
  { name: 'GET on the POST route', method: 'GET', path: '/v1/chat/completions', status: 405, param: null, code: 'method_not_allowed', allow: 'POST' },
  { name: 'PUT on the POST route', method: 'PUT', path: '/v1/chat/completions', body: chat({}), status: 405, param: null, code: 'method_not_allowed', allow: 'POST' },
  { name: 'DELETE on the POST route', method: 'DELETE', path: '/v1/chat/completions', status: 405, param: null, code: 'method_not_allowed', allow: 'POST' },
  { name: 'PATCH on the POST route', method: 'PATCH', path: '/v1/chat/completions', body: chat({}), status: 405, param: null, code: 'method_not_allowed', allow: 'POST' },
  { name: 'POST on /v1/models', method: 'POST', path: '/v1/models', body: '{}', status: 405, param: null, code: 'method_not_allowed', allow: 'GET, HEAD' },
  { name: 'DELETE /metrics', method: 'DELETE', path: '/metrics', status: 405, param: null, code: 'method_not_allowed', allow: 'GET, HEAD' },
  { name: 'an unknown route', method: 'GET', path: '/v1/nothing-here', status: 404, param: null, code: 'unknown_url' },
  { name: 'a POST to an unknown route', method: 'POST', path: '/v1/completions', body: '{}', status: 404, param: null, code: 'unknown_url' },
  { name: 'below the chat route', method: 'POST', path: '/v1/chat/completions/extra', body: chat({}), status: 404, param: null, code: 'unknown_url' },
];

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function assertOpenAiError(body: unknown, row: { name: string; param?: string | null; code?: string | null }): void {
  const e = (body as ErrorBody).error;
  assert.ok(typeof e === 'object' && e !== null, `${row.name}: an error object, got ${JSON.stringify(body)}`);
  assert.deepEqual(Object.keys(body as object), ['error'], row.name);
  assert.deepEqual(Object.keys(e).sort(), ['code', 'message', 'param', 'type'], row.name);
  assert.equal(typeof e.message, 'string');
  assert.ok(e.message.length > 0 && e.message.length < 2000, row.name);
  assert.equal(typeof e.type, 'string');
  if (row.param !== undefined) assert.equal(e.param, row.param, `${row.name}: param (${e.message})`);
  if (row.code !== undefined) assert.equal(e.code, row.code, `${row.name}: code (${e.message})`);
}

/** Sends raw bytes on a new connection; resolves with what came back once the server closes it. */
function rawExchange(url: string, request: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const split = data.indexOf('\r\n\r\n');
      const head = split < 0 ? data : data.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body: split < 0 ? '' : data.slice(split + 4) });
    });
  });
}

for (const variant of VARIANTS) {
  describe(`bad input through the sample app (${variant.name})`, () => {
    let app: RunningSampleApp;
    before(async () => {
      app = await variant.start();
    });
    after(async () => {
      await app.close();
    });

    test('every row of the table gets its status and an OpenAI error body naming the parameter', async () => {
      for (const row of ROWS) {
        const res = await fetch(`${app.url}${row.path ?? '/v1/chat/completions'}`, {
          method: row.method ?? 'POST',
          headers: { 'content-type': 'application/json', ...row.headers },
          ...(row.body === undefined ? {} : { body: row.body }),
        });
        const text = await res.text();
        assert.equal(res.status, row.status, `${row.name}: status (${text.slice(0, 300)})`);
        if (row.status === 200) continue;
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/, row.name);
        assertOpenAiError(JSON.parse(text), row);
        if (row.allow !== undefined) assert.equal(res.headers.get('allow'), row.allow, `${row.name}: Allow`);
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
    });

    test('a header over the size limit is 431 with an OpenAI error body', async () => {
      const res = await rawExchange(app.url, `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      assert.equal(res.status, 431, res.headers);
      assert.match(res.headers, /content-type: application\/json/i);
      assertOpenAiError(JSON.parse(res.body), { name: '431', param: null, code: 'request_header_fields_too_large' });
    });

    test('a request Node cannot parse is 400 with an OpenAI error body', async () => {
      const res = await rawExchange(app.url, 'GET /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n');
      assert.equal(res.status, 400, res.headers);
      assertOpenAiError(JSON.parse(res.body), { name: 'malformed', param: null, code: 'malformed_http' });
    });

    test('the service still answers after the table', async () => {
      const res = await fetch(`${app.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat({}) });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { object: string }).object, 'chat.completion');
    });
  });
}
