import type { ServerResponse } from 'node:http';
import type { ChatCompletionStream } from '../types/chat.js';
import { toOpenAIChatCompletionChunk } from './to-openai.js';
import { toOpenAIError } from './to-openai-error.js';

const DONE_EVENT = 'data: [DONE]\n\n';

/**
 * Serves `stream` to `res` as OpenAI's `text/event-stream`: status 200 with `content-type`,
 * `cache-control: no-cache`, `connection: keep-alive` and `x-request-id` (the router's request id),
 * one `data: {chat.completion.chunk}` event per chunk, and `data: [DONE]` at the end. An error
 * mid-stream is sent as OpenAI's `data: {"error": {...}}` event before the response ends. Writes
 * wait for `drain` when the client reads slowly. When the client goes away first, the stream is
 * stopped, its connection released and the attempt recorded as abandoned.
 *
 * Works with Express's `res`, NestJS's `@Res()` on Express, and Fastify's `reply.raw` (call
 * `reply.hijack()` first). Resolves once the response has ended: stream errors and client disconnects
 * are handled, not thrown.
 */
export async function writeOpenAIEventStream(stream: ChatCompletionStream, res: ServerResponse): Promise<void> {
  const iterator = stream[Symbol.asyncIterator]();
  if (res.destroyed || res.writableEnded) {
    await stopStream(stream, iterator);
    return;
  }
  let gone = false;
  let wake: (() => void) | undefined;
  const onClose = (): void => {
    if (res.writableFinished) return;
    gone = true;
    stream.abort();
    wake?.();
  };
  const onDrain = (): void => wake?.();
  res.on('close', onClose);
  res.on('drain', onDrain);
  try {
    if (!res.headersSent) {
      res.statusCode = 200;
      res.setHeader('content-type', 'text/event-stream; charset=utf-8');
      res.setHeader('cache-control', 'no-cache');
      // HTTP/2 forbids connection headers.
      if (!(res.req?.httpVersionMajor >= 2)) res.setHeader('connection', 'keep-alive');
      res.setHeader('x-accel-buffering', 'no');
      res.setHeader('x-request-id', stream.requestId);
      res.flushHeaders();
    }
    for (;;) {
      const next = await iterator.next();
      if (next.done === true || gone) break;
      const open = res.write(`data: ${JSON.stringify(toOpenAIChatCompletionChunk(next.value))}\n\n`);
      if (!open && !gone) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      if (gone) break;
    }
    if (!gone) res.end(DONE_EVENT);
  } catch (e) {
    if (!gone) res.end(`data: ${JSON.stringify(toOpenAIError(e).body)}\n\n`);
  } finally {
    res.off('close', onClose);
    res.off('drain', onDrain);
    if (gone) await stopStream(stream, iterator);
  }
}

async function stopStream(stream: ChatCompletionStream, iterator: AsyncIterator<unknown>): Promise<void> {
  stream.abort();
  try {
    await iterator.return?.();
  } catch {
    // the client is gone: nothing left to tell
  }
}
