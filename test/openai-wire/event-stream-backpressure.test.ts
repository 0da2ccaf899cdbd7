import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeOpenAIEventStream } from '../../lib/index.js';
import type { ChatCompletionChunk, ChatCompletionStream } from '../../lib/index.js';

const CHUNKS = 200;
const TEXT = 'x'.repeat(64 * 1024);

function chunk(i: number): ChatCompletionChunk {
  return { id: 'bp', object: 'chat.completion.chunk', created: 1, model: 'm', provider: 'p', requestId: 'req-bp', choices: [{ index: 0, delta: { content: TEXT }, finishReason: i === CHUNKS - 1 ? 'stop' : null }] };
}

/** A stream that notes, at every pull, whether the response was still over its buffer limit. */
function bigStream(res: ServerResponse, pulledWhileFull: boolean[]): ChatCompletionStream & { aborted: boolean } {
  const gen = (async function* () {
    for (let i = 0; i < CHUNKS; i++) {
      pulledWhileFull.push(res.writableNeedDrain);
      yield chunk(i);
    }
  })();
  return {
    requestId: 'req-bp',
    provider: 'p',
    model: 'm',
    aborted: false,
    abort() {
      this.aborted = true;
      void gen.return(undefined);
    },
    toReadableStream: () => ReadableStream.from(gen),
    [Symbol.asyncIterator]: () => gen,
  };
}

test('writeOpenAIEventStream waits for drain: no chunk is pulled while the response buffer is full', async () => {
  const pulledWhileFull: boolean[] = [];
  let drains = 0;
  let served: Promise<void> | undefined;
  const server = createServer((_req, res) => {
    res.on('drain', () => drains++);
    served = writeOpenAIEventStream(bigStream(res, pulledWhileFull), res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        assert.equal(res.headers['x-request-id'], 'req-bp');
        res.pause(); // a slow reader: the server's buffer fills up first
        setTimeout(() => res.resume(), 100);
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        res.on('error', reject);
      }).on('error', reject);
    });
    await served;
    const events = body.split('\n\n').filter((e) => e !== '');
    assert.equal(events.length, CHUNKS + 1);
    assert.equal(events.at(-1), 'data: [DONE]');
    assert.ok(drains > 0, 'the slow reader made the response wait for drain');
    assert.equal(pulledWhileFull.length, CHUNKS);
    assert.ok(pulledWhileFull.every((full) => !full), 'never pulled while the buffer was full');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a response that is already closed only stops the stream', async () => {
  const server = createServer((_req, res) => {
    res.destroy();
    void check(res);
  });
  let result: { aborted: boolean; wrote: boolean } | undefined;
  let done: () => void = () => {};
  const checked = new Promise<void>((resolve) => (done = resolve));
  async function check(res: ServerResponse): Promise<void> {
    const stream = bigStream(res, []);
    await writeOpenAIEventStream(stream, res);
    result = { aborted: stream.aborted, wrote: res.headersSent };
    done();
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => get({ host: '127.0.0.1', port, path: '/' }).on('error', () => resolve()));
    await checked;
    assert.deepEqual(result, { aborted: true, wrote: false });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('writeOpenAIEventStream also serves an HTTP/2 compatibility response', async () => {
  const { createServer: createH2Server, connect } = await import('node:http2');
  const { Client } = await import('../../lib/index.js');
  const client = new Client({ providerType: 'mock', defaultModel: 'mock-model', metricsEnabled: false });
  const server = createH2Server((_req, res) => {
    void client.chat.completions
      .create({ messages: [{ role: 'user', content: 'over http2' }], stream: true })
      .then((stream) => writeOpenAIEventStream(stream, res as unknown as ServerResponse));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const { headers, body } = await new Promise<{ headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = session.request({ ':path': '/', ':method': 'POST' });
      let headers: Record<string, unknown> = {};
      let body = '';
      req.setEncoding('utf8');
      req.on('response', (h) => (headers = h));
      req.on('data', (d: string) => (body += d));
      req.on('end', () => resolve({ headers, body }));
      req.on('error', reject);
      req.end();
    });
    assert.equal(headers[':status'], 200);
    assert.match(String(headers['content-type']), /^text\/event-stream/);
    assert.ok(body.endsWith('data: [DONE]\n\n'));
  } finally {
    session.close();
    await new Promise((resolve) => server.close(resolve));
    await client.close();
  }
});
