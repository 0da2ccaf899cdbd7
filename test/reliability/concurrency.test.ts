import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Client } from '../../lib/client.js';
import { AbortError } from '../../lib/errors/llm-router-error.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import type { ClientOptions } from '../../lib/config/index.js';
import { FORMATS, keyOf } from '../providers/wire-formats.js';

// Many streams at once over the four wire formats, and cancellations: every attempt the server received
// is one record, nothing stays in flight.

function inFlight(prometheus: string): number {
  let total = 0;
  for (const line of prometheus.split('\n')) if (line.startsWith('llm_router_requests_in_flight{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

describe('concurrency and cancellation', () => {
  let server: MockProviderServer;
  let collector: MetricsCollector;
  let clients: Client[];
  before(async () => {
    server = await MockProviderServer.start({ maxLoggedRequests: 5_000 });
  });
  beforeEach(() => {
    server.reset();
    collector = new MetricsCollector();
    clients = FORMATS.map((f) => new Client({ ...f.config(server.url, keyOf(f.format)), name: f.format, maxRetries: 0, circuitBreaker: false, metricsCollector: collector } as ClientOptions));
  });
  const finish = async (): Promise<void> => {
    await Promise.all(clients.map((c) => c.close()));
    collector.close();
  };
  after(() => server.close());

  test('1,000 concurrent streams (250 per wire format): every text whole, one record each, none in flight', async () => {
    try {
      const runs = Array.from({ length: 1_000 }, async (_, i) => {
        const client = clients[i % clients.length]!;
        let text = '';
        for await (const chunk of await client.chat.completions.create({ messages: [{ role: 'user', content: `stream number ${i}` }], stream: true })) {
          text += chunk.choices[0]?.delta.content ?? '';
        }
        return text;
      });
      const texts = await Promise.all(runs);
      texts.forEach((t, i) => assert.equal(t, `Echo: stream number ${i}`));
      assert.equal(server.requests.length, 1_000);
      const records = collector.getMetrics();
      assert.equal(records.length, 1_000);
      assert.ok(records.every((r) => r.success && r.stream && r.completionTokens === 4));
      assert.deepEqual(collector.getAggregatedMetrics().map((a) => [a.provider, a.totalRequests]).sort(), FORMATS.map((f) => [f.format, 250]).sort());
      assert.equal(inFlight(await collector.exportMetricsPrometheus()), 0);
    } finally {
      await finish();
    }
  });

  test('400 cancellations (aborted by the signal, broken out of, abort()): one record per attempt, none in flight', async () => {
    server.configure({ chunkDelayMs: 5, chunkCount: 8 });
    try {
      const runs = Array.from({ length: 400 }, async (_, i) => {
        const client = clients[i % clients.length]!;
        const controller = new AbortController();
        const stream = await client.chat.completions.create({ messages: [{ role: 'user', content: 'a b c d e f g h i j' }], stream: true, signal: controller.signal });
        const way = i % 3;
        try {
          for await (const chunk of stream) {
            if (!chunk.choices[0]?.delta.content) continue;
            if (way === 0) controller.abort();
            else if (way === 1) break;
            else stream.abort();
          }
          return way === 0 ? 'not aborted' : 'ended';
        } catch (error) {
          return error instanceof AbortError ? 'aborted' : String(error);
        }
      });
      const outcomes = await Promise.all(runs);
      outcomes.forEach((o, i) => assert.equal(o, i % 3 === 0 ? 'aborted' : 'ended', `stream ${i}`));
      assert.equal(server.requests.length, 400);
      const records = collector.getMetrics();
      assert.equal(records.length, 400, 'one record per attempt');
      assert.equal(records.filter((r) => r.errorType === 'AbortError').length, outcomes.filter((o) => o === 'aborted').length);
      assert.equal(inFlight(await collector.exportMetricsPrometheus()), 0);
    } finally {
      await finish();
    }
  });
});
