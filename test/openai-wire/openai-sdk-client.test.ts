import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import OpenAI from 'openai';
import { Client, toOpenAIChatCompletion, toOpenAIError, writeOpenAIEventStream } from '../../lib/index.js';
import type { AttemptEndEvent, ChatCompletionStream, ChatMessage, ClientOptions } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';

const SDK_KEY = 'sdk-test-key-not-a-secret';

interface Gateway {
  client: Client;
  baseURL: string;
  /** Every stream served, for its request id. */
  streams: ChatCompletionStream[];
  close(): Promise<void>;
}

/** Serves POST /v1/chat/completions through `client`, the way an app built on the helpers does. */
async function handle(client: Client, streams: ChatCompletionStream[], body: { messages: ChatMessage[]; stream?: boolean }, res: ServerResponse): Promise<void> {
  try {
    if (body.stream === true) {
      const stream = await client.chat.completions.create({ messages: body.messages, stream: true });
      streams.push(stream);
      await writeOpenAIEventStream(stream, res);
    } else {
      const completion = await client.chat.completions.create({ messages: body.messages });
      res.setHeader('content-type', 'application/json');
      if (completion.requestId !== undefined) res.setHeader('x-request-id', completion.requestId);
      res.end(JSON.stringify(toOpenAIChatCompletion(completion)));
    }
  } catch (e) {
    const { status, body: errorBody } = toOpenAIError(e);
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(errorBody));
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function nodeHttpGateway(options: ClientOptions): Promise<Gateway> {
  const client = new Client(options);
  const streams: ChatCompletionStream[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => void handle(client, streams, JSON.parse(Buffer.concat(parts).toString('utf8')), res));
  });
  const baseURL = await listen(server);
  return { client, baseURL, streams, close: async () => { await closeServer(server); await client.close(); } };
}

async function expressGateway(options: ClientOptions): Promise<Gateway> {
  const client = new Client(options);
  const streams: ChatCompletionStream[] = [];
  const app = express();
  app.post('/v1/chat/completions', express.json(), (req, res) => void handle(client, streams, req.body, res));
  const server = createServer(app);
  const baseURL = await listen(server);
  return { client, baseURL, streams, close: async () => { await closeServer(server); await client.close(); } };
}

const MOCK: ClientOptions = { providerType: 'mock', defaultModel: 'mock-model', metricsEnabled: false };
const MESSAGES = [{ role: 'user' as const, content: 'tell me about routers and streams' }];

for (const [name, start] of [['node:http', nodeHttpGateway], ['Express', expressGateway]] as const) {
  test(`${name}: the OpenAI SDK reads a non-streamed completion`, async () => {
    const gw = await start(MOCK);
    try {
      const direct = await gw.client.chat.completions.create({ messages: MESSAGES });
      const openai = new OpenAI({ baseURL: gw.baseURL, apiKey: SDK_KEY, maxRetries: 0 });
      const { data, response } = await openai.chat.completions.create({ model: 'mock-model', messages: MESSAGES }).withResponse();
      assert.equal(response.status, 200);
      assert.equal(data.object, 'chat.completion');
      assert.equal(data.choices[0]!.message.content, direct.choices[0]!.message.content);
      assert.equal(data.choices[0]!.finish_reason, 'stop');
      assert.equal(data.usage!.total_tokens, direct.usage.totalTokens);
    } finally {
      await gw.close();
    }
  });

  test(`${name}: the OpenAI SDK reads a stream served by writeOpenAIEventStream`, async () => {
    const gw = await start(MOCK);
    try {
      const direct = await gw.client.chat.completions.create({ messages: MESSAGES });
      const openai = new OpenAI({ baseURL: gw.baseURL, apiKey: SDK_KEY, maxRetries: 0 });
      const { data: stream, response } = await openai.chat.completions
        .create({ model: 'mock-model', messages: MESSAGES, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.equal(response.headers.get('cache-control'), 'no-cache');
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      let finish: string | null = null;
      for await (const chunk of stream) {
        assert.equal(chunk.object, 'chat.completion.chunk');
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, direct.choices[0]!.message.content);
      assert.equal(finish, 'stop');
      assert.equal(usage?.completion_tokens, direct.usage.completionTokens);
      assert.equal(response.headers.get('x-request-id'), gw.streams[0]!.requestId);
    } finally {
      await gw.close();
    }
  });

  test(`${name}: a client that goes away mid-stream ends the stream, recorded as abandoned`, async () => {
    const gw = await start({ ...MOCK, mock: { chunkDelayMs: 5, completionTokens: 5000 } });
    try {
      const ended = new Promise<AttemptEndEvent>((resolve) => gw.client.on('attempt.end', (e) => { if (e.stream) resolve(e); }));
      const openai = new OpenAI({ baseURL: gw.baseURL, apiKey: SDK_KEY, maxRetries: 0 });
      const stream = await openai.chat.completions.create({ model: 'mock-model', messages: MESSAGES, stream: true });
      let seen = 0;
      for await (const chunk of stream) {
        assert.equal(chunk.object, 'chat.completion.chunk');
        if (++seen === 3) break; // the SDK aborts its request
      }
      const end = await ended;
      assert.equal(end.abandoned, true);
      assert.equal(end.requestId, gw.streams[0]!.requestId);
    } finally {
      await gw.close();
    }
  });
}

test('an error in the middle of a stream reaches the OpenAI SDK as an error event, without [DONE]', async () => {
  const upstream = await MockProviderServer.start();
  const gw = await nodeHttpGateway({
    providerType: 'openai',
    apiKey: 'upstream-test-key-not-a-secret',
    baseUrl: `${upstream.url}/v1`,
    defaultModel: 'gpt-test',
    maxRetries: 0,
    metricsEnabled: false,
  });
  try {
    upstream.enqueueFault({ midStreamError: { message: 'the upstream broke mid-stream' } }, { times: 2 });
    const openai = new OpenAI({ baseURL: gw.baseURL, apiKey: SDK_KEY, maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: 'gpt-test', messages: MESSAGES, stream: true });
    let caught: unknown;
    try {
      for await (const chunk of stream) void chunk;
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof OpenAI.APIError, `the SDK throws its APIError, got ${String(caught)}`);
    assert.match(caught.message, /the upstream broke mid-stream/);

    const raw = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: MESSAGES, stream: true }) });
    const events = (await raw.text()).split('\n\n').filter((e) => e !== '');
    const last = JSON.parse(events.at(-1)!.replace(/^data: /, '')) as { error: { message: string; type: string; code: string } };
    assert.match(last.error.message, /the upstream broke mid-stream/);
    assert.equal(typeof last.error.code, 'string');
    assert.ok(!events.includes('data: [DONE]'));
  } finally {
    await gw.close();
    await upstream.close();
  }
});
