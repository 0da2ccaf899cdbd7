import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { MOCK_FAULT_HEADER, MockProviderServer } from '../../lib/testing/index.js';

// Every fault kind, driven with plain undici/fetch so that the test sees exactly what goes over the wire.

const openAiHeaders = { 'content-type': 'application/json', authorization: 'Bearer sk-test' };
const anthropicHeaders = { 'content-type': 'application/json', 'x-api-key': 'sk-ant', 'anthropic-version': '2023-06-01' };
const chatBody = (stream: boolean, content = 'one two three four five six'): string =>
  JSON.stringify({ model: 'gpt-4o-mini', stream, stream_options: stream ? { include_usage: true } : undefined, messages: [{ role: 'user', content }] });

/** Reads a body to its end or to its failure, returning what arrived and the error, if any. */
async function drain(body: AsyncIterable<Buffer | Uint8Array>): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const chunk of body) text += Buffer.from(chunk).toString();
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}

function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((e) => e.length > 0)
    .map((e) => e.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(5);
  assert.ok(condition(), 'condition not reached');
}

describe('MockProviderServer fault injection', () => {
  let server: MockProviderServer;
  let dispatcher: Agent;

  before(async () => {
    server = await MockProviderServer.start();
    dispatcher = new Agent();
  });
  beforeEach(() => server.reset());
  after(async () => {
    await dispatcher.close();
    await server.close();
  });

  const chat = (stream: boolean, headers: Record<string, string> = {}, path = '/v1/chat/completions') =>
    request(`${server.url}${path}`, { method: 'POST', dispatcher, headers: { ...openAiHeaders, ...headers }, body: chatBody(stream) });

  test('status with headers: the format\'s real error body, retry-after headers, used once', async () => {
    server.enqueueFault({ status: 429, headers: { 'retry-after': '2', 'retry-after-ms': '1500' } });
    const limited = await chat(false);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '2');
    assert.equal(limited.headers['retry-after-ms'], '1500');
    assert.equal(limited.headers['x-request-id'], 'req_mock1');
    assert.deepEqual(await limited.body.json(), {
      error: {
        message: 'Rate limit reached for requests per min (RPM). Please try again later.',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    });
    const ok = await chat(false);
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    assert.equal(server.pendingFaults, 0);
  });

  test('times and match: only matching requests take the fault, in order', async () => {
    server.enqueueFault({ status: 500 }, { times: 2, match: { format: 'anthropic' } });
    server.enqueueFault({ status: 502 }, { match: { path: /\/chat\/completions$/, model: 'gpt-4o-mini', stream: false } });
    assert.equal(server.pendingFaults, 3);
    const streamed = await chat(true);
    assert.equal(streamed.statusCode, 200, 'stream: false does not match a streaming request');
    await streamed.body.dump();
    const bad = await chat(false);
    assert.equal(bad.statusCode, 502);
    await bad.body.dump();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await request(`${server.url}/v1/messages`, {
        method: 'POST',
        dispatcher,
        headers: anthropicHeaders,
        body: JSON.stringify({ model: 'claude-mock', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      });
      statuses.push(res.statusCode);
      const body = (await res.body.json()) as { type: string; error?: { type: string } };
      if (res.statusCode === 500) assert.deepEqual([body.type, body.error?.type], ['error', 'api_error']);
    }
    assert.deepEqual(statuses, [500, 500, 200]);
    assert.equal(server.pendingFaults, 0);
  });

  test('status with a custom body (object or text)', async () => {
    server.enqueueFault({ status: 400, body: { error: { message: 'custom', type: 'x', param: null, code: 'c' } } });
    const custom = await chat(false);
    assert.deepEqual(await custom.body.json(), { error: { message: 'custom', type: 'x', param: null, code: 'c' } });
    server.enqueueFault({ status: 502, body: '<html>bad gateway</html>' });
    const html = await chat(false);
    assert.equal(html.statusCode, 502);
    assert.equal(await html.body.text(), '<html>bad gateway</html>');
  });

  test('x-mock-fault header: a per-request fault that takes precedence over the queue; invalid JSON is a 400', async () => {
    server.enqueueFault({ status: 500 });
    const res = await chat(false, { [MOCK_FAULT_HEADER]: JSON.stringify({ status: 503, headers: { 'retry-after': '1' } }) });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '1');
    await res.body.dump();
    assert.equal(server.pendingFaults, 1, 'the queued fault is untouched');
    assert.deepEqual(server.requests[0]!.fault, { status: 503, headers: { 'retry-after': '1' } });
    const invalid = await chat(false, { [MOCK_FAULT_HEADER]: '{not json' });
    assert.equal(invalid.statusCode, 400);
    assert.match(((await invalid.body.json()) as { error: { message: string } }).error.message, /x-mock-fault/);
    const badStatus = await chat(false, { [MOCK_FAULT_HEADER]: '{"status":"teapot"}' });
    assert.equal(badStatus.statusCode, 400);
    assert.match(((await badStatus.body.json()) as { error: { message: string } }).error.message, /fault\.status/);
  });

  test('enqueueFault refuses a fault it could not apply', () => {
    assert.throws(() => server.enqueueFault({ status: 42 }), TypeError);
    assert.throws(() => server.enqueueFault({ delayMs: -1 }), TypeError);
    assert.throws(() => server.enqueueFault({ status: 500, headers: { 'retry-after': 2 as unknown as string } }), TypeError);
    assert.throws(() => server.enqueueFault({ status: 500 }, { times: 0 }), RangeError);
    assert.equal(server.pendingFaults, 0);
  });

  test('a misspelt fault, fault option or match field is refused, naming it, never queued as a fault that does nothing', async () => {
    const cases: Array<[() => void, RegExp]> = [
      [() => server.enqueueFault({ stauts: 500 } as never), /^fault\.stauts is not a fault field; did you mean status\?$/],
      [() => server.enqueueFault({ status: 500, time: 2 } as never), /fault\.time is not a fault field/],
      [() => server.enqueueFault({ status: 500 }, { tims: 2 } as never), /options\.tims is not an option of enqueueFault; did you mean times\?/],
      [() => server.enqueueFault({ status: 500 }, { match: { paht: '/v1' } } as never), /options\.match\.paht is not an option of enqueueFault; did you mean path\?/],
    ];
    for (const [enqueue, message] of cases) assert.throws(enqueue, (e: unknown) => e instanceof TypeError && message.test(e.message), String(message));
    assert.equal(server.pendingFaults, 0);
    const res = await chat(false, { [MOCK_FAULT_HEADER]: '{"stauts":503}' });
    assert.equal(res.statusCode, 400);
    assert.match(((await res.body.json()) as { error: { message: string } }).error.message, /fault\.stauts is not a fault field; did you mean status\?/);
  });

  test('delayMs: a client timeout shorter than the delay fires; the server drops the delayed answer', async () => {
    server.enqueueFault({ delayMs: 60_000 });
    await assert.rejects(
      request(`${server.url}/v1/chat/completions`, { method: 'POST', dispatcher, headers: openAiHeaders, body: chatBody(false), headersTimeout: 100 }),
      (e: unknown) => (e as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT',
    );
    server.enqueueFault({ delayMs: 20 });
    const slow = await chat(false);
    assert.equal(slow.statusCode, 200);
    assert.equal(((await slow.body.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content, 'Echo: one two three four five six');
  });

  test('hang: no answer until the client aborts; the server keeps serving', async () => {
    server.enqueueFault({ hang: true });
    const controller = new AbortController();
    const pending = fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: openAiHeaders, body: chatBody(false), signal: controller.signal });
    await until(() => server.requests.length === 1);
    controller.abort();
    await assert.rejects(pending, (e: unknown) => (e as Error).name === 'AbortError');
    const ok = await chat(false);
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  });

  test('reset: the connection is destroyed without a response', async () => {
    server.enqueueFault({ reset: true });
    await assert.rejects(chat(false), (e: unknown) => ['ECONNRESET', 'UND_ERR_SOCKET'].includes((e as { code?: string }).code ?? ''));
    const ok = await chat(false);
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  });

  test('malformedJson: 200 with a JSON body cut in the middle', async () => {
    server.enqueueFault({ malformedJson: true });
    const res = await chat(false);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const text = await res.body.text();
    assert.ok(text.startsWith('{"id":"chatcmpl-mock1"'));
    assert.throws(() => JSON.parse(text), SyntaxError);
  });

  test('cutAfterChunks: n events, then the connection is destroyed (SSE and NDJSON)', async () => {
    server.enqueueFault({ cutAfterChunks: 2 });
    const res = await chat(true);
    assert.equal(res.statusCode, 200);
    const { text, error } = await drain(res.body);
    assert.ok(error !== undefined, 'reading the body fails');
    assert.equal(sseData(text).length, 2);
    assert.ok(!text.includes('[DONE]'));

    server.enqueueFault({ cutAfterChunks: 1 }, { match: { format: 'ollama' } });
    const ndjson = await request(`${server.url}/api/chat`, {
      method: 'POST',
      dispatcher,
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'a b c d e' }] }),
    });
    const cut = await drain(ndjson.body);
    assert.ok(cut.error !== undefined);
    assert.equal(cut.text.split('\n').filter((l) => l.length > 0).length, 1);
  });

  test('stream faults wait for a streaming request: a non-streaming one passes untouched', async () => {
    server.enqueueFault({ cutAfterChunks: 0 });
    const plain = await chat(false);
    assert.equal(plain.statusCode, 200);
    await plain.body.dump();
    assert.equal(server.pendingFaults, 1);
    const streamed = await chat(true);
    const { text, error } = await drain(streamed.body);
    assert.ok(error !== undefined);
    assert.equal(text, '');
    assert.equal(server.pendingFaults, 0);
  });

  test('resetDuringBody waits for a non-streaming request: a streaming one passes untouched', async () => {
    server.enqueueFault({ resetDuringBody: true });
    const streamed = await chat(true);
    assert.equal(streamed.statusCode, 200);
    const { error: streamError } = await drain(streamed.body);
    assert.equal(streamError, undefined);
    assert.equal(server.pendingFaults, 1, 'the streaming request did not use the fault up');
    assert.equal(server.requests[0]!.fault, undefined);
    const plain = await chat(false);
    const { error } = await drain(plain.body);
    assert.ok(error !== undefined, 'the body was cut by a reset');
    assert.equal(server.pendingFaults, 0);
  });

  test('a fault that cannot apply is refused: stream faults with resetDuringBody, or an x-mock-fault header for the other kind of request', async () => {
    assert.throws(() => server.enqueueFault({ resetDuringBody: true, cutAfterChunks: 1 }), /resetDuringBody.*cutAfterChunks|cutAfterChunks.*resetDuringBody/);
    assert.equal(server.pendingFaults, 0);
    const cases: Array<[boolean, object, RegExp]> = [
      [false, { cutAfterChunks: 2 }, /cutAfterChunks applies to streaming requests only/],
      [false, { midStreamError: true }, /midStreamError applies to streaming requests only/],
      [true, { resetDuringBody: true }, /resetDuringBody applies to non-streaming requests only/],
    ];
    for (const [stream, fault, message] of cases) {
      const res = await chat(stream, { [MOCK_FAULT_HEADER]: JSON.stringify(fault) });
      assert.equal(res.statusCode, 400, JSON.stringify(fault));
      assert.match(((await res.body.json()) as { error: { message: string } }).error.message, message);
    }
  });

  test('endWithoutTerminator: a clean end without [DONE] / message_stop / done:true / Gemini final chunk', async () => {
    server.enqueueFault({ endWithoutTerminator: true }, { times: 4 });
    const openai = await drain((await chat(true)).body);
    assert.equal(openai.error, undefined);
    const data = sseData(openai.text);
    assert.ok(!data.includes('[DONE]'));
    assert.ok(data.some((d) => d.includes('"finish_reason":"stop"')));

    const anthropic = await request(`${server.url}/v1/messages`, {
      method: 'POST',
      dispatcher,
      headers: anthropicHeaders,
      body: JSON.stringify({ model: 'claude-mock', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'a b c' }] }),
    });
    const events = await drain(anthropic.body);
    assert.equal(events.error, undefined);
    assert.ok(events.text.includes('event: message_delta'));
    assert.ok(!events.text.includes('event: message_stop'));

    const ollama = await request(`${server.url}/api/chat`, {
      method: 'POST',
      dispatcher,
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'a b c' }] }),
    });
    const lines = (await ollama.body.text()).split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as { done: boolean });
    assert.ok(lines.length > 0 && lines.every((l) => l.done === false));

    const gemini = await request(`${server.url}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      dispatcher,
      headers: { 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'a b c' }] }] }),
    });
    const chunks = (await gemini.body.text()).split('\r\n\r\n').filter((e) => e.length > 0);
    assert.ok(chunks.length > 0 && chunks.every((c) => !c.includes('finishReason')));
  });

  test('malformedChunk: an SSE event whose data is not JSON, mid-stream', async () => {
    server.enqueueFault({ malformedChunk: true });
    const { text, error } = await drain((await chat(true)).body);
    assert.equal(error, undefined);
    const data = sseData(text);
    const broken = data.filter((d) => {
      if (d === '[DONE]') return false;
      try {
        JSON.parse(d);
        return false;
      } catch {
        return true;
      }
    });
    assert.equal(broken.length, 1);
    assert.ok(data.indexOf(broken[0]!) > 0 && data.indexOf(broken[0]!) < data.length - 1, 'the broken event is mid-stream');
  });

  test('midStreamError (Gemini): a data: {"error":…} event and the stream ends without the final chunk', async () => {
    server.enqueueFault({ midStreamError: true });
    const res = await request(`${server.url}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      dispatcher,
      headers: { 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'one two three four five six seven' }] }] }),
    });
    const chunks = (await res.body.text()).split('\r\n\r\n').filter((e) => e.length > 0).map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>);
    assert.deepEqual(chunks[chunks.length - 1], {
      error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' },
    });
    assert.ok(chunks.length >= 2);
  });
});
