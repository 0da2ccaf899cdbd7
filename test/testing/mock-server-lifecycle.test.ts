import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, Socket, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, request } from 'undici';
import { MockProviderServer, mockTokenCount, type MockReplyContext } from '../../lib/testing/index.js';

// The request log (with keys redacted), settings (reply, keys, authenticate hook), reset, unknown URLs and
// bad bodies, and close() leaving no handle open (server, keep-alive, hanging and delayed connections).

const secrets = ['sk-openai-SECRET', 'ant-SECRET', 'goog-SECRET', 'azure-SECRET'];

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, json };
}

/** Open handles (listening server, sockets of either end) on the given port. */
function handlesOnPort(port: number): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h) => {
    if (h instanceof Socket) return !h.destroyed && (h.localPort === port || h.remotePort === port);
    if (h instanceof Server) return (h.address() as AddressInfo | null)?.port === port;
    return false;
  }).length;
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('MockProviderServer request log, settings and lifecycle', () => {
  test('the log records method, path, query, parsed body, format, model and stream, with every key redacted', async () => {
    const server = await MockProviderServer.start();
    try {
      const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
      await post(`${server.url}/v1/chat/completions?trace=1`, chat, { authorization: `Bearer ${secrets[0]}` });
      await post(
        `${server.url}/v1/messages`,
        { model: 'claude-mock', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hi' }] },
        { 'x-api-key': secrets[1]!, 'anthropic-version': '2023-06-01' },
      );
      await post(`${server.url}/v1beta/models/gemini-2.0-flash:generateContent?key=${secrets[2]}`, { contents: [{ parts: [{ text: 'hi' }] }] }, {});
      await post(`${server.url}/openai/deployments/dep1/chat/completions?api-version=2024-10-21`, { messages: [{ role: 'user', content: 'hi' }] }, { 'api-key': secrets[3]! });

      const log = server.requests;
      assert.equal(log.length, 4);
      const [openai, anthropic, gemini, azure] = log;
      assert.equal(openai!.method, 'POST');
      assert.equal(openai!.path, '/v1/chat/completions');
      assert.deepEqual(openai!.query, { trace: '1' });
      assert.deepEqual(openai!.body, chat);
      assert.equal(openai!.headers.authorization, 'Bearer [REDACTED]');
      assert.deepEqual([openai!.format, openai!.endpoint, openai!.model, openai!.stream], ['openai', 'chat', 'gpt-4o-mini', false]);
      assert.equal(typeof openai!.timestamp, 'number');
      assert.deepEqual([anthropic!.format, anthropic!.model, anthropic!.stream, anthropic!.headers['x-api-key']], ['anthropic', 'claude-mock', true, '[REDACTED]']);
      assert.deepEqual([gemini!.format, gemini!.model, gemini!.query.key], ['gemini', 'gemini-2.0-flash', '[REDACTED]']);
      assert.deepEqual([azure!.format, azure!.model, azure!.headers['api-key']], ['openai', 'dep1', '[REDACTED]']);
      assert.deepEqual(log.map((e) => e.seq), [1, 2, 3, 4]);
      const dump = JSON.stringify(log);
      for (const secret of secrets) assert.ok(!dump.includes(secret), `${secret} must not be logged`);

      server.clearRequests();
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  test('maxLoggedRequests keeps the newest entries; logRequests: false keeps none', async () => {
    const server = await MockProviderServer.start({ maxLoggedRequests: 3 });
    try {
      for (let i = 0; i < 8; i++) await fetch(`${server.url}/api/tags`);
      assert.deepEqual(server.requests.map((e) => e.seq), [6, 7, 8]);
      server.configure({ logRequests: false });
      await fetch(`${server.url}/api/tags`);
      server.clearRequests();
      await fetch(`${server.url}/api/tags`);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  test('reply option (text or function of the request), configure() and reset()', async () => {
    const contexts: MockReplyContext[] = [];
    const server = await MockProviderServer.start({ reply: 'fixed reply here' });
    try {
      const key = { authorization: 'Bearer k' };
      const url = `${server.url}/v1/chat/completions`;
      const fixed = (await post(url, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, key)).json as {
        choices: Array<{ message: { content: string } }>;
        usage: { completion_tokens: number };
      };
      assert.equal(fixed.choices[0]!.message.content, 'fixed reply here');
      assert.equal(fixed.usage.completion_tokens, mockTokenCount('fixed reply here'));

      server.configure({
        reply: (ctx) => {
          contexts.push(ctx);
          return `${ctx.format}:${ctx.model}:${ctx.lastMessage.toUpperCase()}`;
        },
      });
      const fn = (await post(url, { model: 'm1', messages: [{ role: 'user', content: 'abc' }] }, key)).json as { choices: Array<{ message: { content: string } }> };
      assert.equal(fn.choices[0]!.message.content, 'openai:m1:ABC');
      assert.deepEqual(contexts[0], { format: 'openai', path: '/v1/chat/completions', model: 'm1', lastMessage: 'abc', afterToolResult: false });

      server.configure({
        reply: () => {
          throw new Error('reply exploded');
        },
      });
      const failed = await post(url, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, key);
      assert.equal(failed.status, 500);
      assert.match((failed.json as { error: { message: string } }).error.message, /reply exploded/);

      server.reset();
      const back = (await post(url, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, key)).json as { id: string; choices: Array<{ message: { content: string } }> };
      assert.equal(back.choices[0]!.message.content, 'fixed reply here');
      assert.equal(back.id, 'chatcmpl-mock1', 'reset restarts the sequence numbers');
    } finally {
      await server.close();
    }
  });

  test('a misspelt option of start() or configure() is refused, naming it: apikeys never leaves every key accepted', async () => {
    const refused = async (options: object, message: RegExp): Promise<void> => {
      const started = await MockProviderServer.start(options as never).catch((e: unknown) => e);
      if (started instanceof MockProviderServer) {
        await started.close();
        assert.fail(`accepted ${JSON.stringify(options)}`);
      }
      assert.ok(started instanceof TypeError && message.test(started.message), String(started));
    };
    await refused({ apikeys: ['k-1'] }, /apikeys is not an option of MockProviderServer; did you mean apiKeys\?/);
    await refused({ chunkDelay: 5 }, /chunkDelay is not an option of MockProviderServer; did you mean chunkDelayMs\?/);
    const server = await MockProviderServer.start();
    try {
      assert.throws(() => server.configure({ latencyMS: 3 } as never), /latencyMS is not an option of MockProviderServer/);
      assert.throws(() => server.configure({ port: 1 } as never), /port is not an option of MockProviderServer\.configure/);
    } finally {
      await server.close();
    }
  });

  test('apiKeys and the authenticate hook decide which keys pass; the hook sees the key and the format', async () => {
    const seen: Array<[string, string]> = [];
    const server = await MockProviderServer.start({
      authenticate: (key, req) => {
        seen.push([key, req.format]);
        return key.startsWith('good');
      },
    });
    try {
      const body = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
      assert.equal((await post(`${server.url}/v1/chat/completions`, body, { authorization: 'Bearer good-1' })).status, 200);
      assert.equal((await post(`${server.url}/v1/chat/completions`, body, { authorization: 'Bearer bad-1' })).status, 401);
      const missing = await post(`${server.url}/v1/chat/completions`, body, {});
      assert.equal(missing.status, 401);
      assert.match((missing.json as { error: { message: string } }).error.message, /didn't provide an API key/);
      assert.deepEqual(seen, [['good-1', 'openai'], ['bad-1', 'openai']]);
      server.configure({ apiKeys: ['good-2'] });
      assert.equal((await post(`${server.url}/v1/chat/completions`, body, { authorization: 'Bearer good-1' })).status, 401);
      assert.equal((await post(`${server.url}/v1/chat/completions`, body, { authorization: 'Bearer good-2' })).status, 200);
      assert.equal((await post(`${server.url}/api/chat`, { model: 'm', stream: false, messages: [{ role: 'user', content: 'x' }] }, {})).status, 200, 'Ollama needs no key');
    } finally {
      await server.close();
    }
  });

  test('unknown URLs, bad JSON and Azure without api-version get the real errors', async () => {
    const server = await MockProviderServer.start();
    try {
      const unknown = await post(`${server.url}/v1/nope`, {}, { authorization: 'Bearer k' });
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.json, { error: { message: 'Invalid URL (POST /v1/nope)', type: 'invalid_request_error', param: null, code: null } });
      const bad = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{"model":' });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
      assert.equal(server.requests[1]!.body, '{"model":');
      const azure = await post(`${server.url}/openai/deployments/d/chat/completions`, { messages: [{ role: 'user', content: 'x' }] }, { 'api-key': 'k' });
      assert.equal(azure.status, 404);
      assert.deepEqual(azure.json, { error: { code: '404', message: 'Resource not found' } });
    } finally {
      await server.close();
    }
  });

  test('chunkCount and chunkDelayMs shape the stream without changing its content', async () => {
    const server = await MockProviderServer.start({ chunkCount: 2, chunkDelayMs: 2 });
    try {
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k' },
        body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'a b c d e f' }] }),
      });
      const data = (await res.text()).split('\n\n').filter((e) => e.length > 0).map((e) => e.slice(6));
      assert.equal(data[data.length - 1], '[DONE]');
      const contents = data
        .slice(0, -1)
        .map((d) => (JSON.parse(d) as { choices: Array<{ delta: { content?: string } }> }).choices[0]!.delta.content)
        .filter((c): c is string => typeof c === 'string' && c.length > 0);
      assert.deepEqual(contents, ['Echo: a b', ' c d e f']);
    } finally {
      await server.close();
    }
  });

  test('close() ends hanging, delayed and keep-alive connections and leaves no handle open', async () => {
    const baselineTimers = timers();
    const server = await MockProviderServer.start();
    const pool = new Pool(server.url, { connections: 4 });
    const headers = { authorization: 'Bearer k', 'content-type': 'application/json' };
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    for (let i = 0; i < 4; i++) {
      const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers, body });
      await res.body.dump();
    }
    server.enqueueFault({ hang: true });
    server.enqueueFault({ delayMs: 600_000 });
    const settle = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'answered', (e: unknown) => e);
    const hanging = settle(request(`${server.url}/v1/chat/completions`, { method: 'POST', headers, body }));
    const delayed = settle(request(`${server.url}/v1/chat/completions`, { method: 'POST', headers, body }));
    for (let i = 0; i < 400 && server.requests.length < 6; i++) await sleep(5);
    assert.equal(server.requests.length, 6);
    assert.ok(handlesOnPort(server.port) >= 6, 'the listening server and both ends of open connections');
    assert.ok(timers() > baselineTimers, 'the delay fault holds a timer');

    await server.close();
    await server.close();
    assert.ok((await hanging) instanceof Error);
    assert.ok((await delayed) instanceof Error);
    await assert.rejects(fetch(`${server.url}/api/tags`));
    await pool.close();
    for (let i = 0; i < 400 && handlesOnPort(server.port) > 0; i++) await sleep(5);
    assert.equal(handlesOnPort(server.port), 0);
    assert.ok(timers() <= baselineTimers, 'close() cleared the delay timer');
  });
});
