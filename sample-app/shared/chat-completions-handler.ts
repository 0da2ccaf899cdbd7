import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ChatCompletionNonStreamingRequest, type ChatCompletionStreamingRequest, type LlmRouter, toOpenAIChatCompletion, writeOpenAIEventStream } from 'llm-api-router';
import { toApiError } from './api-error.js';
import { DEFAULT_MAX_BODY_BYTES, readBody, sendApiError, sendJson } from './http-io.js';
import { assertUtf8Charset } from './json-body.js';
import { connectionSignal } from './connection-signal.js';
import { type ParsedChatRequest, parseChatRequest } from './openai-request.js';
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
    try {
      assertUtf8Charset(req.headers['content-type']);
      const parsed = parseChatRequest(body ?? (await readBody(req, this.maxBodyBytes)), this.models);
      if (!parsed.stream) {
        const signal = connectionSignal(req.socket);
        if (signal !== undefined) parsed.request.signal = signal;
        const completion = await this.router.chat.completions.create(parsed.request as ChatCompletionNonStreamingRequest);
        sendJson(res, 200, toOpenAIChatCompletion(completion), { [PROVIDER_HEADER]: completion.provider, 'x-request-id': completion.requestId });
        return;
      }
      await this.stream(res, parsed);
    } catch (error) {
      sendApiError(res, toApiError(error));
    }
  }

  /** A stream's signal is its own until the stream is handed over: a client leaving later abandons the stream (`writeOpenAIEventStream`), it does not abort it. */
  private async stream(res: ServerResponse, parsed: ParsedChatRequest): Promise<void> {
    const abort = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) abort.abort();
    };
    if (res.destroyed) abort.abort();
    else res.once('close', onClose);
    try {
      parsed.request.signal = abort.signal;
      const stream = await this.router.chat.completions.create(parsed.request as ChatCompletionStreamingRequest);
      res.off('close', onClose);
      if (!res.headersSent) res.setHeader(PROVIDER_HEADER, stream.provider);
      await writeOpenAIEventStream(withOpenAiUsage(stream, parsed.includeUsage), res);
    } finally {
      res.off('close', onClose);
    }
  }
}
