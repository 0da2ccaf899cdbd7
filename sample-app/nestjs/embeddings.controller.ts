import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { LlmRouter } from 'llm-api-router';
import { EmbeddingsHandler } from '../shared/embeddings-handler.js';
import { serveRaw } from './raw-http.js';

/** `POST /v1/embeddings` in OpenAI's shape, written by the shared handler like the chat route. */
@Controller('v1')
export class EmbeddingsController {
  private readonly handler: EmbeddingsHandler;

  constructor(router: LlmRouter) {
    this.handler = new EmbeddingsHandler(router);
  }

  @Post('embeddings')
  @HttpCode(200)
  create(@Req() req: unknown, @Res() res: unknown): Promise<void> {
    return serveRaw(this.handler, req, res);
  }
}
