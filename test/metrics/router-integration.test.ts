import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LlmRouter } from '../../lib/router/llm-router.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { parseSamples, sampleValue } from './support/exposition.js';

test('a real router feeds the collector: one record per attempt, retries, fallbacks, streams', async () => {
  const collector = new MetricsCollector();
  const router = new LlmRouter({
    providers: [
      { providerType: 'mock', name: 'flaky', defaultModel: 'flaky-1', maxRetries: 1, mock: { errorRate: 1, errorStatus: 503 } },
      { providerType: 'mock', name: 'steady', defaultModel: 'steady-1', mock: { completionTokens: 4 } },
    ],
    retry: { initialDelayMs: 1, maxDelayMs: 1 },
    metricsCollector: collector,
  });
  // As a server would: the router's retry backoff timer is unref'd and would not keep this process alive.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const res = await router.chat.completions.create({ messages: [{ role: 'user', content: 'hello there' }] });
    assert.equal(res.provider, 'steady');
    const records = collector.getMetrics();
    assert.deepEqual(
      records.map((r) => [r.provider, r.model, r.success, r.statusCode, r.errorType, r.stream]),
      [
        ['flaky', 'flaky-1', false, 503, 'ProviderError', false],
        ['flaky', 'flaky-1', false, 503, 'ProviderError', false],
        ['steady', 'steady-1', true, 200, null, false],
      ],
    );
    assert.equal(new Set(records.map((r) => r.requestId)).size, 1, 'the attempts of one request share its id');
    assert.equal(records[2]!.completionTokens, 4);
    assert.equal(records[2]!.totalTokens, records[2]!.promptTokens! + 4);

    const stream = await router.chat.completions.create({ messages: [{ role: 'user', content: 'stream it' }], stream: true });
    for await (const _ of stream) {
      // drain
    }
    const streamed = collector.getMetrics({ provider: 'steady' }).at(-1)!;
    assert.equal(streamed.stream, true);
    assert.equal(streamed.success, true);
    assert.equal(typeof streamed.ttftMs, 'number');
    assert.equal(streamed.completionTokens, 4);

    const [flaky, steady] = collector.getAggregatedMetrics();
    assert.deepEqual([flaky!.totalRequests, flaky!.failedRequests, flaky!.errorCounts], [4, 4, { ProviderError: 4 }]);
    assert.deepEqual([steady!.totalRequests, steady!.successRate], [2, 1]);

    const samples = parseSamples(await router.exportMetricsPrometheus());
    assert.equal(sampleValue(samples, 'llm_router_retries_total', { provider: 'flaky', model: 'flaky-1' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_fallbacks_total', { provider: 'flaky', to_provider: 'steady' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_requests_in_flight', { provider: 'steady' }), 0);
    assert.equal(sampleValue(samples, 'llm_router_time_to_first_token_seconds_count', { provider: 'steady', model: 'steady-1' }), 1);
  } finally {
    clearInterval(keepAlive);
    await router.close();
    collector.close();
  }
});

test('a router attached to a collector shows every provider\'s circuit state and in-flight count before its first request', async () => {
  const collector = new MetricsCollector();
  const router = new LlmRouter({
    providers: [
      { providerType: 'mock', name: 'down', defaultModel: 'down-1', maxRetries: 0, mock: { errorRate: 1, errorStatus: 503 } },
      { providerType: 'mock', name: 'up', defaultModel: 'up-1' },
    ],
    circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 },
    metricsCollector: collector,
  });
  const late = new MetricsCollector();
  try {
    const before = await router.exportMetricsPrometheus();
    assert.match(before, /^llm_router_provider_state\{provider="down"\} 0$/m);
    assert.match(before, /^llm_router_provider_state\{provider="up"\} 0$/m);
    assert.match(before, /^llm_router_requests_in_flight\{provider="down"\} 0$/m);
    assert.match(before, /^llm_router_requests_in_flight\{provider="up"\} 0$/m);
    assert.doesNotMatch(before, /^llm_router_requests_total/m, 'no request yet');

    const res = await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.provider, 'up');
    const after = parseSamples(await router.exportMetricsPrometheus());
    assert.equal(sampleValue(after, 'llm_router_provider_state', { provider: 'down' }), 2, 'the failure opened the circuit');

    // A collector attached now reads the router's present states, not a default.
    const subscription = late.attach(router);
    const seeded = parseSamples(await late.exportMetricsPrometheus());
    assert.equal(sampleValue(seeded, 'llm_router_provider_state', { provider: 'down' }), 2);
    assert.equal(sampleValue(seeded, 'llm_router_provider_state', { provider: 'up' }), 0);
    assert.equal(sampleValue(seeded, 'llm_router_requests_in_flight', { provider: 'down' }), 0);
    subscription.unsubscribe();
  } finally {
    await router.close();
    collector.close();
    late.close();
  }
});

