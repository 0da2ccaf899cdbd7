import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Subject } from 'rxjs';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { LlmRouter, MetricsCollector } from '../../lib/index.js';
import { parseSamples, sampleValue } from './support/exposition.js';
import { requestEnd } from './support/events.js';

// How a collector attached to a router receives its events, beside the router's own listeners and
// subscribers: every attempt counted once, whoever else listens to which event types.

const MESSAGES = [{ role: 'user' as const, content: 'hi' }];

function mockRouter(collector: MetricsCollector | undefined): LlmRouter {
  return new LlmRouter({
    providers: [
      { providerType: 'mock', name: 'flaky', defaultModel: 'flaky-1', maxRetries: 0, mock: { errorRate: 1, errorStatus: 503 } },
      { providerType: 'mock', name: 'steady', defaultModel: 'steady-1' },
    ],
    ...(collector === undefined ? { metricsEnabled: false } : { metricsCollector: collector }),
  });
}

async function total(collector: MetricsCollector, provider: string): Promise<number> {
  const samples = parseSamples(await collector.exportMetricsPrometheus());
  return samples.filter((s) => s.name === 'llm_router_requests_total' && s.labels['provider'] === provider).reduce((sum, s) => sum + s.value, 0);
}

describe('a collector attached to a router', () => {
  test('counts every attempt once, while listeners read only some event types with every field', async () => {
    const collector = new MetricsCollector();
    const router = mockRouter(collector);
    const ends: RouterEvent[] = [];
    const routes: RouterEvent[] = [];
    router.on('request.end', (e) => ends.push(e));
    router.once('request.route', (e) => routes.push(e));
    try {
      await router.chat.completions.create({ messages: MESSAGES });
      await router.chat.completions.create({ messages: MESSAGES });
      assert.equal(await total(collector, 'flaky'), 2);
      assert.equal(await total(collector, 'steady'), 2);
      assert.equal(collector.getMetrics().length, 4, 'one record per attempt');
      assert.equal(ends.length, 2);
      const end = ends[0]!;
      assert.equal(end.type, 'request.end');
      if (end.type === 'request.end') {
        assert.equal(end.success, true);
        assert.equal(end.provider, 'steady');
        assert.equal(end.attempts, 2);
        assert.equal(end.requestedModel, 'flaky-1');
        assert.equal(typeof end.overheadMs, 'number');
        assert.equal(typeof end.timestamp, 'number');
      }
      assert.equal(routes.length, 1, 'once: the first request.route only');
      const route = routes[0]!;
      assert.ok(route.type === 'request.route');
      assert.deepEqual(route.candidates.map((c) => c.provider), ['flaky', 'steady']);
    } finally {
      await router.close();
      collector.close();
    }
  });

  test('events a listener keeps stay as they were, whether the collector is the only reader before, during or after', async () => {
    const collector = new MetricsCollector();
    const router = new LlmRouter({ providers: [{ providerType: 'mock', name: 'steady', defaultModel: 'steady-1' }], metricsCollector: collector });
    const kept: RouterEvent[] = [];
    const keep = (e: RouterEvent): void => {
      kept.push(e);
    };
    try {
      const first = await router.chat.completions.create({ messages: MESSAGES });
      router.on('attempt.end', keep);
      router.on('request.end', keep);
      const second = await router.chat.completions.create({ messages: MESSAGES });
      const third = await router.chat.completions.create({ messages: MESSAGES });
      router.off('attempt.end', keep);
      router.off('request.end', keep);
      const fourth = await router.chat.completions.create({ messages: MESSAGES });
      assert.deepEqual(
        kept.map((e) => [e.type, e.requestId]),
        [
          ['attempt.end', second.requestId],
          ['request.end', second.requestId],
          ['attempt.end', third.requestId],
          ['request.end', third.requestId],
        ],
      );
      assert.notEqual(kept[0], kept[2], 'a listener gets an object of its own per event');
      const records = collector.getMetrics();
      assert.deepEqual(
        records.map((r) => r.requestId),
        [first, second, third, fourth].map((r) => r.requestId),
      );
      assert.ok(records.every((r) => r.success && r.provider === 'steady' && r.model === 'steady-1' && r.attempt === 1));
      const routed = parseSamples(await collector.exportMetricsPrometheus());
      assert.equal(sampleValue(routed, 'llm_router_routed_requests_total', { model: 'steady-1', provider: 'steady', outcome: 'success' }), 4);
    } finally {
      await router.close();
      collector.close();
    }
  });

  test('a router that records nothing itself still delivers every event to events$ and to listeners of each type', async () => {
    const router = mockRouter(undefined);
    const seen: string[] = [];
    const starts: RouterEvent[] = [];
    const subscription = router.events$.subscribe((e) => seen.push(e.type));
    router.on('attempt.start', (e) => starts.push(e));
    try {
      await router.chat.completions.create({ messages: MESSAGES });
      assert.deepEqual(seen, ['request.start', 'request.route', 'attempt.start', 'attempt.end', 'request.fallback', 'attempt.start', 'attempt.end', 'request.end']);
      assert.equal(starts.length, 2);
      subscription.unsubscribe();
      seen.length = 0;
      await router.chat.completions.create({ messages: MESSAGES });
      assert.deepEqual(seen, [], 'unsubscribed');
      assert.equal(starts.length, 4, 'the listener still hears');
    } finally {
      await router.close();
    }
  });

  test('two collectors on one router each count every attempt once; one unsubscribed stops counting', async () => {
    const a = new MetricsCollector();
    const b = new MetricsCollector();
    const router = mockRouter(a);
    const subscription = b.attach(router);
    try {
      await router.chat.completions.create({ messages: MESSAGES });
      assert.equal(await total(a, 'steady'), 1);
      assert.equal(await total(b, 'steady'), 1);
      subscription.unsubscribe();
      assert.equal(subscription.closed, true);
      await router.chat.completions.create({ messages: MESSAGES });
      assert.equal(await total(a, 'steady'), 2);
      assert.equal(await total(b, 'steady'), 1, 'detached');
    } finally {
      await router.close();
      a.close();
      b.close();
    }
  });

  test('closing the router ends the attachment; attaching to a closed router gives a closed subscription', async () => {
    const collector = new MetricsCollector();
    const router = mockRouter(undefined);
    const subscription = collector.attach(router);
    await router.chat.completions.create({ messages: MESSAGES });
    await router.close();
    assert.equal(subscription.closed, true, 'the router completed its events');
    assert.equal(collector.attach(router).closed, true);
    const samples = parseSamples(await collector.exportMetricsPrometheus());
    assert.equal(sampleValue(samples, 'llm_router_routed_requests_total', { model: 'flaky-1', provider: 'steady', outcome: 'success' }), 1);
    assert.doesNotMatch(await collector.exportMetricsPrometheus(), /^llm_router_requests_in_flight\{/m, 'a closed router has nothing in flight');
    collector.close();
  });

  test('a collector closed while attached detaches from the router, which goes on serving', async () => {
    const collector = new MetricsCollector();
    const router = mockRouter(collector);
    try {
      await router.chat.completions.create({ messages: MESSAGES });
      collector.close();
      await router.chat.completions.create({ messages: MESSAGES });
      assert.equal(collector.getMetrics().length, 2, 'only the first request\'s attempts');
    } finally {
      await router.close();
    }
  });
});

describe('routed-request rows', () => {
  test('past the model cap a new model is other, again and again, until reset gives it its own label', async () => {
    const collector = new MetricsCollector({ maxSeries: 2 });
    const source = new Subject<RouterEvent>();
    collector.attach({ events$: source });
    const send = (requestedModel: string, success = true): void =>
      source.next(requestEnd({ requestedModel, success, errorType: success ? null : 'TimeoutError', provider: 'openai' }));
    for (const model of ['a', 'b', 'c', 'c', 'a', 'c']) send(model);
    send('c', false);
    send('c', false);
    const routed = (samples: ReturnType<typeof parseSamples>): Array<[string, string, string, number]> =>
      samples
        .filter((s) => s.name === 'llm_router_routed_requests_total')
        .map((s) => [s.labels['model']!, s.labels['provider']!, s.labels['outcome']!, s.value]);
    assert.deepEqual(routed(parseSamples(await collector.exportMetricsPrometheus())), [
      ['a', 'openai', 'success', 2],
      ['b', 'openai', 'success', 1],
      ['other', 'openai', 'success', 3],
      ['other', 'none', 'TimeoutError', 2],
    ]);
    collector.reset();
    send('c');
    send('c');
    assert.deepEqual(routed(parseSamples(await collector.exportMetricsPrometheus())), [['c', 'openai', 'success', 2]]);
    collector.close();
  });
});
