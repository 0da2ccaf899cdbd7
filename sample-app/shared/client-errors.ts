import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from './api-error.js';

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** The answer to a request Node's HTTP parser refused, by the parser's error code. */
function answerFor(code: string | undefined): ApiError {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new ApiError(431, 'The request headers are too large.', 'invalid_request_error', 'request_header_fields_too_large');
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADER_TIMEOUT') {
    return new ApiError(408, 'The request took too long to arrive.', 'invalid_request_error', 'request_timeout');
  }
  return new ApiError(400, 'The request is not valid HTTP.', 'invalid_request_error', 'malformed_http');
}

/**
 * Answers requests that Node's HTTP parser refuses (headers over `maxHeaderSize` get 431, malformed
 * requests 400, slow ones 408) with OpenAI's error body instead of an empty one, then closes the
 * connection. Replaces any `clientError` listener already there (Fastify's own).
 */
export function answerClientErrors(server: Server): void {
  server.removeAllListeners('clientError');
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex & { bytesWritten?: number }) => {
    if (error.code === 'ECONNRESET' || !socket.writable || (socket.bytesWritten ?? 0) > 0) {
      socket.destroy();
      return;
    }
    const answer = answerFor(error.code);
    const body = JSON.stringify(answer.toBody());
    socket.end(
      `HTTP/1.1 ${answer.status} ${REASONS[answer.status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