test('a real router on the mock provider: routed requests as the caller saw them, beside the attempts; time per output token for streams', async () => {
  const collector = new MetricsCollector();
  const router = new LlmRouter({
    providers: [
      { providerType: 'mock', name: 'flaky', defaultModel: 'flaky-1', maxRetries: 1, mock: { errorRate: 1, errorStatus: 503 } },
      { providerType: 'mock', name: 'steady', defaultModel: 'steady-1', mock: { completionTokens: 6, chunkDelayMs: 2 } },
    ],
    retry: { initialDelayMs: 1, maxDelayMs: 1 },
    metricsCollector: collector,
  });
  const alone = new LlmRouter({
    providers: [{ providerType: 'mock', name: 'down', defaultModel: 'down-1', maxRetries: 0, mock: { errorRate: 1, errorStatus: 503 } }],
    metricsCollector: collector,
  });
  const keepAlive = setInterval(() => {}, 1000);
  try {
    await router.chat.completions.create({ messages: [{ role: 'user', content: 'hello there' }] });
    const stream = await router.chat.completions.create({ messages: [{ role: 'user', content: 'stream it' }], stream: true });
    for await (const _ of stream) {
      // drain
    }
    const failure = await alone.chat.completions.create({ messages: [{ role: 'user', content: 'nobody home' }] }).then(
      () => assert.fail('the only provider always fails'),
      (error: Error) => error,
    );
    const samples = parseSamples(await collector.exportMetricsPrometheus());
    const routed = samples.filter((s) => s.name === 'llm_router_routed_requests_total');
    const count = (provider: string, outcome: string): number =>
      routed.filter((s) => s.labels['provider'] === provider && s.labels['outcome'] === outcome).reduce((sum, s) => sum + s.value, 0);
    assert.equal(count('steady', 'success'), 2, 'two requests answered by steady, however many attempts they took');
    assert.equal(count('none', failure.name), 1, 'the failed request: no provider answered, the outcome is the thrown class');
    assert.equal(routed.reduce((sum, s) => sum + s.value, 0), 3);
    const attempts = samples.filter((s) => s.name === 'llm_router_requests_total').reduce((sum, s) => sum + s.value, 0);
    assert.equal(attempts, 7, '2 requests x (2 flaky attempts + 1 steady) + 1 attempt of the failed request');
    const durations = samples.filter((s) => s.name === 'llm_router_routed_request_duration_seconds_count').reduce((sum, s) => sum + s.value, 0);
    assert.equal(durations, 3);
    assert.equal(sampleValue(samples, 'llm_router_time_per_output_token_seconds_count', { provider: 'steady', model: 'steady-1' }), 1);
    assert.equal(sampleValue(samples, 'llm_router_errors_total', { provider: 'flaky', model: 'flaky-1', error_type: 'ProviderError', status_code: '503' }), 4);
  } finally {
    clearInterval(keepAlive);
    await router.close();
    await alone.close();
    collector.close();
  }
});

test('a real router with prices, a budget and metadata: cost, overhead and budget headroom in the export', async () => {
  const collector = new MetricsCollector({ metadataLabels: ['team'] });
  const router = new LlmRouter({
    providers: [{ providerType: 'mock', name: 'steady', defaultModel: 'steady-1', mock: { completionTokens: 10 } }],
    prices: { 'steady-1': { inputPerMillion: 1_000, outputPerMillion: 2_000 } },
    budgets: [{ name: 'daily', limitUsd: 100, windowMs: 86_400_000 }],
    metricsCollector: collector,
  });
  try {
    const res = await router.chat.completions.create({ messages: [{ role: 'user', content: 'what does this cost' }], metadata: { team: 'search' } });
    const [record] = collector.getMetrics();
    const expected = (res.usage.promptTokens * 1_000 + res.usage.completionTokens * 2_000) / 1e6;
    assert.ok(Math.abs(record!.costUsd! - expected) < 1e-12, `${record!.costUsd} vs ${expected}`);
    assert.deepEqual(record!.metadata, { team: 'search' });
    const [aggregate] = collector.getAggregatedMetrics();
    assert.equal(aggregate!.totalCostUsd, record!.costUsd);
    const samples = parseSamples(await collector.exportMetricsPrometheus());
    assert.equal(sampleValue(samples, 'llm_router_cost_usd_total', { provider: 'steady', model: 'steady-1', team: 'search' }), record!.costUsd);
    assert.equal(sampleValue(samples, 'llm_router_routed_requests_total', { model: 'steady-1', provider: 'steady', outcome: 'success', team: 'search' }), 1);
    assert.equal(sampleValue(samples, 'llm_router_overhead_seconds_count', { provider: 'steady' }), 1);
    const remaining = sampleValue(samples, 'llm_router_budget_remaining_usd', { budget: 'daily' });
    assert.ok(Math.abs(remaining - (100 - record!.costUsd!)) < 1e-9, `${remaining}`);
  } finally {
    await router.close();
    collector.close();
  }
});
