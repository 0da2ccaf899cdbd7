import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Subject } from 'rxjs';
import { ConfigurationError } from '../../lib/errors/llm-router-error.js';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { aggregateClusterSnapshots, clusterSnapshot } from '../../lib/metrics/exposition/cluster-metrics.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import type { MetricsCollectorOptions } from '../../lib/metrics/metrics-collector-options.js';
import { familyTypes, findPromtool, parseSamples, promtoolCheck, sampleValue, type Sample } from './support/exposition.js';
import { RecordingLogger, T0, attemptEnd, attemptStart, requestEnd } from './support/events.js';

const promtoolSkip = findPromtool() === undefined && !process.env['CI'] ? 'promtool not on PATH (apt-get install prometheus); with CI set this fails instead' : false;

function attached(options: MetricsCollectorOptions = {}): { collector: MetricsCollector; source: Subject<RouterEvent> } {
  const collector = new MetricsCollector(options);
  const source = new Subject<RouterEvent>();
  collector.attach({ events$: source });
  return { collector, source };
}

async function samplesOf(collector: MetricsCollector): Promise<Sample[]> {
  return parseSamples(await collector.exportMetricsPrometheus());
}

function buckets(samples: Sample[], name: string, labels: Record<string, string>): [string, number][] {
  return samples
    .filter((s) => s.name === `${name}_bucket` && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => [s.labels['le']!, s.value]);
}

/** A scene with every family populated: attempts with costs, token details, status codes, streams, routed requests, rate limits, budgets. */
function everything(options: MetricsCollectorOptions = {}): MetricsCollector {
  const collector = new MetricsCollector(options);
  const source = new Subject<RouterEvent>();
  collector.attach({ events$: source, getBudgetStatus: () => [{ name: 'daily', remainingUsd: 10 }, { name: 'team "a"', remainingUsd: 0.25 }] });
  const usage = { promptTokens: 100, completionTokens: 21, totalTokens: 121, promptTokensDetails: { cachedTokens: 60, cacheWriteTokens: 10 }, completionTokensDetails: { reasoningTokens: 5 } };
  source.next(attemptStart('openai', 'gpt-4o', 'r1'));
  source.next(attemptEnd({ provider: 'openai', model: 'gpt-4o', latencyMs: 300, success: false, statusCode: 429, errorType: 'RateLimitError', requestId: 'r1', rateLimit: { remainingRequests: 0, remainingTokens: 1200 } }));
  source.next(attemptEnd({ provider: 'openai', model: 'gpt-4o', latencyMs: 1100, success: true, requestId: 'r1', attempt: 2, stream: true, ttftMs: 100, usage, costUsd: 0.0125, metadata: { team: 'search' } }));
  source.next(requestEnd({ requestId: 'r1', provider: 'openai', model: 'gpt-4o', requestedModel: 'smart', latencyMs: 1500, attempts: 2, overheadMs: 0.8, metadata: { team: 'search' } }));
  source.next(attemptEnd({ provider: 'anthropic', model: 'claude', latencyMs: 50, success: false, errorType: 'TimeoutError', requestId: 'r2' }));
  source.next(requestEnd({ requestId: 'r2', success: false, provider: 'anthropic', model: 'claude', requestedModel: 'smart', latencyMs: 60, errorType: 'NoProviderAvailableError', statusCode: null, overheadMs: 3 }));
  collector.recordRequest({ provider: 'anthropic', model: 'claude', latencyMs: 900, success: true, promptTokens: 10, completionTokens: 10, costUsd: 0.002, metadata: { team: 'ads' } });
  return collector;
}

