import { parseArgs } from 'node:util';
import { MockProviderServer } from 'llm-api-router/testing';

// Runs the mock provider server in a process of its own, for benchmarks:
//   node dist/bench/mock-server-process.js [--port 0] [--host 127.0.0.1] [--chunk-count 4] [--chunk-delay-ms 0] [--reply text]
// (or MOCK_PORT / MOCK_HOST in the environment). Prints `READY <url>` once listening; exits on SIGTERM/SIGINT.
// The request log is off so that memory stays flat however many requests pass.

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'chunk-count': { type: 'string' },
    'chunk-delay-ms': { type: 'string' },
    reply: { type: 'string' },
  },
});

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`${name} must be a non-negative integer, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return n;
}

const server = await MockProviderServer.start({
  host: values.host ?? process.env.MOCK_HOST ?? '127.0.0.1',
  port: integer('port', values.port ?? process.env.MOCK_PORT, 0),
  chunkCount: Math.max(1, integer('chunk-count', values['chunk-count'], 4)),
  chunkDelayMs: integer('chunk-delay-ms', values['chunk-delay-ms'], 0),
  ...(values.reply !== undefined ? { reply: values.reply } : {}),
  logRequests: false,
});
process.stdout.write(`READY ${server.url}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void server.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
