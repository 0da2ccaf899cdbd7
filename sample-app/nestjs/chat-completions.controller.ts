import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { LlmRouter } from 'llm-api-router';
import { ChatCompletionsHandler } from '../shared/chat-completions-handler.js';

/** The parts of a Fastify request and reply the controller uses. */
interface FastifyLike {
  raw: IncomingMessage;
  body?: unknown;
}
interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): void;
}

function isFastifyReply(res: unknown): res is FastifyReplyLike {
  return typeof (res as Partial<FastifyReplyLike>).hijack === 'function' && (res as Partial<FastifyReplyLike>).raw !== undefined;
}

/**
 * `POST /v1/chat/completions`. The response (JSON or SSE) is written by the shared handler on Node's
 * response object, the same on the Express and the Fastify platform; the body arrives unparsed (the
 * app turns Nest's JSON parser off) so that invalid JSON gets OpenAI's 400.
 */
@Controller('v1/chat')
export class ChatCompletionsController {
  private readonly handler: ChatCompletionsHandler;

  constructor(router: LlmRouter) {
    this.handler = new ChatCompletionsHandler(router);
  }

  @Post('completions')
  @HttpCode(200)
  async create(@Req() req: IncomingMessage | FastifyLike, @Res() res: ServerResponse | FastifyReplyLike): Promise<void> {
    if (isFastifyReply(res)) {
      res.hijack();
      const request = req as FastifyLike;
      await this.handler.handle(request.raw, res.raw, request.body);
      return;
    }
    await this.handler.handle(req as IncomingMessage, res as ServerResponse);
  }
}