describe('cost', () => {
  test('records, aggregates, comparison, summary and llm_router_cost_usd_total agree; unknown costs are left out, never 0', async () => {
    const collector = new MetricsCollector();
    collector.recordRequest({ provider: 'openai', model: 'gpt-4o', latencyMs: 10, success: true, costUsd: 0.25 });
    collector.recordRequest({ provider: 'openai', model: 'gpt-4o', latencyMs: 10, success: true, costUsd: 0.5 });
    collector.recordRequest({ provider: 'openai', model: 'gpt-4o', latencyMs: 10, success: false, costUsd: null });
    collector.recordRequest({ provider: 'local', model: 'llama', latencyMs: 10, success: true });
    assert.deepEqual(collector.getMetrics().map((r) => r.costUsd), [0.25, 0.5, null, null]);
    const [openai, local] = collector.getAggregatedMetrics();
    assert.deepEqual([openai!.totalCostUsd, openai!.avgCostUsd], [0.75, 0.375]);
    assert.deepEqual([local!.totalCostUsd, local!.avgCostUsd], [0, null]);
    assert.deepEqual(collector.compareProviders().map((c) => [c.provider, c.totalCostUsd]), [['local', 0], ['openai', 0.75]]);
    assert.equal(collector.getSummary().totalCostUsd, 0.75);
    const samples = await samplesOf(collector);
    assert.equal(sampleValue(samples, 'llm_router_cost_usd_total', { provider: 'openai', model: 'gpt-4o' }), 0.75);
    assert.equal(samples.filter((s) => s.name === 'llm_router_cost_usd_total' && s.labels['provider'] === 'local').length, 0, 'no cost line for a model without a known cost');
    assert.throws(() => collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 1, success: true, costUsd: -1 }), TypeError);
    collector.close();
  });

  test('attempt.end costUsd goes to the records, the aggregates and the counter; reset forgets it', async () => {
    const { collector, source } = attached();
    source.next(attemptEnd({ provider: 'openai', model: 'gpt-4o', latencyMs: 10, success: true, costUsd: 0.001 }));
    source.next(attemptEnd({ provider: 'openai', model: 'gpt-4o', latencyMs: 10, success: true }));
    assert.deepEqual(collector.getMetrics().map((r) => r.costUsd), [0.001, null], 'an event without the field has no known cost');
    assert.equal(collector.getAggregatedMetrics()[0]!.totalCostUsd, 0.001);
    assert.equal(sampleValue(await samplesOf(collector), 'llm_router_cost_usd_total', { provider: 'openai', model: 'gpt-4o' }), 0.001);
    collector.reset();
    assert.equal((await collector.exportMetricsPrometheus()).match(/^llm_router_cost_usd_total\{/m), null);
    collector.close();
  });
});

