import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamError, type ChatCompletionChunk } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { ofType, openAiOptions, recordEvents, streamText } from './core-test-kit.js';

describe('stream.toReadableStream()', () => {
  let server: MockProviderServer;
  let client: Client;
  before(async () => {
    server = await MockProviderServer.start();
    client = new Client(openAiOptions(server, { maxRetries: 0 }));
  });
  after(async () => {
    await client.close();
    await server.close();
  });
  const open = () => client.chat.completions.create({ messages: [{ role: 'user', content: 'one two three four' }], stream: true });

  it('gives every chunk as a web ReadableStream, and the attempt ends once, not abandoned', async () => {
    const rec = recordEvents(client);
    const stream = await open();
    const readable = stream.toReadableStream();
    assert.ok(readable instanceof ReadableStream);
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of readable) chunks.push(chunk);
    rec.stop();
    assert.equal(streamText(chunks), 'Echo: one two three four');
    assert.ok(chunks.every((c) => c.requestId === stream.requestId));
    assert.ok(chunks.some((c) => c.usage != null), 'usage on the last chunk');
    const ends = ofType(rec.events, 'attempt.end');
    assert.equal(ends.length, 1);
    assert.equal(ends[0]!.abandoned, false);
    assert.equal(ends[0]!.success, true);
  });

  it('cancel() abandons the stream like break does, and releases the provider', async () => {
    server.configure({ chunkDelayMs: 200 });
    try {
      const rec = recordEvents(client);
      const stream = await open();
      const reader = stream.toReadableStream().getReader();
      const first = await reader.read();
      assert.equal(first.done, false);
      await reader.cancel();
      rec.stop();
      const ends = ofType(rec.events, 'attempt.end');
      assert.equal(ends.length, 1);
      assert.equal(ends[0]!.abandoned, true);
      assert.equal(ofType(rec.events, 'request.end').length, 1);
      assert.equal(client.getProviderStatus()[0]!.inFlight, 0);
    } finally {
      server.configure({ chunkDelayMs: 0 });
    }
  });

  it('a cut stream errors the ReadableStream with the typed error', async () => {
    // Cut after the role chunk and the first piece of text: a cut before any text fails the attempt instead.
    server.enqueueFault({ cutAfterChunks: 2 });
    const stream = await open();
    const reader = stream.toReadableStream().getReader();
    let caught: unknown;
    try {
      for (;;) if ((await reader.read()).done) break;
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof StreamError, `StreamError, got ${String(caught)}`);
  });

  it('a stream is read one way only', async () => {
    const stream = await open();
    stream.toReadableStream();
    assert.throws(() => stream[Symbol.asyncIterator](), TypeError);
    stream.abort();
  });
});
