import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Body, Controller, Post, Res } from '@nestjs/common';
import OpenAI from 'openai';
import { LlmRouterModule } from '../../adapters/nestjs/index.js';
import { type ChatMessage, LlmRouter, toOpenAIChatCompletion, writeOpenAIEventStream } from '../../lib/index.js';
import { makeModule, mockProvider, PLATFORMS, type RunningApp, startNest } from './nest-helpers.js';

interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): void;
  send(body: unknown): void;
}
type AnyResponse = (ServerResponse & { json(body: unknown): void }) | FastifyReplyLike;
const isFastify = (res: AnyResponse): res is FastifyReplyLike => typeof (res as FastifyReplyLike).hijack === 'function';

/** A user's OpenAI-compatible route, written from the README with the core's wire helpers only. */
@Controller('v1/chat')
class OpenAiCompatibleController {
  constructor(private readonly router: LlmRouter) {}

  @Post('completions')
  async create(@Body() body: { model?: string; messages: ChatMessage[]; stream?: boolean; max_tokens?: number }, @Res() res: AnyResponse): Promise<void> {
    const request = { messages: body.messages, ...(body.max_tokens === undefined ? {} : { maxTokens: body.max_tokens }) };
    if (body.stream === true) {
      const stream = await this.router.chat.completions.create({ ...request, stream: true });
      if (isFastify(res)) {
        res.hijack();
        await writeOpenAIEventStream(stream, res.raw);
      } else await writeOpenAIEventStream(stream, res);
      return;
    }
    const completion = toOpenAIChatCompletion(await this.router.chat.completions.create(request));
    if (isFastify(res)) res.send(completion);
    else res.json(completion);
  }
}

for (const platform of PLATFORMS) {
  describe(`the official openai client against a NestJS controller built with the core wire helpers (${platform})`, () => {
    let running: RunningApp;
    let openai: OpenAI;
    after(async () => {
      await running.app.close();
    });

    test('non-streaming and streaming answers parse in the SDK', async () => {
      running = await startNest(
        makeModule({ imports: [LlmRouterModule.forRoot({ providers: [mockProvider('wire-mock')] })], controllers: [OpenAiCompatibleController] }),
        platform,
      );
      openai = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const res = await openai.chat.completions.create({ model: 'mock-small', messages: [{ role: 'user', content: 'wire test' }] });
      assert.equal(res.object, 'chat.completion');
      assert.match(res.choices[0]!.message.content ?? '', /wire test/);
      assert.equal(res.choices[0]!.finish_reason, 'stop');
      assert.equal(res.usage!.total_tokens, res.usage!.prompt_tokens + res.usage!.completion_tokens);

      const stream = await openai.chat.completions.create({ model: 'mock-small', stream: true, messages: [{ role: 'user', content: 'stream wire' }] });
      let text = '';
      let finish: string | null = null;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.ok(chunks >= 2);
      assert.match(text, /stream wire/);
      assert.equal(finish, 'stop');
    });
  });
}