describe('token details, status codes, time per output token, rate limits', () => {
  test('cached, cache-write and reasoning tokens: records, aggregates and llm_router_tokens_total{type}', async () => {
    const { collector, source } = attached();
    const details = { promptTokensDetails: { cachedTokens: 60, cacheWriteTokens: 10 }, completionTokensDetails: { reasoningTokens: 5 } };
    source.next(attemptEnd({ provider: 'openai', model: 'o3', latencyMs: 10, success: true, usage: { promptTokens: 100, completionTokens: 20, totalTokens: 120, ...details } }));
    source.next(attemptEnd({ provider: 'openai', model: 'o3', latencyMs: 10, success: true, usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12 } }));
    collector.recordRequest({ provider: 'openai', model: 'o3', latencyMs: 1, success: true, cachedPromptTokens: 1, reasoningTokens: 2 });
    assert.deepEqual(
      collector.getMetrics().map((r) => [r.cachedPromptTokens, r.cacheWriteTokens, r.reasoningTokens]),
      [[60, 10, 5], [null, null, null], [1, null, 2]],
    );
    const [a] = collector.getAggregatedMetrics();
    assert.deepEqual([a!.totalCachedPromptTokens, a!.totalCacheWriteTokens, a!.totalReasoningTokens], [61, 10, 7]);
    const samples = await samplesOf(collector);
    const series = { provider: 'openai', model: 'o3' };
    assert.equal(sampleValue(samples, 'llm_router_tokens_total', { ...series, type: 'cached_prompt' }), 61);
    assert.equal(sampleValue(samples, 'llm_router_tokens_total', { ...series, type: 'cache_write' }), 10);
    assert.equal(sampleValue(samples, 'llm_router_tokens_total', { ...series, type: 'reasoning' }), 7);
    assert.equal(sampleValue(samples, 'llm_router_tokens_total', { ...series, type: 'prompt' }), 110);
    collector.recordRequest({ provider: 'groq', model: 'llama', latencyMs: 1, success: true, promptTokens: 3 });
    assert.deepEqual(
      (await samplesOf(collector)).filter((s) => s.name === 'llm_router_tokens_total' && s.labels['provider'] === 'groq').map((s) => s.labels['type']),
      ['prompt', 'completion', 'total'],
      'the detail types appear once a series has reported them',
    );
    collector.close();
  });

  test('llm_router_errors_total carries status_code, empty without an HTTP status; errorCounts still sums by type', async () => {
    const { collector, source } = attached();
    source.next(attemptEnd({ provider: 'openai', model: 'm', latencyMs: 1, success: false, statusCode: 429, errorType: 'RateLimitError' }));
    source.next(attemptEnd({ provider: 'openai', model: 'm', latencyMs: 1, success: false, statusCode: 429, errorType: 'RateLimitError' }));
    source.next(attemptEnd({ provider: 'openai', model: 'm', latencyMs: 1, success: false, statusCode: null, errorType: 'RateLimitError' }));
    source.next(attemptEnd({ provider: 'openai', model: 'm', latencyMs: 1, success: false, statusCode: null, errorType: 'TimeoutError' }));
    const samples = (await samplesOf(collector)).filter((s) => s.name === 'llm_router_errors_total');
    assert.deepEqual(
      samples.map((s) => [s.labels['error_type'], s.labels['status_code'], s.value]),
      [['RateLimitError', '429', 2], ['RateLimitError', '', 1], ['TimeoutError', '', 1]],
    );
    assert.deepEqual(collector.getAggregatedMetrics()[0]!.errorCounts, { RateLimitError: 3, TimeoutError: 1 });
    collector.close();
  });

  test('time per output token: streamed successes with more than one completion token, (latency - ttft) / (tokens - 1)', async () => {
    const { collector, source } = attached();
    const usage = (completionTokens: number) => ({ promptTokens: 5, completionTokens, totalTokens: 5 + completionTokens });
    // (1100 - 100) / (11 - 1) = 100 ms = 0.1 s; (250 - 50) / (5 - 1) = 50 ms = 0.05 s
    source.next(attemptEnd({ provider: 'p', model: 'm', latencyMs: 1100, success: true, stream: true, ttftMs: 100, usage: usage(11) }));
    source.next(attemptEnd({ provider: 'p', model: 'm', latencyMs: 250, success: true, stream: true, ttftMs: 50, usage: usage(5) }));
    source.next(attemptEnd({ provider: 'p', model: 'm', latencyMs: 250, success: true, stream: true, ttftMs: 50, usage: usage(1) }));
    source.next(attemptEnd({ provider: 'p', model: 'm', latencyMs: 250, success: false, stream: true, ttftMs: 50, usage: usage(9), errorType: 'StreamError' }));
    source.next(attemptEnd({ provider: 'p', model: 'm', latencyMs: 250, success: true, stream: false, usage: usage(9) }));
    const samples = await samplesOf(collector);
    const series = { provider: 'p', model: 'm' };
    assert.equal(sampleValue(samples, 'llm_router_time_per_output_token_seconds_count', series), 2);
    assert.equal(sampleValue(samples, 'llm_router_time_per_output_token_seconds_sum', series), 0.1 + 0.05);
    assert.deepEqual(buckets(samples, 'llm_router_time_per_output_token_seconds', series).slice(0, 6), [['0.01', 0], ['0.025', 0], ['0.05', 1], ['0.075', 1], ['0.1', 2], ['0.15', 2]]);
    collector.close();
  });

  test('llm_router_provider_ratelimit_remaining{provider,kind} follows the latest rate-limit headers', async () => {
    const { collector, source } = attached();
    source.next(attemptEnd({ provider: 'openai', model: 'm', latencyMs: 1, success: true, rateLimit: { remainingRequests: 99, remainingTokens: 40_000 } }));
    source.next(attemptEnd({ provider: 'openai', model: 'm', latencyMs: 1, success: true, rateLimit: { remainingRequests: 98, remainingTokens: null } }));
    source.next(attemptEnd({ provider: 'groq', model: 'm', latencyMs: 1, success: true, rateLimit: null }));
    const samples = (await samplesOf(collector)).filter((s) => s.name === 'llm_router_provider_ratelimit_remaining');
    assert.deepEqual(samples.map((s) => [s.labels['provider'], s.labels['kind'], s.value]), [['openai', 'requests', 98], ['openai', 'tokens', 40_000]]);
    collector.reset();
    assert.equal(sampleValue(await samplesOf(collector), 'llm_router_provider_ratelimit_remaining', { provider: 'openai', kind: 'requests' }), 98, 'a current fact: reset keeps it');
    collector.close();
  });
});

