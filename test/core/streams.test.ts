import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { AbortError, Client, ProviderError, StreamError, TimeoutError, type ChatCompletionChunk } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { drain, ofType, recordEvents, rejects, streamText, TEST_KEY } from './core-test-kit.js';

describe('streams against a real server', () => {
  let server: MockProviderServer;
  let client: Client;
  const open = (extra: object = {}) =>
    client.chat.completions.create({ messages: [{ role: 'user', content: 'one two three four five six' }], stream: true, ...extra });

  before(async () => {
    server = await MockProviderServer.start({ chunkCount: 6 });
    client = new Client({
      providerType: 'openai',
      name: 'streamer',
      apiKey: TEST_KEY,
      baseUrl: `${server.url}/v1`,
      defaultModel: 'gpt-test',
      maxRetries: 0,
      circuitBreaker: false,
      metricsEnabled: false,
    });
  });
  afterEach(() => server.reset());
  after(async () => {
    await client.close();
    await server.close();
  });

  it('yields the text in order, usage on the last chunk, and reports first chunk and end', async () => {
    const rec = recordEvents(client);
    const stream = await open();
    assert.equal(stream.provider, 'streamer');
    assert.equal(stream.model, 'gpt-test');
    const chunks = await drain(stream);
    rec.stop();
    assert.equal(streamText(chunks), 'Echo: one two three four five six');
    assert.deepEqual(chunks.at(-1)!.usage, { promptTokens: 6, completionTokens: 7, totalTokens: 13 });
    assert.ok(chunks.slice(0, -1).every((c) => c.usage == null));
    assert.deepEqual(rec.types(), ['request.start', 'request.route', 'attempt.start', 'stream.first_chunk', 'attempt.end', 'request.end']);
    assert.ok(rec.events.every((e) => e.requestId === stream.requestId));
    const end = ofType(rec.events, 'attempt.end')[0]!;
    assert.equal(end.success, true);
    assert.equal(end.stream, true);
    assert.equal(end.abandoned, false);
    assert.equal(end.finishReason, 'stop');
    assert.deepEqual(end.usage, { promptTokens: 6, completionTokens: 7, totalTokens: 13 });
    assert.equal(typeof end.ttftMs, 'number');
    assert.ok(end.ttftMs! <= end.latencyMs);
    assert.equal(ofType(rec.events, 'stream.first_chunk')[0]!.ttftMs, end.ttftMs);
    assert.deepEqual(ofType(rec.events, 'request.end')[0]!.usage, end.usage);
  });

  type Fault = Parameters<MockProviderServer['enqueueFault']>[0];
  async function failing(fault: Fault): Promise<{ error: Error; chunks: ChatCompletionChunk[]; events: ReturnType<typeof recordEvents> }> {
    const rec = recordEvents(client);
    server.enqueueFault(fault);
    const stream = await open();
    const chunks: ChatCompletionChunk[] = [];
    let error: Error | undefined;
    try {
      for await (const c of stream) chunks.push(c);
    } catch (e) {
      error = e as Error;
    }
    rec.stop();
    assert.ok(error !== undefined, 'the consumer sees the failure');
    return { error, chunks, events: rec };
  }

  it('a stream cut mid-way -> StreamError to the consumer, attempt.end failed with its usage so far', async () => {
    const { error, chunks, events } = await failing({ cutAfterChunks: 3 });
    assert.ok(error instanceof StreamError, `${error.name}: ${error.message}`);
    assert.equal((error as StreamError).provider, 'streamer');
    assert.equal(chunks.length, 3);
    const end = ofType(events.events, 'attempt.end')[0]!;
    assert.equal(end.success, false);
    assert.equal(end.errorType, 'StreamError');
    assert.equal(end.abandoned, false);
    assert.equal(typeof end.ttftMs, 'number');
    const reqEnd = ofType(events.events, 'request.end')[0]!;
    assert.equal(reqEnd.success, false);
    assert.equal(reqEnd.errorType, 'StreamError');
  });

  it('a stream that ends without [DONE] -> StreamError', async () => {
    const { error, chunks } = await failing({ endWithoutTerminator: true });
    assert.ok(error instanceof StreamError);
    assert.match(error.message, /end-of-stream marker/);
    assert.equal(streamText(chunks), 'Echo: one two three four five six', 'every chunk before the missing terminator was yielded');
  });

  it('a malformed chunk -> StreamError', async () => {
    const { error } = await failing({ malformedChunk: true });
    assert.ok(error instanceof StreamError);
    assert.match(error.message, /malformed stream event/);
  });

  it('an error event in the stream -> the error it names', async () => {
    const { error } = await failing({ midStreamError: { type: 'server_error', message: 'model crashed' } });
    assert.ok(error instanceof ProviderError, `${error.name}: ${error.message}`);
    assert.match(error.message, /model crashed/);
  });

  it('a stream whose first text is later than timeoutMs -> TimeoutError from create() (never hangs)', async () => {
    server.configure({ chunkDelayMs: 5_000 });
    // Long enough for the response head to arrive on a loaded machine; the first text takes 5 s.
    const err = await rejects(open({ timeoutMs: 1_000 }), TimeoutError);
    assert.equal(err.provider, 'streamer');
  });

  it('a stream that goes quiet after its first text for longer than timeoutMs -> TimeoutError while reading (never hangs)', async () => {
    const quiet = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object) => `data: ${JSON.stringify({ id: 'q', object: 'chat.completion.chunk', created: 1, model: 'gpt-test', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'Hello' }));
    });
    await new Promise<void>((resolve) => quiet.listen(0, '127.0.0.1', resolve));
    const c = new Client({ providerType: 'openai', apiKey: TEST_KEY, baseUrl: `http://127.0.0.1:${(quiet.address() as AddressInfo).port}/v1`, defaultModel: 'gpt-test', maxRetries: 0, metricsEnabled: false });
    try {
      const stream = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true, timeoutMs: 500 });
      const chunks: ChatCompletionChunk[] = [];
      const err = await rejects(
        (async () => {
          for await (const chunk of stream) chunks.push(chunk);
        })(),
        TimeoutError,
      );
      assert.equal(streamText(chunks), 'Hello');
      assert.match(err.message, /idle for more than 500 ms/);
    } finally {
      await c.close();
      quiet.closeAllConnections();
      await new Promise((resolve) => quiet.close(resolve));
    }
  });

  it('the caller’s signal aborts a stream mid-way -> AbortError', async () => {
    server.configure({ chunkDelayMs: 50 });
    const controller = new AbortController();
    const rec = recordEvents(client);
    const stream = await open({ signal: controller.signal });
    let n = 0;
    const err = await rejects(
      (async () => {
        for await (const _ of stream) {
          void _;
          if (++n === 2) controller.abort();
        }
      })(),
      AbortError,
    );
    rec.stop();
    assert.equal(err.provider, 'streamer');
    assert.equal(n, 2);
    assert.equal(ofType(rec.events, 'attempt.end')[0]!.errorType, 'AbortError');
  });

  it('breaking out early releases the connection: attempt.end abandoned, close() does not wait for the stream', async () => {
    // The first text after 300 ms (the stream is handed out with it), the rest 300 ms apart.
    server.configure({ chunkDelayMs: 300 });
    const c = new Client({
      providerType: 'openai',
      apiKey: TEST_KEY,
      baseUrl: `${server.url}/v1`,
      defaultModel: 'gpt-test',
      maxRetries: 0,
      metricsEnabled: false,
    });
    const rec = recordEvents(c);
    const stream = await c.chat.completions.create({ messages: [{ role: 'user', content: 'a b c d e f' }], stream: true });
    for await (const chunk of stream) {
      assert.equal(chunk.choices[0]!.delta.role, 'assistant');
      break;
    }
    const end = ofType(rec.events, 'attempt.end')[0]!;
    assert.equal(end.success, true);
    assert.equal(end.abandoned, true);
    assert.equal(end.stream, true);
    assert.deepEqual(rec.types(), ['request.start', 'request.route', 'attempt.start', 'stream.first_chunk', 'attempt.end', 'request.end']);
    server.configure({ chunkDelayMs: 0 });
    const next = await c.chat.completions.create({ messages: [{ role: 'user', content: 'again' }] });
    assert.equal(next.choices[0]!.message.content, 'Echo: again');
    await c.close();
    rec.stop();
  });

  it('abort() on the stream releases it, before or during iteration', async () => {
    server.configure({ chunkDelayMs: 300 });
    const rec = recordEvents(client);
    const unread = await open();
    unread.abort();
    const reading = await open();
    const it = reading[Symbol.asyncIterator]();
    await it.next();
    reading.abort();
    const last = await it.next();
    assert.equal(last.done, true);
    rec.stop();
    const ends = ofType(rec.events, 'attempt.end');
    assert.equal(ends.length, 2);
    assert.ok(ends.every((e) => e.abandoned && e.success));
    assert.throws(() => reading[Symbol.asyncIterator](), TypeError);
  });
});
