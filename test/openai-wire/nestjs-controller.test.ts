import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Body, Controller, Inject, Post, Res } from '@nestjs/common';
import OpenAI from 'openai';
import { Client, toOpenAIChatCompletion, writeOpenAIEventStream } from '../../lib/index.js';
import type { AttemptEndEvent, ChatMessage } from '../../lib/index.js';
import { makeModule, PLATFORMS, startNest } from '../adapters/nest-helpers.js';

const SDK_KEY = 'sdk-test-key-not-a-secret';
const MESSAGES = [{ role: 'user' as const, content: 'tell me about routers and streams' }];

/** What `@Res()` gives on Fastify: the reply, whose `raw` is the Node response. */
interface FastifyReply {
  raw: ServerResponse;
  hijack(): void;
}

/** The raw Node response of Express's `res` or Fastify's reply (taken over from Fastify). */
function rawResponse(res: ServerResponse | FastifyReply): ServerResponse {
  if ('raw' in res) {
    res.hijack();
    return res.raw;
  }
  return res;
}

@Controller('v1/chat')
class OpenAICompatibleController {
  constructor(@Inject(Client) private readonly client: Client) {}

  @Post('completions')
  async create(@Body() body: { messages: ChatMessage[]; stream?: boolean }, @Res() reply: ServerResponse | FastifyReply): Promise<void> {
    const res = rawResponse(reply);
    if (body.stream === true) {
      await writeOpenAIEventStream(await this.client.chat.completions.create({ messages: body.messages, stream: true }), res);
      return;
    }
    const completion = await this.client.chat.completions.create({ messages: body.messages });
    res.statusCode = 200;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(toOpenAIChatCompletion(completion)));
  }
}

for (const platform of PLATFORMS) {
  test(`NestJS on ${platform}: the OpenAI SDK reads completions, streams, and a disconnect is recorded abandoned`, async () => {
    const client = new Client({ providerType: 'mock', defaultModel: 'mock-model', metricsEnabled: false });
    const module = makeModule({ controllers: [OpenAICompatibleController], providers: [{ provide: Client, useValue: client }] });
    const { app, url } = await startNest(module, platform);
    try {
      const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: SDK_KEY, maxRetries: 0 });
      const direct = await client.chat.completions.create({ messages: MESSAGES });

      const completion = await openai.chat.completions.create({ model: 'mock-model', messages: MESSAGES });
      assert.equal(completion.choices[0]!.message.content, direct.choices[0]!.message.content);

      const { data: stream, response } = await openai.chat.completions.create({ model: 'mock-model', messages: MESSAGES, stream: true }).withResponse();
      assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.match(response.headers.get('x-request-id') ?? '', /.+/);
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, direct.choices[0]!.message.content);
    } finally {
      await app.close();
      await client.close();
    }

    const slow = new Client({ providerType: 'mock', defaultModel: 'mock-model', metricsEnabled: false, mock: { chunkDelayMs: 5, completionTokens: 5000 } });
    const slowModule = makeModule({ controllers: [OpenAICompatibleController], providers: [{ provide: Client, useValue: slow }] });
    const running = await startNest(slowModule, platform);
    try {
      const ended = new Promise<AttemptEndEvent>((resolve) => slow.on('attempt.end', (e) => { if (e.stream) resolve(e); }));
      const openai = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: SDK_KEY, maxRetries: 0 });
      const stream = await openai.chat.completions.create({ model: 'mock-model', messages: MESSAGES, stream: true });
      let seen = 0;
      for await (const chunk of stream) if (chunk.object === 'chat.completion.chunk' && ++seen === 3) break;
      assert.equal((await ended).abandoned, true);
    } finally {
      await running.app.close();
      await slow.close();
    }
  });
}
