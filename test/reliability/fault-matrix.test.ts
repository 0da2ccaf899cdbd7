import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Client } from '../../lib/client.js';
import { LlmRouterError } from '../../lib/errors/llm-router-error.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { MockProviderServer, type MockFault, type MockProviderServerSettings } from '../../lib/testing/index.js';
import type { ChatCompletionChunk } from '../../lib/types/chat.js';
import type { ClientOptions } from '../../lib/config/index.js';
import { FORMATS, keyOf, type FormatCase } from '../providers/wire-formats.js';
import { waitUntil } from '../support/wait-until.js';

// The fault matrix: each fault x the four wire formats, through a `Client` against MockProviderServer.
// Each case checks the error class (or the success), how many attempts the server received, and that the
// collector holds exactly one record per attempt the server received.

interface FaultCase {
  readonly name: string;
  readonly stream: boolean;
  /** The fault of every attempt; `undefined` for a success under `settings`. */
  readonly fault?: (format: FormatCase) => MockFault;
  readonly settings?: MockProviderServerSettings;
  /** The thrown error's class name, or `success`. */
  readonly outcome: string | ((format: FormatCase) => string);
  /** How many attempts reach the server (maxRetries is 2). */
  readonly attempts: number;
  readonly timeoutMs?: number;
  readonly prompt?: string;
  readonly maxTokens?: number;
}

const MAX_RETRIES = 2;
const BIG_REPLY = `${'lorem ipsum dolor sit amet '.repeat(780_000)}end`;

const CASES: readonly FaultCase[] = [
  { name: '429 with Retry-After', stream: false, fault: () => ({ status: 429, headers: { 'retry-after': '0' } }), outcome: 'RateLimitError', attempts: 3 },
  { name: '429 without Retry-After', stream: false, fault: () => ({ status: 429 }), outcome: 'RateLimitError', attempts: 3 },
  { name: '429 refusing a stream', stream: true, fault: () => ({ status: 429, headers: { 'retry-after-ms': '1' } }), outcome: 'RateLimitError', attempts: 3 },
  { name: '500', stream: false, fault: () => ({ status: 500 }), outcome: 'ProviderError', attempts: 3 },
  { name: '503 refusing a stream', stream: true, fault: () => ({ status: 503 }), outcome: 'ProviderError', attempts: 3 },
  { name: '529', stream: false, fault: () => ({ status: 529 }), outcome: 'ProviderError', attempts: 3 },
  { name: '400 (never retried)', stream: false, fault: () => ({ status: 400 }), outcome: 'BadRequestError', attempts: 1 },
  { name: 'timeout before the answer', stream: false, fault: () => ({ delayMs: 5_000 }), outcome: 'TimeoutError', attempts: 3, timeoutMs: 1_000 },
  { name: 'reset before any byte', stream: false, fault: () => ({ reset: true }), outcome: 'NetworkError', attempts: 3 },
  { name: 'reset before a stream', stream: true, fault: () => ({ reset: true }), outcome: 'NetworkError', attempts: 3 },
  { name: 'reset during a JSON body', stream: false, fault: () => ({ resetDuringBody: true }), outcome: 'NetworkError', attempts: 3 },
  { name: 'reset during the body (stream cut)', stream: true, fault: () => ({ cutAfterChunks: 2 }), outcome: 'StreamError', attempts: 1, prompt: 'a b c d e f g h' },
  { name: 'malformed JSON body', stream: false, fault: () => ({ malformedJson: true }), outcome: 'ProviderError', attempts: 1 },
  { name: 'malformed stream event', stream: true, fault: () => ({ malformedChunk: true }), outcome: 'StreamError', attempts: 1, prompt: 'a b c d e f' },
  { name: 'stream without its terminator', stream: true, fault: () => ({ endWithoutTerminator: true }), outcome: 'StreamError', attempts: 1 },
  { name: 'error event mid-stream', stream: true, fault: () => ({ midStreamError: { type: 'api_error', message: 'boom' } }), outcome: 'ProviderError', attempts: 1, prompt: 'a b c d e f' },
  { name: 'error inside a 200 answering a stream request', stream: true, fault: (f) => ({ status: 200, body: f.errorIn200 }), outcome: (f) => f.errorClass, attempts: 3 },
  { name: 'error inside a 200', stream: false, fault: (f) => ({ status: 200, body: f.errorIn200 }), outcome: (f) => f.errorClass, attempts: 3 },
  { name: 'a 20 MB body', stream: false, settings: { reply: BIG_REPLY }, outcome: 'success', attempts: 1, maxTokens: 10_000_000 },
  { name: 'a trickling stream', stream: true, settings: { chunkDelayMs: 15, chunkCount: 12 }, outcome: 'success', attempts: 1, prompt: 'one two three four five six seven eight nine ten eleven' },
];

