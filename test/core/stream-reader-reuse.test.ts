import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, StreamError } from '../../lib/index.js';
import { streamText, TEST_KEY } from './core-test-kit.js';

const chunk = (content: string, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/**
 * A server whose answer depends on the prompt: `cut` sends one event and then half a line, and holds the
 * rest until the client lets go; `whole` sends a complete stream; `short` ends without `[DONE]`.
 */
function startServer(): Promise<{ server: Server; url: string; held: ServerResponse[] }> {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const prompt = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages[0]!.content;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (prompt === 'cut') {
        res.write(`${chunk('first')}data: {"id":"c1","obj`);
        held.push(res);
        return;
      }
      if (prompt === 'short') {
        res.end(chunk('only'));
        return;
      }
      res.end(`${chunk('a')}${chunk('b')}${chunk('', 'stop')}data: [DONE]\n\n`);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, held }));
  });
}

describe('stream readers reused across streams', () => {
  let bed: Awaited<ReturnType<typeof startServer>>;
  let client: Client;
  const open = (content: string) => client.chat.completions.create({ messages: [{ role: 'user', content }], stream: true });

  before(async () => {
    bed = await startServer();
    client = new Client({ providerType: 'openai', apiKey: TEST_KEY, baseUrl: `${bed.url}/v1`, defaultModel: 'm', maxRetries: 0, metricsEnabled: false });
  });
  after(async () => {
    for (const res of bed.held) res.destroy();
    await client.close();
    await new Promise<void>((resolve) => bed.server.close(() => resolve()));
  });

  it('a stream left in the middle of a line leaves nothing behind for the next streams', async () => {
    for (let round = 0; round < 3; round++) {
      const cut = await open('cut');
      for await (const c of cut) {
        assert.equal(c.choices[0]?.delta.content, 'first');
        break;
      }
      const chunks = [];
      for await (const c of await open('whole')) chunks.push(c);
      assert.equal(streamText(chunks), 'ab');
      assert.equal(chunks.at(-1)!.choices[0]!.finishReason, 'stop');
    }
  });

  it('a stream that ended without its marker is still a StreamError after others reused the parser', async () => {
    for (let round = 0; round < 2; round++) {
      const seen: string[] = [];
      await assert.rejects(async () => {
        for await (const c of await open('short')) seen.push(c.choices[0]!.delta.content ?? '');
      }, StreamError);
      assert.deepEqual(seen, ['only']);
      const chunks = [];
      for await (const c of await open('whole')) chunks.push(c);
      assert.equal(streamText(chunks), 'ab');
    }
  });
});
