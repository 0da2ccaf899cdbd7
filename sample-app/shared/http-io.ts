import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';

/** Default request body limit: 4 MiB (long chats, a few inline images). */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Reads a request body, refusing (413) past `limit` bytes. */
export function readBody(req: IncomingMessage, limit = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new ApiError(413, `The request body exceeds the limit of ${limit} bytes.`, 'invalid_request_error', 'request_too_large'));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.once('error', (e) => {
      if (!failed) reject(new ApiError(400, `The request body could not be read: ${e.message}`, 'invalid_request_error', 'invalid_body'));
    });
  });
}

/** Sends a JSON answer, unless the client is already gone. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Readonly<Record<string, string>>): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends an `ApiError` as OpenAI's error body with its status and headers. */
export function sendApiError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, error.toBody(), error.status === 413 ? { ...error.headers, connection: 'close' } : error.headers);
}
