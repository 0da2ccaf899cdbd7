import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../lib/client.js';
import type { RouterEvent } from '../../lib/events/router-event.js';

// How a non-streamed answer is read, against a raw TCP server that writes each answer byte by byte as the
// test says: a body cut after the head, an abort or a timeout between the head and the end of the body,
// repeated and mixed-case headers, a leading BOM.

const BODY = JSON.stringify({
  id: 'chatcmpl-raw',
  object: 'chat.completion',
  created: 1700000000,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'raw answer' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

/** What the server does with the next request: write `head` and `body`, then end, reset, or hold the connection. */
interface Script {
  head: string;
  body: Buffer | string;
  then: 'end' | 'reset' | 'hold';
}

function head(status: number, headers: string[], length: number): string {
  return `HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
}

class RawServer {
  scripts: Script[] = [];
  readonly sockets = new Set<Socket>();
  closedByClient = 0;
  /** The connection of the latest `hold` script. */
  held: Socket | undefined;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<RawServer> {
    let raw: RawServer | undefined;
    const server = createServer((socket) => raw!.accept(socket));
    raw = new RawServer(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return raw;
  }

  get url(): string {
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let seen = '';
    socket.on('data', (data) => {
      seen += data.toString('latin1');
      const end = seen.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: *(\d+)/i.exec(seen.slice(0, end))?.[1] ?? 0);
      if (seen.length < end + 4 + length) return;
      seen = '';
      const script = this.scripts.shift();
      if (script === undefined) {
        socket.destroy();
        return;
      }
      socket.write(script.head);
      socket.write(script.body);
      if (script.then === 'end') return;
      if (script.then === 'reset') setTimeout(() => socket.resetAndDestroy(), 20);
      else {
        this.held = socket;
        socket.once('close', () => this.closedByClient++);
      }
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function attemptEnds(client: Client): Array<Extract<RouterEvent, { type: 'attempt.end' }>> {
  const ends: Array<Extract<RouterEvent, { type: 'attempt.end' }>> = [];
  client.on('attempt.end', (e) => ends.push(e));
  return ends;
}

describe('reading a non-streamed answer', () => {
  let server: RawServer;
  let client: Client;
  before(async () => {
    server = await RawServer.start();
    client = new Client({ providerType: 'openai', apiKey: 'fake-raw-answer-key', baseUrl: `${server.url}/v1`, defaultModel: 'm', maxRetries: 0, circuitBreaker: false, metricsEnabled: false });
  });
  after(async () => {
    await client.close();
    await server.close();
  });
  const ask = (extra: object = {}) => client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], ...extra });

  test('a 200 whose body is cut after the head: NetworkError, and the head\'s rate-limit headers still reach attempt.end', async () => {
    const ends = attemptEnds(client);
    server.scripts.push({ head: head(200, ['x-ratelimit-remaining-requests: 12', 'x-ratelimit-remaining-tokens: 3400'], BODY.length), body: BODY.slice(0, 20), then: 'reset' });
    const error = await ask().catch((e: unknown) => e);
    assert.ok(error instanceof Error && error.name === 'NetworkError', String(error));
    assert.equal(ends.length, 1);
    assert.equal(ends[0]!.success, false);
    assert.deepEqual(ends[0]!.rateLimit, { remainingRequests: 12, remainingTokens: 3400 });
  });

  test('an error status whose body is cut: the status error, its detail only the status', async () => {
    server.scripts.push({ head: head(503, ['retry-after-ms: 1500'], 200), body: '{"error":{"mess', then: 'reset' });
    const error = await ask().catch((e: unknown) => e);
    assert.ok(error instanceof Error && error.name === 'ProviderError', String(error));
    assert.equal((error as { statusCode?: number }).statusCode, 503);
    assert.match(error.message, /answered 503: HTTP 503$/);
    assert.equal((error as { retryAfterMs?: number }).retryAfterMs, 1500);
  });

  test("the caller's abort between the head and the end of the body: AbortError, and the connection is closed", async () => {
    const closed = server.closedByClient;
    server.scripts.push({ head: head(200, [], BODY.length), body: BODY.slice(0, 30), then: 'hold' });
    const controller = new AbortController();
    const asked = ask({ signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    const error = await asked;
    assert.ok(error instanceof Error && error.name === 'AbortError', String(error));
    await waitFor(() => server.closedByClient > closed);
  });

  test('the timeout between the head and the end of the body: TimeoutError', async () => {
    server.scripts.push({ head: head(200, [], BODY.length), body: BODY.slice(0, 30), then: 'hold' });
    const error = await ask({ timeoutMs: 100 }).catch((e: unknown) => e);
    assert.ok(error instanceof Error && error.name === 'TimeoutError', String(error));
    assert.match(error.message, /did not answer within 100 ms/);
  });

  test('repeated and mixed-case rate-limit headers: the first value counts', async () => {
    const ends = attemptEnds(client);
    server.scripts.push({ head: head(200, ['X-RateLimit-Remaining-Requests: 7', 'x-ratelimit-remaining-requests: 9', 'X-RATELIMIT-REMAINING-TOKENS: 50'], BODY.length), body: BODY, then: 'end' });
    const answer = await ask();
    assert.equal(answer.choices[0]!.message.content, 'raw answer');
    assert.deepEqual(ends.at(-1)!.rateLimit, { remainingRequests: 7, remainingTokens: 50 });
  });

  test('a body that starts with a UTF-8 BOM, in several TCP writes, with multi-byte characters across them', async () => {
    const text = BODY.replace('raw answer', 'réponse ✓ brute');
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    const cut = bytes.indexOf(Buffer.from('✓', 'utf8')) + 1;
    server.scripts.push({ head: head(200, [], bytes.length), body: bytes.subarray(0, cut), then: 'hold' });
    const asked = ask();
    server.held = undefined;
    await waitFor(() => server.held !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    server.held!.write(bytes.subarray(cut));
    const answer = await asked;
    assert.equal(answer.choices[0]!.message.content, 'réponse ✓ brute');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const until = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
