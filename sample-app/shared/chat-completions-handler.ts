import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ChatCompletionNonStreamingRequest, type ChatCompletionStreamingRequest, type LlmRouter, toOpenAIChatCompletion, writeOpenAIEventStream } from 'llm-api-router';
import { toApiError } from './api-error.js';
import { DEFAULT_MAX_BODY_BYTES, readBody, sendApiError, sendJson } from './http-io.js';
import { assertUtf8Charset } from './json-body.js';
import { parseChatRequest } from './openai-request.js';
import { withOpenAiUsage } from './openai-usage-stream.js';

/** The header naming the provider that answered. */
export const PROVIDER_HEADER = 'x-llm-router-provider';

/** The models a router serves, or undefined when one of its providers takes any model name. */
export function servedModels(router: LlmRouter): ReadonlySet<string> | undefined {
  if (router.getProviderStatus().some((p) => p.models.length === 0)) return undefined;
  return new Set(router.listModels().map((m) => m.id));
}

/**
 * `POST /v1/chat/completions` over Node's request and response objects, so that NestJS (Express or
 * Fastify platform) and plain Express share it: OpenAI request in, router call, OpenAI response or SSE
 * out, OpenAI error bodies with gateway statuses. A client that goes away aborts the upstream request
 * or stream.
 */
export class ChatCompletionsHandler {
  private readonly models: ReadonlySet<string> | undefined;

  constructor(
    private readonly router: LlmRouter,
    private readonly maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  ) {
    this.models = servedModels(router);
  }

  /** Serves one request. `body` is the body when the framework already read it (bytes or parsed JSON). */
  async handle(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    const abort = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) abort.abort();
    };
    res.once('close', onClose);
    try {
      assertUtf8Charset(req.headers['content-type']);
      const parsed = parseChatRequest(body ?? (await readBody(req, this.maxBodyBytes)), this.models);
      parsed.request.signal = abort.signal;
      if (!parsed.stream) {
        const completion = await this.router.chat.completions.create(parsed.request as ChatCompletionNonStreamingRequest);
        sendJson(res, 200, toOpenAIChatCompletion(completion), { [PROVIDER_HEADER]: completion.provider, 'x-request-id': completion.requestId });
        return;
      }
      const stream = await this.router.chat.completions.create(parsed.request as ChatCompletionStreamingRequest);
      res.off('close', onClose);
      if (!res.headersSent) res.setHeader(PROVIDER_HEADER, stream.provider);
      await writeOpenAIEventStream(withOpenAiUsage(stream, parsed.includeUsage), res);
    } catch (error) {
      sendApiError(res, toApiError(error));
    } finally {
      res.off('close', onClose);
    }
  }
}
