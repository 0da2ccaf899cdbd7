import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Client } from '../../lib/client.js';
import { LlmRouterError, RateLimitError } from '../../lib/errors/llm-router-error.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { LlmRouter } from '../../lib/router/llm-router.js';
import { BARE_CLIENT_OPTIONS, useMockProviderServer } from '../support/provider-test-kit.js';
import { clientOptions, FORMATS } from './wire-formats.js';

// A 2xx answer whose body is an error object is an error of every provider's non-streaming path:
// typed from its content, recorded as a failure, retried and fallen back.

const ask = { messages: [{ role: 'user' as const, content: 'x' }] };

describe('errors inside 2xx answers', () => {
  const bed = useMockProviderServer(() => ({ providerType: 'mock' }) as never);

  for (const format of FORMATS) {
    test(`${format.format}: 200 with an error body -> ${format.errorClass}, retried, recorded as failures`, async () => {
      const collector = new MetricsCollector();
      const client = new Client({ ...clientOptions(format, bed.server.url), metricsEnabled: true, metricsCollector: collector, maxRetries: 1, retry: { initialDelayMs: 1, maxDelayMs: 5 } });
      try {
        bed.server.enqueueFault({ status: 200, body: format.errorIn200 }, { times: 2 });
        const error = await client.chat.completions.create(ask).catch((e: unknown) => e);
        assert.ok(error instanceof LlmRouterError, String(error));
        assert.equal(error.name, format.errorClass);
        assert.match(error.message, format.message);
        assert.equal(bed.server.requests.length, 2, 'retried once');
        const records = collector.getMetrics();
        assert.deepEqual(records.map((r) => [r.success, r.errorType]), [[false, format.errorClass], [false, format.errorClass]]);
        assert.ok(records.every((r) => r.completionTokens === null || r.completionTokens === 0));
      } finally {
        await client.close();
        collector.close();
      }
    });

    test(`${format.format}: 200 with an error body falls back to the next provider`, async () => {
      const router = new LlmRouter({
        providers: [
          { ...format.config(bed.server.url, 'fake-error-bodies-key'), name: 'first', maxRetries: 0 },
          { providerType: 'mock', name: 'second', defaultModel: 'mock-model' },
        ],
        metricsEnabled: false,
        circuitBreaker: false,
      } as never);
      try {
        bed.server.enqueueFault({ status: 200, body: format.errorIn200 });
        const res = await router.chat.completions.create(ask);
        assert.equal(res.provider, 'second');
      } finally {
        await router.close();
      }
    });
  }

  // A 200 whose JSON is neither an error nor an answer (a proxy's stub, a shape changed upstream) was an empty
  // successful completion, `choices` empty, so `res.choices[0].message` threw in the caller's code.
  const NOT_ANSWERS: Record<string, Array<[unknown, RegExp]>> = {
    openai: [
      [{ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-test' }, /with no choices/],
      [{ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-test', choices: [], usage: { prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 } }, /with no choices/],
    ],
    anthropic: [[{ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test' }, /with no content/]],
    gemini: [[{ responseId: 'r1', modelVersion: 'gemini-test' }, /with no candidates/]],
    ollama: [[{ model: 'llama-test', created_at: '2026-01-01T00:00:00Z', done: true }, /with no message/]],
  };
  for (const format of FORMATS) {
    test(`${format.format}: a 200 that is no answer -> ProviderError naming what is missing, recorded as a failure, fallen back`, async () => {
      const collector = new MetricsCollector();
      const client = new Client({ ...clientOptions(format, bed.server.url), metricsEnabled: true, metricsCollector: collector, maxRetries: 0 });
      const router = new LlmRouter({
        providers: [
          { ...format.config(bed.server.url, 'fake-error-bodies-key'), name: 'first', maxRetries: 0 },
          { providerType: 'mock', name: 'second', defaultModel: 'mock-model' },
        ],
        metricsEnabled: false,
        circuitBreaker: false,
      } as never);
      try {
        for (const [body, message] of NOT_ANSWERS[format.format]!) {
          bed.server.enqueueFault({ status: 200, body });
          const error = await client.chat.completions.create(ask).catch((e: unknown) => e);
          assert.ok(error instanceof LlmRouterError && error.name === 'ProviderError', String(error));
          assert.match(error.message, message);
          assert.equal(error.statusCode, 200);
          bed.server.enqueueFault({ status: 200, body });
          assert.equal((await router.chat.completions.create(ask)).provider, 'second');
        }
        assert.ok(collector.getMetrics().every((r) => !r.success && r.errorType === 'ProviderError'));
      } finally {
        await client.close();
        await router.close();
        collector.close();
      }
    });
  }

  // Embeddings answered with fewer (or more) vectors than inputs, or an empty vector, were handed out as they came:
  // the caller's data[i] no longer matched input[i].
  const SHORT_EMBEDDINGS: Record<string, unknown[]> = {
    openai: [
      { object: 'list', model: 'm' },
      { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'm', usage: { prompt_tokens: 2, total_tokens: 2 } },
      { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }, { object: 'embedding', index: 1, embedding: [] }], model: 'm' },
      { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }, { object: 'embedding', index: 0, embedding: [0.2] }], model: 'm' },
    ],
    gemini: [{}, { embeddings: [{ values: [0.1, 0.2] }] }],
    ollama: [{ model: 'm' }, { model: 'm', embeddings: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]] }],
  };
  for (const format of FORMATS.filter((f) => f.format in SHORT_EMBEDDINGS)) {
    test(`${format.format}: embeddings whose vectors do not match the inputs one for one -> ProviderError, recorded as a failure`, async () => {
      const collector = new MetricsCollector();
      const client = new Client({ ...clientOptions(format, bed.server.url), metricsEnabled: true, metricsCollector: collector, maxRetries: 0 });
      try {
        for (const body of SHORT_EMBEDDINGS[format.format]!) {
          bed.server.enqueueFault({ status: 200, body });
          const error = await client.embeddings.create({ input: ['a', 'b'] }).catch((e: unknown) => e);
          assert.ok(error instanceof LlmRouterError && error.name === 'ProviderError', `${JSON.stringify(body)}: ${String(error)}`);
          assert.match(error.message, /for 2 inputs|an empty vector|indexes that are not 0 to 1/);
        }
        const res = await client.embeddings.create({ input: ['a', 'b'] });
        assert.equal(res.data.length, 2, 'a whole answer still reads');
        if (format.format === 'openai') {
          bed.server.enqueueFault({ status: 200, body: { object: 'list', model: 'm', data: [{ object: 'embedding', index: 1, embedding: [2] }, { object: 'embedding', index: 0, embedding: [1] }] } });
          const reordered = await client.embeddings.create({ input: ['a', 'b'] });
          assert.deepEqual(reordered.data.map((d) => [d.index, d.embedding]), [[0, [1]], [1, [2]]], 'data[i] answers input[i]');
        }
        const successes = collector.getMetrics().map((r) => r.success);
        assert.deepEqual(successes.slice(0, SHORT_EMBEDDINGS[format.format]!.length + 1), [...SHORT_EMBEDDINGS[format.format]!.map(() => false), true]);
      } finally {
        await client.close();
        collector.close();
      }
    });
  }

  test('a retry delay in a Gemini error body (RetryInfo.retryDelay) sets retryAfterMs', async () => {
    const body = JSON.parse(readFileSync(new URL('../../../test/providers/recordings/gemini/error-429-resource-exhausted.json', import.meta.url), 'utf8'));
    const client = new Client({ ...BARE_CLIENT_OPTIONS, ...FORMATS.find((f) => f.format === 'gemini')!.config(bed.server.url, 'fake-gemini-retry-key') } as never);
    try {
      bed.server.enqueueFault({ status: 429, body });
      const error = await client.chat.completions.create(ask).catch((e: unknown) => e);
      assert.ok(error instanceof RateLimitError, String(error));
      assert.equal(error.retryAfterMs, 34_400);
      bed.server.enqueueFault({ status: 200, body: { error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' }] } } });
      const inside = await client.chat.completions.create(ask).catch((e: unknown) => e);
      assert.ok(inside instanceof RateLimitError, String(inside));
      assert.equal(inside.retryAfterMs, 12_000);
    } finally {
      await client.close();
    }
  });
});
