import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { LlmRouter } from 'llm-api-router';
import { ChatCompletionsHandler } from '../shared/chat-completions-handler.js';
import { serveRaw } from './raw-http.js';

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
  create(@Req() req: unknown, @Res() res: unknown): Promise<void> {
    return serveRaw(this.handler, req, res);
  }
}