async function attempt(client: Client, c: FaultCase): Promise<{ outcome: string; text: string; error?: LlmRouterError }> {
  const messages = [{ role: 'user' as const, content: c.prompt ?? 'hello' }];
  try {
    if (c.stream) {
      let text = '';
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of await client.chat.completions.create({ messages, stream: true, timeoutMs: c.timeoutMs, maxTokens: c.maxTokens })) {
        chunks.push(chunk);
        text += chunk.choices[0]?.delta.content ?? '';
      }
      return { outcome: 'success', text };
    }
    const res = await client.chat.completions.create({ messages, timeoutMs: c.timeoutMs, maxTokens: c.maxTokens });
    return { outcome: 'success', text: res.choices[0]!.message.content ?? '' };
  } catch (error) {
    assert.ok(error instanceof LlmRouterError, String(error));
    return { outcome: error.name, text: '', error };
  }
}

describe('fault matrix: every fault x every wire format, counted exactly', () => {
  let server: MockProviderServer;
  before(async () => {
    server = await MockProviderServer.start({ logRequests: true });
    // The first request of a process (undici's parser, each format's code) can hold the event loop past
    // a short timeout before the request is even written: warm every format up outside the timed cases.
    for (const format of FORMATS) {
      const client = new Client({ ...format.config(server.url, keyOf(format.format)), maxRetries: 0, metricsEnabled: false } as ClientOptions);
      try {
        await client.chat.completions.create({ messages: [{ role: 'user', content: 'warm up' }] });
      } finally {
        await client.close();
      }
    }
  });
  beforeEach(() => server.reset());
  after(() => server.close());

  for (const format of FORMATS) {
    for (const c of CASES) {
      const expected = typeof c.outcome === 'function' ? c.outcome(format) : c.outcome;
      test(`${format.format}: ${c.name} -> ${expected}, ${c.attempts} attempt(s), one record each`, async () => {
        const collector = new MetricsCollector();
        const client = new Client({
          ...format.config(server.url, keyOf(format.format)),
          maxRetries: MAX_RETRIES,
          retry: { initialDelayMs: 1, maxDelayMs: 20 },
          circuitBreaker: false,
          metricsCollector: collector,
        } as ClientOptions);
        try {
          if (c.settings !== undefined) server.configure(c.settings);
          if (c.fault !== undefined) server.enqueueFault(c.fault(format), { times: Infinity });
          const result = await attempt(client, c);
          assert.equal(result.outcome, expected, result.error?.message);
          // An attempt the client gave up on (a timeout) may still be on its way to the server's log.
          await waitUntil(() => server.requests.length >= c.attempts);
          const received = server.requests.length;
          assert.equal(received, c.attempts, 'attempts the server received');
          const records = collector.getMetrics();
          assert.equal(records.length, received, 'one record per attempt the server received');
          if (expected === 'success') {
            assert.ok(records.every((r) => r.success));
            if (c.settings?.reply === BIG_REPLY) assert.equal(result.text.length, BIG_REPLY.length);
            else assert.equal(result.text, `Echo: ${c.prompt}`);
          } else {
            assert.ok(records.every((r) => !r.success && r.errorType === expected), JSON.stringify(records.map((r) => r.errorType)));
            assert.equal(result.error!.provider, format.format);
          }
          const [aggregate] = collector.getAggregatedMetrics();
          assert.equal(aggregate!.totalRequests, received);
        } finally {
          await client.close();
          collector.close();
        }
      });
    }
  }
});
