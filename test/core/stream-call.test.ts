import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { Client, RateLimitError } from '../../lib/index.js';
import { TEST_KEY } from './core-test-kit.js';

const chunk = (content: string, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

const LONG_CHUNKS = 4000;
const PADDING = 'x'.repeat(200);

/**
 * Answers by prompt: `split` sends a stream whose multi-byte characters are cut between network writes;
 * `long` sends about a megabyte of events at once; `limited` answers 429 with an error body; `slow` holds
 * its headers for a while.
 */
function startServer(): Promise<{ server: Server; url: string; open: Set<ServerResponse> }> {
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', async () => {
      open.add(res);
      res.on('close', () => open.delete(res));
      const prompt = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages[0]!.content;
      if (prompt === 'limited') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
        res.end(JSON.stringify({ error: { message: 'slow down, ünïcödé', type: 'rate_limit' } }));
        return;
      }
      if (prompt === 'limited-bom') {
        // A UTF-8 BOM before the error body, as body.text() skips it.
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ error: { message: 'after a BOM', type: 'rate_limit' } }))]));
        return;
      }
      if (prompt === 'slow') {
        await delay(2000);
        if (!res.destroyed) res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (prompt === 'error-after-a-pause' || prompt === 'bad-event-after-a-pause') {
        // Two chunks, then (a read of its own, while the reader waits for it) an error event or an event
        // that is not JSON; the connection then ends.
        res.write(`${chunk('partial ')}${chunk('answer')}`);
        await delay(30);
        res.write(prompt === 'error-after-a-pause' ? `data: ${JSON.stringify({ error: { message: 'upstream overloaded', type: 'server_error' } })}\n\n` : 'data: {not json\n\n');
        await delay(30);
        res.end();
        return;
      }
      if (prompt === 'split') {
        const bytes = Buffer.from(`${chunk('héllo ')}${chunk('wörld 😀')}${chunk('', 'stop')}data: [DONE]\n\n`);
        // Cut inside the 2-byte "é", then inside the 4-byte emoji, each write after a pause so each is a read of its own.
        const e = bytes.indexOf(Buffer.from('é')) + 1;
        const emoji = bytes.indexOf(Buffer.from('😀')) + 2;
        for (const [from, to] of [[0, e], [e, emoji], [emoji, bytes.length]] as const) {
          res.write(bytes.subarray(from, to));
          await delay(20);
        }
        res.end();
        return;
      }
      let text = '';
      for (let i = 0; i < LONG_CHUNKS; i++) text += chunk(`${i} ${PADDING}`);
      res.end(`${text}${chunk('', 'stop')}data: [DONE]\n\n`);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, open }));
  });
}

describe('streams read from the HTTP layer as they arrive', () => {
  let bed: Awaited<ReturnType<typeof startServer>>;
  let client: Client;
  const open = (content: string, extra: { signal?: AbortSignal } = {}) =>
    client.chat.completions.create({ messages: [{ role: 'user', content }], stream: true, ...extra });

  before(async () => {
    bed = await startServer();
    client = new Client({ providerType: 'openai', apiKey: TEST_KEY, baseUrl: `${bed.url}/v1`, defaultModel: 'm', maxRetries: 0, metricsEnabled: false });
  });
  after(async () => {
    for (const res of bed.open) res.destroy();
    await client.close();
    await new Promise<void>((resolve) => bed.server.close(() => resolve()));
  });

  it('keeps multi-byte characters cut between network reads whole', async () => {
    for (let round = 0; round < 3; round++) {
      let text = '';
      for await (const c of await open('split')) text += c.choices[0]?.delta.content ?? '';
      assert.equal(text, 'héllo wörld 😀');
    }
  });

  it('delivers every chunk, in order, of a stream read only after a pause (the connection waits meanwhile)', async () => {
    const stream = await open('long');
    await delay(200);
    let n = 0;
    for await (const c of stream) {
      const content = c.choices[0]?.delta.content ?? '';
      if (n < LONG_CHUNKS) assert.equal(content, `${n} ${PADDING}`);
      n++;
    }
    assert.equal(n, LONG_CHUNKS + 1);
    // The connection is reused afterwards.
    let text = '';
    for await (const c of await open('split')) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, 'héllo wörld 😀');
  });

  it('a long stream left early releases its connection for the next streams', async () => {
    for (let round = 0; round < 3; round++) {
      const stream = await open('long');
      let n = 0;
      for await (const _ of stream) if (++n === 10) break;
      assert.equal(n, 10);
    }
    let text = '';
    for await (const c of await open('split')) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, 'héllo wörld 😀');
  });

  for (const [prompt, name, message] of [
    ['error-after-a-pause', 'ProviderError', /upstream overloaded/],
    ['bad-event-after-a-pause', 'StreamError', /JSON/i],
  ] as const) {
    it(`${prompt}: the reader waiting for the next chunk gets the ${name}, and the attempt ends failed`, async () => {
      const ends: RouterEvent[] = [];
      const subscription = client.events$.subscribe((e) => {
        if (e.type === 'attempt.end' || e.type === 'request.end') ends.push(e);
      });
      let text = '';
      try {
        await assert.rejects(
          (async () => {
            for await (const c of await open(prompt)) text += c.choices[0]?.delta.content ?? '';
          })(),
          (error: unknown) => {
            assert.equal((error as Error).name, name);
            assert.match((error as Error).message, message);
            return true;
          },
        );
      } finally {
        subscription.unsubscribe();
      }
      assert.equal(text, 'partial answer');
      assert.deepEqual(
        ends.map((e) => [e.type, 'success' in e ? e.success : undefined, 'errorType' in e ? e.errorType : undefined]),
        [
          ['attempt.end', false, name],
          ['request.end', false, name],
        ],
      );
    });
  }

  it('an error status of a stream request is its typed error, with the body message and Retry-After', async () => {
    await assert.rejects(open('limited'), (error: unknown) => {
      assert.ok(error instanceof RateLimitError);
      assert.match(error.message, /slow down, ünïcödé/);
      assert.equal(error.retryAfterMs, 7000);
      return true;
    });
  });

  it('an error body of a stream request that starts with a UTF-8 BOM still gives its message', async () => {
    await assert.rejects(open('limited-bom'), (error: unknown) => {
      assert.ok(error instanceof RateLimitError);
      assert.match(error.message, /after a BOM/);
      return true;
    });
  });

  it("the caller's signal aborts a stream request still waiting for its headers", async () => {
    const controller = new AbortController();
    const pending = open('slow', { signal: controller.signal });
    await delay(50);
    controller.abort();
    await assert.rejects(pending, (error: unknown) => (error as Error).name === 'AbortError');
  });
});
