import type { IncomingMessage, ServerResponse } from 'node:http';

/** The parts of a Fastify request and reply the controllers use. */
interface FastifyLike {
  raw: IncomingMessage;
  body?: unknown;
}
interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): void;
}

/** A handler over Node's request and response (the body already read by the framework, or not). */
export interface RawHandler {
  handle(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void>;
}

function isFastifyReply(res: unknown): res is FastifyReplyLike {
  return typeof (res as Partial<FastifyReplyLike>).hijack === 'function' && (res as Partial<FastifyReplyLike>).raw !== undefined;
}

/**
 * Runs a handler on Node's request and response objects, the same on the Express and the Fastify
 * platform (on Fastify the reply is hijacked and the raw body bytes handed over).
 */
export async function serveRaw(handler: RawHandler, req: unknown, res: unknown): Promise<void> {
  if (isFastifyReply(res)) {
    res.hijack();
    const request = req as FastifyLike;
    await handler.handle(request.raw, res.raw, request.body);
    return;
  }
  await handler.handle(req as IncomingMessage, res as ServerResponse);
}
