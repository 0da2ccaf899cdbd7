import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatCompletionStream, ChatCompletionChunk, LlmRouter, Usage } from 'llm-api-router';
import { toApiError } from './api-error.js';
import { DEFAULT_MAX_BODY_BYTES, drained, readBody, sendApiError, sendJson } from './http-io.js';
import { parseChatRequest } from './openai-request.js';
import { RequestIdCapture } from './request-id-capture.js';
import { toOpenAiChunk, toOpenAiCompletion, toOpenAiUsageChunk } from './openai-response.js';

/** The header naming the provider that answered. */
export const PROVIDER_HEADER = 'x-llm-router-provider';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

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
  private readonly ids: RequestIdCapture;

  constructor(
    private readonly router: LlmRouter,
    private readonly maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  ) {
    this.models = servedModels(router);
    this.ids = new RequestIdCapture(router);
  }

  /** Serves one request. `body` is the body when the framework already read it (bytes or parsed JSON). */
  async handle(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    const abort = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) abort.abort();
    };
    res.once('close', onClose);
    try {
      const parsed = parseChatRequest(body ?? (await readBody(req, this.maxBodyBytes)), this.models);
      parsed.request.signal = abort.signal;
      if (!parsed.stream) {
        const call = this.ids.run(() => this.router.chat.completions.create({ ...parsed.request, stream: false }));
        const completion = await call.promise;
        const requestId = completion.requestId ?? call.requestId;
        sendJson(res, 200, toOpenAiCompletion(completion), { [PROVIDER_HEADER]: completion.provider, ...(requestId === undefined ? {} : { 'x-request-id': requestId }) });
        return;
      }
      const stream = await this.router.chat.completions.create({ ...parsed.request, stream: true });
      res.off('close', onClose);
      await writeSse(res, stream, parsed.includeUsage);
    } catch (error) {
      sendApiError(res, toApiError(error));
    } finally {
      res.off('close', onClose);
    }
  }
}

/**
 * Writes a router stream as OpenAI's SSE: `data: <chunk>\n\n` per chunk, the usage chunk when asked,
 * `data: [DONE]\n\n`; an error after the first byte is a `data: {"error": …}` event that ends the stream.
 */
export async function writeSse(res: ServerResponse, stream: ChatCompletionStream, includeUsage: boolean): Promise<void> {
  if (res.destroyed) {
    stream.abort();
    return;
  }
  const onClose = (): void => {
    if (!res.writableFinished) stream.abort();
  };
  res.once('close', onClose);
  res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': stream.requestId, [PROVIDER_HEADER]: stream.provider });
  let usage: Usage | null = null;
  let last: ChatCompletionChunk | undefined;
  try {
    for await (const chunk of stream) {
      if (res.destroyed) break;
      if (chunk.usage != null) usage = chunk.usage;
      last = chunk;
      if (chunk.choices.length === 0) continue;
      if (!res.write(`data: ${JSON.stringify(toOpenAiChunk(chunk, includeUsage))}\n\n`)) await drained(res);
    }
    if (res.destroyed) return;
    if (includeUsage && usage !== null && last !== undefined) res.write(`data: ${JSON.stringify(toOpenAiUsageChunk(last, usage))}\n\n`);
    res.end('data: [DONE]\n\n');
  } catch (error) {
    if (!res.destroyed) res.end(`data: ${JSON.stringify(toApiError(error).toBody())}\n\n`);
  } finally {
    res.off('close', onClose);
  }
}