describe('routed requests and overhead (request.end)', () => {
  test('counted as the caller saw them: model asked for, provider that answered or none, outcome', async () => {
    const { collector, source } = attached();
    source.next(requestEnd({ requestId: 'a', provider: 'openai', model: 'gpt-4o', requestedModel: 'smart', latencyMs: 1500, overheadMs: 0.3 }));
    source.next(requestEnd({ requestId: 'b', provider: 'openai', model: 'gpt-4o', requestedModel: 'smart', latencyMs: 300, overheadMs: 2 }));
    source.next(requestEnd({ requestId: 'c', success: false, provider: 'anthropic', model: 'claude', requestedModel: 'smart', latencyMs: 50, errorType: 'NoProviderAvailableError', overheadMs: 0.05 }));
    source.next(requestEnd({ requestId: 'd', provider: 'groq', model: 'llama', latencyMs: 10, overheadMs: Number.NaN }));
    const samples = await samplesOf(collector);
    const routed = samples.filter((s) => s.name === 'llm_router_routed_requests_total');
    assert.deepEqual(
      routed.map((s) => [s.labels['model'], s.labels['provider'], s.labels['outcome'], s.value]),
      [['smart', 'openai', 'success', 2], ['smart', 'none', 'NoProviderAvailableError', 1], ['llama', 'groq', 'success', 1]],
      'without requestedModel, the model of the event',
    );
    const ok = { model: 'smart', provider: 'openai', outcome: 'success' };
    assert.equal(sampleValue(samples, 'llm_router_routed_request_duration_seconds_count', ok), 2);
    assert.equal(sampleValue(samples, 'llm_router_routed_request_duration_seconds_sum', ok), 1.5 + 0.3);
    assert.deepEqual(buckets(samples, 'llm_router_routed_request_duration_seconds', ok).filter(([le]) => ['0.16', '0.32', '1.28', '2.56'].includes(le)), [['0.16', 0], ['0.32', 1], ['1.28', 1], ['2.56', 2]]);
    // overhead: 0.3 ms and 2 ms for openai, 0.05 ms for the failed one (provider none); none for the request whose overheadMs is not a number
    assert.equal(sampleValue(samples, 'llm_router_overhead_seconds_count', { provider: 'openai' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_overhead_seconds_count', { provider: 'none' }), 1);
    assert.equal(samples.filter((s) => s.name.startsWith('llm_router_overhead_seconds') && s.labels['provider'] === 'groq').length, 0);
    assert.deepEqual(buckets(samples, 'llm_router_overhead_seconds', { provider: 'openai' }).slice(0, 5), [['0.0001', 0], ['0.00025', 0], ['0.0005', 1], ['0.001', 1], ['0.0025', 2]]);
    assert.equal(collector.getMetrics().length, 0, 'request.end makes no attempt record');
    collector.reset();
    assert.doesNotMatch(await collector.exportMetricsPrometheus(), /^llm_router_routed_requests_total\{/m);
    collector.close();
  });

  test('metadataLabels label the routed families and the cost counter, capped like models and bounded in length', async () => {
    const { collector, source } = attached({ metadataLabels: ['team', 'feature'], maxSeries: 2 });
    for (const team of ['search', 'ads', 'search', 'growth', 'x'.repeat(1000)]) {
      source.next(attemptEnd({ provider: 'openai', model: 'gpt-4o', latencyMs: 1, success: true, costUsd: 0.5, metadata: { team } }));
      source.next(requestEnd({ provider: 'openai', model: 'gpt-4o', metadata: { team, feature: 'chat' } }));
    }
    collector.recordRequest({ provider: 'openai', model: 'gpt-4o', latencyMs: 1, success: true, costUsd: 1 });
    const samples = await samplesOf(collector);
    const costs = samples.filter((s) => s.name === 'llm_router_cost_usd_total');
    assert.deepEqual(
      costs.map((s) => [s.labels['team'], s.labels['feature'], s.value]),
      [['search', '', 1], ['ads', '', 0.5], ['other', '', 1], ['', '', 1]],
      'the third and later distinct teams fold into other; no metadata means empty labels',
    );
    assert.equal(costs.reduce((sum, s) => sum + s.value, 0), collector.getAggregatedMetrics()[0]!.totalCostUsd);
    const routed = samples.filter((s) => s.name === 'llm_router_routed_requests_total');
    assert.deepEqual(routed.map((s) => [s.labels['team'], s.labels['feature'], s.value]), [['search', 'chat', 2], ['ads', 'chat', 1], ['other', 'chat', 2]]);
    assert.deepEqual(Object.keys(routed[0]!.labels), ['model', 'provider', 'outcome', 'team', 'feature']);
    assert.ok(samples.some((s) => s.name === 'llm_router_routed_request_duration_seconds_bucket' && s.labels['team'] === 'ads'));
    assert.equal(await collector.exportMetricsPrometheus(), await collector.registry.metrics());
    collector.close();
  });

  test('metadataLabels must be label names, not clash with the families\' own labels, and not repeat', () => {
    for (const bad of [['1team'], ['te-am'], ['__team'], ['model'], ['outcome'], ['team', 'team'], 'team']) {
      assert.throws(() => new MetricsCollector({ metadataLabels: bad as string[] }), (e: unknown) => e instanceof ConfigurationError && e.field === 'metadataLabels', JSON.stringify(bad));
    }
  });
});

describe('budgets', () => {
  test('llm_router_budget_remaining_usd is read from the attached sources at every export', async () => {
    const logger = new RecordingLogger();
    const collector = new MetricsCollector({ logger });
    let remaining = 5;
    collector.attach({ events$: new Subject<RouterEvent>(), getBudgetStatus: () => [{ name: 'daily', remainingUsd: remaining }] });
    collector.attach({ events$: new Subject<RouterEvent>(), getBudgetStatus: () => { throw new Error('broken'); } });
    collector.attach({ events$: new Subject<RouterEvent>() });
    assert.equal(sampleValue(await samplesOf(collector), 'llm_router_budget_remaining_usd', { budget: 'daily' }), 5);
    remaining = 1.25;
    assert.equal(sampleValue(await samplesOf(collector), 'llm_router_budget_remaining_usd', { budget: 'daily' }), 1.25);
    assert.ok(logger.errors.length >= 1, 'a throwing source is logged, the export goes on');
    collector.close();
  });
});

describe('every family together', () => {
  test('the text is what prom-client writes, OpenMetrics has the same samples, and they agree with the aggregates', async () => {
    const collector = everything({ metadataLabels: ['team'] });
    const text = await collector.exportMetricsPrometheus();
    const samples = parseSamples(text);
    assert.equal(await collector.exportMetricsPrometheus(), await collector.registry.metrics());
    const om = parseSamples((await collector.getMetricsResponse('application/openmetrics-text')).body);
    assert.deepEqual(om.map(({ name, labels, value }) => ({ name, labels, value })), parseSamples(await collector.exportMetricsPrometheus()));
    for (const a of collector.getAggregatedMetrics()) {
      const series = { provider: a.provider, model: a.model };
      assert.equal(sampleValue(samples, 'llm_router_requests_total', series), a.totalRequests);
      const cost = samples.filter((s) => s.name === 'llm_router_cost_usd_total' && s.labels['provider'] === a.provider).reduce((sum, s) => sum + s.value, 0);
      assert.equal(cost, a.totalCostUsd);
    }
    const types = familyTypes(text);
    for (const name of ['llm_router_cost_usd_total', 'llm_router_routed_requests_total', 'llm_router_routed_request_duration_seconds', 'llm_router_overhead_seconds', 'llm_router_time_per_output_token_seconds', 'llm_router_provider_ratelimit_remaining', 'llm_router_budget_remaining_usd']) {
      assert.ok(types.has(name), name);
      assert.ok(samples.some((s) => s.name.startsWith(name)), `${name} has samples`);
    }
    assert.equal(sampleValue(samples, 'llm_router_budget_remaining_usd', { budget: 'team "a"' }), 0.25);
    collector.close();
  });

  test('promtool check metrics accepts every family', { skip: promtoolSkip }, async () => {
    const collector = everything({ metadataLabels: ['team'] });
    const { status, findings } = promtoolCheck(findPromtool()!, await collector.exportMetricsPrometheus());
    assert.ok(status === 0 || status === 3, findings.join('\n'));
    for (const f of findings) assert.match(f, /^llm_router_(requests_success|requests_failed|latency_ms) /);
    collector.close();
  });

  test('the cluster aggregation sums the new counters and histograms and keeps the least headroom', async () => {
    const a = everything();
    const b = everything();
    const registry = aggregateClusterSnapshots([await clusterSnapshot(a), await clusterSnapshot(b)]);
    const samples = parseSamples(await registry.metrics());
    assert.equal(sampleValue(samples, 'llm_router_cost_usd_total', { provider: 'openai', model: 'gpt-4o' }), 0.025);
    assert.equal(sampleValue(samples, 'llm_router_routed_requests_total', { model: 'smart', provider: 'openai', outcome: 'success' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_routed_request_duration_seconds_count', { model: 'smart', provider: 'none', outcome: 'NoProviderAvailableError' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_overhead_seconds_count', { provider: 'openai' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_time_per_output_token_seconds_count', { provider: 'openai', model: 'gpt-4o' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_errors_total', { provider: 'openai', model: 'gpt-4o', error_type: 'RateLimitError', status_code: '429' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_tokens_total', { provider: 'openai', model: 'gpt-4o', type: 'reasoning' }), 10);
    assert.equal(sampleValue(samples, 'llm_router_provider_ratelimit_remaining', { provider: 'openai', kind: 'requests' }), 0);
    assert.equal(sampleValue(samples, 'llm_router_budget_remaining_usd', { budget: 'daily' }), 10, 'the least of the workers\' (not their sum)');
    a.close();
    b.close();
  });
});
