import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { Subject, firstValueFrom, toArray } from 'rxjs';
import { ConfigurationError } from '../../lib/errors/llm-router-error.js';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { getMetricsCollector, setMetricsCollector } from '../../lib/metrics/global-collector.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import type { AggregatedMetrics, RecordRequestInput } from '../../lib/metrics/request-metrics.js';
import { parseSamples, sampleValue } from './support/exposition.js';
import { RecordingLogger, T0, attemptEnd, attemptStart, fallback, providerState, retry } from './support/events.js';

/** The seed scenario: three series with failures, partial tokens and out-of-order timestamps. */
const SCENARIO: RecordRequestInput[] = [
  { provider: 'openai', model: 'gpt-4o', latencyMs: 100, success: true, statusCode: 200, promptTokens: 10, completionTokens: 20, totalTokens: 30, requestId: 'r1', attempt: 1, timestamp: T0 + 1000 },
  { provider: 'openai', model: 'gpt-4o', latencyMs: 300, success: false, statusCode: 429, errorType: 'RateLimitError', requestId: 'r1', attempt: 2, timestamp: T0 + 2000 },
  { provider: 'openai', model: 'gpt-4o', latencyMs: 200, success: true, statusCode: 200, promptTokens: 30, completionTokens: 40, stream: true, ttftMs: 50, requestId: 'r2', timestamp: T0 + 3000 },
  { provider: 'openai', model: 'gpt-4o', latencyMs: 400, success: false, statusCode: 503, errorType: 'ProviderError', requestId: 'r3', timestamp: T0 + 4000 },
  { provider: 'openai', model: 'gpt-4o', latencyMs: 500, success: false, errorType: 'RateLimitError', timestamp: T0 + 1500 },
  { provider: 'anthropic', model: 'claude-3-5-sonnet', latencyMs: 1000, success: true, promptTokens: 5, completionTokens: 5, totalTokens: 10, timestamp: new Date(T0 + 5000) },
  { provider: 'anthropic', model: 'claude-3-5-sonnet', latencyMs: 3000, success: true, timestamp: T0 + 6000 },
  { provider: 'mock', model: 'mock-1', latencyMs: 0, success: false, statusCode: 500, timestamp: T0 + 7000 },
];

const OPENAI: AggregatedMetrics = {
  provider: 'openai',
  model: 'gpt-4o',
  totalRequests: 5,
  successfulRequests: 2,
  failedRequests: 3,
  successRate: 0.4,
  // latencies 100, 300, 200, 400, 500 (failed ones included): sorted 100..500, index 2, 3.8, 3.96
  minLatencyMs: 100,
  maxLatencyMs: 500,
  avgLatencyMs: 300,
  p50LatencyMs: 300,
  p95LatencyMs: 480,
  p99LatencyMs: 496,
  // prompt 10 + 30 over 2 records, completion 20 + 40 over 2, total 30 + (30 + 40 derived)
  totalPromptTokens: 40,
  totalCompletionTokens: 60,
  totalTokens: 100,
  avgPromptTokens: 20,
  avgCompletionTokens: 30,
  totalCachedPromptTokens: 0,
  totalCacheWriteTokens: 0,
  totalReasoningTokens: 0,
  totalCostUsd: 0,
  avgCostUsd: null,
  errorCounts: { RateLimitError: 2, ProviderError: 1 },
  firstRequestTime: new Date(T0 + 1000),
  lastRequestTime: new Date(T0 + 4000),
};

const ANTHROPIC: AggregatedMetrics = {
  provider: 'anthropic',
  model: 'claude-3-5-sonnet',
  totalRequests: 2,
  successfulRequests: 2,
  failedRequests: 0,
  successRate: 1,
  // 1000, 3000: index 0.5, 0.95, 0.99 -> 2000, 3000 - 2000 * 0.05, 3000 - 2000 * 0.01
  minLatencyMs: 1000,
  maxLatencyMs: 3000,
  avgLatencyMs: 2000,
  p50LatencyMs: 2000,
  p95LatencyMs: 2900,
  p99LatencyMs: 2980,
  totalPromptTokens: 5,
  totalCompletionTokens: 5,
  totalTokens: 10,
  avgPromptTokens: 5,
  avgCompletionTokens: 5,
  totalCachedPromptTokens: 0,
  totalCacheWriteTokens: 0,
  totalReasoningTokens: 0,
  totalCostUsd: 0,
  avgCostUsd: null,
  errorCounts: {},
  firstRequestTime: new Date(T0 + 5000),
  lastRequestTime: new Date(T0 + 6000),
};

const MOCK: AggregatedMetrics = {
  provider: 'mock',
  model: 'mock-1',
  totalRequests: 1,
  successfulRequests: 0,
  failedRequests: 1,
  successRate: 0,
  minLatencyMs: 0,
  maxLatencyMs: 0,
  avgLatencyMs: 0,
  p50LatencyMs: 0,
  p95LatencyMs: 0,
  p99LatencyMs: 0,
  totalPromptTokens: 0,
  totalCompletionTokens: 0,
  totalTokens: 0,
  avgPromptTokens: null,
  avgCompletionTokens: null,
  totalCachedPromptTokens: 0,
  totalCacheWriteTokens: 0,
  totalReasoningTokens: 0,
  totalCostUsd: 0,
  avgCostUsd: null,
  // failed without an errorType: counted as failed, not in errorCounts
  errorCounts: {},
  firstRequestTime: new Date(T0 + 7000),
  lastRequestTime: new Date(T0 + 7000),
};

function scenario(options: ConstructorParameters<typeof MetricsCollector>[0] = {}): MetricsCollector {
  const collector = new MetricsCollector(options);
  for (const input of SCENARIO) collector.recordRequest(input);
  return collector;
}

describe('seed API over recordRequest', () => {
  test('getAggregatedMetrics: every field of every series, in first-seen order', () => {
    const collector = scenario();
    assert.deepEqual(collector.getAggregatedMetrics(), [OPENAI, ANTHROPIC, MOCK]);
    assert.deepEqual(collector.getAggregatedMetrics({ provider: 'anthropic' }), [ANTHROPIC]);
    assert.deepEqual(collector.getAggregatedMetrics({ model: 'mock-1' }), [MOCK]);
    assert.deepEqual(collector.getAggregatedMetrics({ provider: 'openai', model: 'mock-1' }), []);
    collector.close();
  });

  test('getMetrics: raw records oldest first, every field, nulls for absent values', () => {
    const collector = scenario();
    const records = collector.getMetrics();
    assert.equal(records.length, 8);
    assert.deepEqual(records[0], {
      provider: 'openai', model: 'gpt-4o', timestamp: new Date(T0 + 1000), latencyMs: 100, success: true, statusCode: 200,
      errorType: null, promptTokens: 10, completionTokens: 20, totalTokens: 30, stream: false, requestId: 'r1', attempt: 1, ttftMs: null, cachedPromptTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: null, metadata: null,
    });
    assert.deepEqual(records[2], {
      provider: 'openai', model: 'gpt-4o', timestamp: new Date(T0 + 3000), latencyMs: 200, success: true, statusCode: 200,
      errorType: null, promptTokens: 30, completionTokens: 40, totalTokens: 70, stream: true, requestId: 'r2', attempt: null, ttftMs: 50, cachedPromptTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: null, metadata: null,
    });
    assert.deepEqual(records[7], {
      provider: 'mock', model: 'mock-1', timestamp: new Date(T0 + 7000), latencyMs: 0, success: false, statusCode: 500,
      errorType: null, promptTokens: null, completionTokens: null, totalTokens: null, stream: false, requestId: null, attempt: null, ttftMs: null, cachedPromptTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: null, metadata: null,
    });
    assert.ok(records[0]!.timestamp instanceof Date);
    assert.deepEqual(collector.getMetrics({ provider: 'anthropic' }).map((r) => r.latencyMs), [1000, 3000]);
    assert.deepEqual(collector.getMetrics({ provider: 'openai', model: 'gpt-4o' }).map((r) => r.latencyMs), [100, 300, 200, 400, 500]);
    assert.deepEqual(collector.getMetrics({ model: 'nope' }), []);
    collector.close();
  });

  test('compareProviders: success rate descending, then average latency ascending', () => {
    const collector = scenario();
    collector.recordRequest({ provider: 'groq', model: 'llama', latencyMs: 50, success: true, promptTokens: 1, completionTokens: 2, totalTokens: 3 });
    assert.deepEqual(collector.compareProviders(), [
      { provider: 'groq', model: 'llama', totalRequests: 1, successRate: 1, avgLatencyMs: 50, p95LatencyMs: 50, totalTokens: 3, avgPromptTokens: 1, avgCompletionTokens: 2, totalCostUsd: 0 },
      { provider: 'anthropic', model: 'claude-3-5-sonnet', totalRequests: 2, successRate: 1, avgLatencyMs: 2000, p95LatencyMs: 2900, totalTokens: 10, avgPromptTokens: 5, avgCompletionTokens: 5, totalCostUsd: 0 },
      { provider: 'openai', model: 'gpt-4o', totalRequests: 5, successRate: 0.4, avgLatencyMs: 300, p95LatencyMs: 480, totalTokens: 100, avgPromptTokens: 20, avgCompletionTokens: 30, totalCostUsd: 0 },
      { provider: 'mock', model: 'mock-1', totalRequests: 1, successRate: 0, avgLatencyMs: 0, p95LatencyMs: 0, totalTokens: 0, avgPromptTokens: null, avgCompletionTokens: null, totalCostUsd: 0 },
    ]);
    collector.close();
  });

  test('compareProviders keeps first-seen order on full ties', () => {
    const collector = new MetricsCollector();
    for (const provider of ['b', 'a', 'c']) collector.recordRequest({ provider, model: 'm', latencyMs: 10, success: true });
    assert.deepEqual(collector.compareProviders().map((c) => c.provider), ['b', 'a', 'c']);
    collector.close();
  });

  test('getSummary: totals, providers in first-seen order, aggregated', () => {
    const collector = scenario();
    assert.deepEqual(collector.getSummary(), {
      totalRequests: 8,
      successfulRequests: 4,
      failedRequests: 4,
      successRate: 0.5,
      providers: ['openai', 'anthropic', 'mock'],
      aggregated: [OPENAI, ANTHROPIC, MOCK],
      totalCostUsd: 0,
    });
    const empty = new MetricsCollector();
    assert.deepEqual(empty.getSummary(), { totalRequests: 0, successfulRequests: 0, failedRequests: 0, successRate: 0, providers: [], aggregated: [], totalCostUsd: 0 });
    collector.close();
    empty.close();
  });

  test('reset forgets records, series, retries and fallbacks', async () => {
    const collector = scenario();
    const source = new Subject<RouterEvent>();
    collector.attach({ events$: source });
    source.next(attemptStart('openai', 'gpt-4o', 'x'));
    source.next(retry('openai', 'gpt-4o', 'x'));
    source.next(fallback('openai', 'anthropic', 'x'));
    source.next(providerState('openai', 'open', 'closed'));
    collector.reset();
    assert.deepEqual(collector.getMetrics(), []);
    assert.deepEqual(collector.getAggregatedMetrics(), []);
    assert.deepEqual(collector.compareProviders(), []);
    assert.equal(collector.getSummary().totalRequests, 0);
    const samples = parseSamples(await collector.exportMetricsPrometheus());
    assert.deepEqual(
      samples.map((s) => s.name),
      ['llm_router_requests_in_flight', 'llm_router_provider_state'],
      'only the current in-flight attempts and circuit states survive a reset',
    );
    collector.recordRequest({ provider: 'x', model: 'y', latencyMs: 1, success: true, timestamp: T0 });
    assert.equal(collector.getAggregatedMetrics()[0]!.totalRequests, 1);
    collector.close();
  });

  test('recordRequest rejects invalid input with a TypeError', () => {
    const collector = new MetricsCollector();
    const base = { provider: 'p', model: 'm', latencyMs: 1, success: true };
    assert.throws(() => collector.recordRequest({ ...base, provider: '' }), TypeError);
    assert.throws(() => collector.recordRequest({ ...base, model: 3 as never }), TypeError);
    assert.throws(() => collector.recordRequest({ ...base, latencyMs: -1 }), TypeError);
    assert.throws(() => collector.recordRequest({ ...base, latencyMs: Number.NaN }), TypeError);
    assert.throws(() => collector.recordRequest({ ...base, success: 'yes' as never }), TypeError);
    assert.throws(() => collector.recordRequest({ ...base, promptTokens: -3 }), TypeError);
    assert.throws(() => collector.recordRequest({ ...base, timestamp: 'now' as never }), TypeError);
    assert.deepEqual(collector.getMetrics(), []);
    collector.close();
  });

  test('errorCounts keeps any error type as an own property, __proto__ included', () => {
    const collector = new MetricsCollector();
    for (const errorType of ['__proto__', 'constructor', '__proto__', 'TimeoutError']) {
      collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 1, success: false, errorType });
    }
    const { errorCounts } = collector.getAggregatedMetrics()[0]!;
    assert.equal(Object.getPrototypeOf(errorCounts), Object.prototype);
    assert.deepEqual(Object.entries(errorCounts), [['__proto__', 2], ['constructor', 1], ['TimeoutError', 1]]);
    collector.close();
  });

  test('constructor options are validated', () => {
    assert.throws(() => new MetricsCollector({ maxRecords: -1 }), ConfigurationError);
    assert.throws(() => new MetricsCollector({ maxSeries: 0 }), ConfigurationError);
    assert.throws(() => new MetricsCollector({ sketchRelativeAccuracy: 1 }), ConfigurationError);
    assert.throws(() => new MetricsCollector({ durationBuckets: [1, 0.5] }), ConfigurationError);
    assert.throws(() => new MetricsCollector({ windowBucketMs: 0 }), ConfigurationError);
  });

  test('a name that is not an option is a ConfigurationError naming it, not ignored', () => {
    for (const [options, field, guess] of [
      [{ maxSeriess: 5 }, 'maxSeriess', 'maxSeries'],
      [{ windowMS: 1000 }, 'windowMS', 'maxWindowMs'],
      [{ metadataLabel: ['team'] }, 'metadataLabel', 'metadataLabels'],
    ] as const) {
      assert.throws(
        () => new MetricsCollector(options as never),
        (e: unknown) => e instanceof ConfigurationError && e.field === field && e.message.includes(`did you mean ${guess}?`),
        field,
      );
    }
  });
});

describe('event sources', () => {
  test('one record per attempt.end, with every field mapped', () => {
    const collector = new MetricsCollector();
    const source = new Subject<RouterEvent>();
    collector.attach({ events$: source });
    source.next(attemptStart('openai', 'gpt-4o', 'req-1'));
    source.next(
      attemptEnd({
        provider: 'openai', model: 'gpt-4o', latencyMs: 120, success: true, requestId: 'req-1', timestamp: T0 + 10, attempt: 1,
        statusCode: 200, usage: { promptTokens: 11, completionTokens: 7, totalTokens: 18 }, stream: true, ttftMs: 40,
      }),
    );
    source.next(attemptStart('openai', 'gpt-4o', 'req-1', 2));
    source.next(
      attemptEnd({
        provider: 'openai', model: 'gpt-4o', latencyMs: 80, success: false, requestId: 'req-1', timestamp: T0 + 20, attempt: 2,
        statusCode: 503, errorType: 'ProviderError',
      }),
    );
    assert.deepEqual(collector.getMetrics(), [
      {
        provider: 'openai', model: 'gpt-4o', timestamp: new Date(T0 + 10), latencyMs: 120, success: true, statusCode: 200, errorType: null,
        promptTokens: 11, completionTokens: 7, totalTokens: 18, stream: true, requestId: 'req-1', attempt: 1, ttftMs: 40, cachedPromptTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: null, metadata: null,
      },
      {
        provider: 'openai', model: 'gpt-4o', timestamp: new Date(T0 + 20), latencyMs: 80, success: false, statusCode: 503, errorType: 'ProviderError',
        promptTokens: null, completionTokens: null, totalTokens: null, stream: false, requestId: 'req-1', attempt: 2, ttftMs: null, cachedPromptTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: null, metadata: null,
      },
    ]);
    const [aggregate] = collector.getAggregatedMetrics();
    // 80, 120: index 0.5, 0.95, 0.99 -> 100, 120 - 40 * 0.05 = 118, 120 - 40 * 0.01 = 119.6
    assert.deepEqual(
      [aggregate!.p50LatencyMs, aggregate!.p95LatencyMs, aggregate!.p99LatencyMs, aggregate!.avgPromptTokens, aggregate!.errorCounts],
      [100, 118, 119.6, 11, { ProviderError: 1 }],
    );
    collector.close();
  });

  test('a shared collector fed by two sources: records, in-flight, retries, fallbacks, circuit states', async () => {
    const collector = new MetricsCollector();
    const a = new Subject<RouterEvent>();
    const b = new Subject<RouterEvent>();
    const subA = collector.attach({ events$: a });
    const subB = collector.attach({ events$: b });
    a.next(attemptStart('openai', 'gpt-4o', 'a1'));
    a.next(attemptStart('openai', 'gpt-4o', 'a2'));
    b.next(attemptStart('openai', 'gpt-4o', 'b1'));
    b.next(attemptStart('anthropic', 'claude', 'b2'));
    a.next(attemptEnd({ provider: 'openai', model: 'gpt-4o', latencyMs: 10, success: true, requestId: 'a1' }));
    b.next(attemptEnd({ provider: 'anthropic', model: 'claude', latencyMs: 30, success: false, errorType: 'TimeoutError', requestId: 'b2' }));
    a.next(retry('openai', 'gpt-4o', 'a2'));
    a.next(retry('openai', 'gpt-4o', 'a2'));
    b.next(fallback('anthropic', 'openai', 'b2'));
    a.next(fallback('anthropic', 'openai', 'a9'));
    b.next(providerState('anthropic', 'open', 'closed'));
    a.next(providerState('openai', 'half_open', 'open'));

    assert.deepEqual(collector.getMetrics().map((r) => [r.provider, r.requestId]), [['openai', 'a1'], ['anthropic', 'b2']]);
    let samples = parseSamples(await collector.exportMetricsPrometheus());
    // in flight: openai a2 (from a) + b1 (from b) = 2; anthropic b2 ended = 0
    assert.equal(sampleValue(samples, 'llm_router_requests_in_flight', { provider: 'openai' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_requests_in_flight', { provider: 'anthropic' }), 0);
    assert.equal(sampleValue(samples, 'llm_router_retries_total', { provider: 'openai', model: 'gpt-4o' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_retries_total', { provider: 'anthropic', model: 'claude' }), 0);
    assert.equal(sampleValue(samples, 'llm_router_fallbacks_total', { provider: 'anthropic', to_provider: 'openai' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_provider_state', { provider: 'anthropic' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_provider_state', { provider: 'openai' }), 1);

    subB.unsubscribe();
    b.next(attemptEnd({ provider: 'openai', model: 'gpt-4o', latencyMs: 99, success: true, requestId: 'b1' }));
    assert.equal(collector.getMetrics().length, 2, 'a detached source records nothing');
    samples = parseSamples(await collector.exportMetricsPrometheus());
    assert.equal(sampleValue(samples, 'llm_router_requests_in_flight', { provider: 'openai' }), 1, "b's attempt left with b");

    a.complete();
    assert.equal(subA.closed, true);
    samples = parseSamples(await collector.exportMetricsPrometheus());
    assert.deepEqual(samples.filter((s) => s.name === 'llm_router_requests_in_flight'), [], 'a completed source detaches');
    collector.close();
  });

  test('attach seeds the circuit state and an in-flight count of 0 of the providers a source tells', async () => {
    const logger = new RecordingLogger();
    const collector = new MetricsCollector({ logger });
    const source = new Subject<RouterEvent>();
    const subscription = collector.attach({
      events$: source,
      getProviderStatus: () => [
        { name: 'a', state: 'closed' },
        { name: 'b', state: 'open' },
        { name: 'c', state: 'half_open' },
      ],
    });
    const gauges = async (): Promise<Record<string, [number, number]>> => {
      const samples = parseSamples(await collector.exportMetricsPrometheus());
      const out: Record<string, [number, number]> = {};
      for (const s of samples) {
        if (s.name !== 'llm_router_provider_state' && s.name !== 'llm_router_requests_in_flight') continue;
        const entry = (out[s.labels['provider']!] ??= [Number.NaN, Number.NaN]);
        entry[s.name === 'llm_router_provider_state' ? 0 : 1] = s.value;
      }
      return out;
    };
    assert.deepEqual(await gauges(), { a: [0, 0], b: [2, 0], c: [1, 0] }, 'before any event: [state, in flight]');
    source.next(providerState('a', 'open', 'closed'));
    source.next(attemptStart('b', 'm', 'r1'));
    assert.deepEqual(await gauges(), { a: [2, 0], b: [2, 1], c: [1, 0] });

    const broken = collector.attach({
      events$: source,
      getProviderStatus: () => {
        throw new Error('status unavailable');
      },
    });
    assert.equal(broken.closed, false, 'a source whose status throws is attached all the same');
    assert.equal(logger.errors.length, 1);
    subscription.unsubscribe();
    broken.unsubscribe();
    assert.deepEqual(await gauges(), { a: [2, Number.NaN], b: [2, Number.NaN], c: [1, Number.NaN] }, 'in-flight counts leave with their source, states stay');
    collector.close();
  });

  test('a throwing part of the pipeline never reaches the source', () => {
    const logger = new RecordingLogger();
    const collector = new MetricsCollector({ logger });
    const source = new Subject<RouterEvent>();
    collector.attach({ events$: source });
    source.next({ type: 'attempt.end' } as unknown as RouterEvent);
    source.next(attemptEnd({ provider: 'p', model: 'm', latencyMs: 5, success: true }));
    assert.equal(collector.getMetrics().length, 1);
    assert.equal(logger.errors.length, 1);
    collector.close();
  });

  test('close detaches every source, completes observers and is idempotent', async () => {
    const collector = new MetricsCollector();
    const source = new Subject<RouterEvent>();
    const subscription = collector.attach({ events$: source });
    const emissions = firstValueFrom(collector.observeAggregatedMetrics({ everyMs: 60_000 }).pipe(toArray()));
    collector.close();
    collector.close();
    assert.equal(subscription.closed, true);
    assert.equal(source.observed, false);
    assert.deepEqual(await emissions, [[]], 'one emission at subscription, then complete on close');
    assert.equal(collector.attach({ events$: source }).closed, true);
    assert.equal(await collector.exportMetricsPrometheus(), '');
    assert.deepEqual(await firstValueFrom(collector.observeAggregatedMetrics({ everyMs: 10 }).pipe(toArray())), [[]], 'a closed collector emits once and completes');
  });
});

describe('collectors side by side', () => {
  test('a disabled collector records nothing', async () => {
    const collector = new MetricsCollector({ enabled: false });
    const source = new Subject<RouterEvent>();
    const subscription = collector.attach({ events$: source });
    assert.equal(subscription.closed, true);
    assert.equal(source.observed, false, 'a disabled collector does not even subscribe');
    collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 1, success: true });
    assert.equal(collector.enabled, false);
    assert.deepEqual(collector.getMetrics(), []);
    assert.deepEqual(collector.getAggregatedMetrics(), []);
    assert.deepEqual(collector.compareProviders(), []);
    assert.equal(collector.getSummary().totalRequests, 0);
    assert.equal(await collector.exportMetricsPrometheus(), '');
    assert.deepEqual(await collector.getMetricsResponse('application/openmetrics-text'), { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '' });
    assert.equal(collector.registry.getMetricsAsArray().length, 0);
    collector.close();
  });

  test('two collectors in one process keep to their own registries', async () => {
    const one = new MetricsCollector();
    const two = new MetricsCollector();
    one.recordRequest({ provider: 'p1', model: 'm', latencyMs: 1, success: true });
    two.recordRequest({ provider: 'p2', model: 'm', latencyMs: 2, success: true });
    assert.notEqual(one.registry, two.registry);
    assert.match(await one.exportMetricsPrometheus(), /provider="p1"/);
    assert.doesNotMatch(await one.exportMetricsPrometheus(), /provider="p2"/);
    assert.match(await two.exportMetricsPrometheus(), /provider="p2"/);
    one.close();
    two.close();
  });

  test('a shared registry refuses a second collector until the first is closed', () => {
    const registry = new Registry();
    const first = new MetricsCollector({ registry });
    assert.throws(() => new MetricsCollector({ registry }), /already has a metric named llm_router_requests_total/);
    first.close();
    const second = new MetricsCollector({ registry });
    assert.equal(second.registry, registry);
    second.close();
  });

  test('the process-wide collector is created once and can be replaced', () => {
    const created = getMetricsCollector();
    assert.equal(getMetricsCollector(), created);
    const mine = new MetricsCollector();
    setMetricsCollector(mine);
    assert.equal(getMetricsCollector(), mine);
    setMetricsCollector(undefined);
    const fresh = getMetricsCollector();
    assert.notEqual(fresh, mine);
    assert.notEqual(fresh, created);
    for (const c of [created, mine, fresh]) c.close();
    setMetricsCollector(undefined);
  });
});

describe('bounds', () => {
  test('label cap: past maxSeries new models fold into model="other", said once', async () => {
    const logger = new RecordingLogger();
    const collector = new MetricsCollector({ maxSeries: 2, logger });
    const add = (provider: string, model: string, latencyMs: number): void =>
      collector.recordRequest({ provider, model, latencyMs, success: true, timestamp: T0 });
    add('a', 'm1', 10);
    add('a', 'm2', 20);
    add('a', 'm3', 30);
    add('b', 'm4', 40);
    add('a', 'm5', 50);
    add('a', 'm1', 60);
    assert.deepEqual(
      collector.getAggregatedMetrics().map((a) => [a.provider, a.model, a.totalRequests, a.avgLatencyMs]),
      [['a', 'm1', 2, 35], ['a', 'm2', 1, 20], ['a', 'other', 2, 40], ['b', 'other', 1, 40]],
    );
    assert.deepEqual(collector.getMetrics().map((r) => r.model), ['m1', 'm2', 'm3', 'm4', 'm5', 'm1'], 'raw records keep the real model');
    assert.equal(logger.warnings.length, 1);
    assert.match(String(logger.warnings[0]![0]), /maxSeries.*model="other"/);
    const samples = parseSamples(await collector.exportMetricsPrometheus());
    assert.equal(sampleValue(samples, 'llm_router_requests_total', { provider: 'a', model: 'other' }), 2);
    assert.deepEqual([...new Set(samples.filter((s) => s.labels['model'] !== undefined).map((s) => s.labels['model']))], ['m1', 'm2', 'other']);
    collector.close();
  });

  test('past maxSeries other-series, everything lands in provider="other"', () => {
    const collector = new MetricsCollector({ maxSeries: 1 });
    for (const provider of ['a', 'b', 'c', 'd']) collector.recordRequest({ provider, model: 'x', latencyMs: 1, success: true });
    assert.deepEqual(
      collector.getAggregatedMetrics().map((a) => [a.provider, a.model, a.totalRequests]),
      [['a', 'x', 1], ['b', 'other', 1], ['other', 'other', 2]],
    );
    collector.close();
  });

  test('the raw records stay in a ring of maxRecords; aggregates keep counting', () => {
    const collector = new MetricsCollector({ maxRecords: 1000 });
    for (let i = 0; i < 200_000; i++) collector.recordRequest({ provider: 'p', model: 'm', latencyMs: i % 1000, success: true, timestamp: T0 + i });
    const records = collector.getMetrics();
    assert.equal(records.length, 1000);
    assert.deepEqual([records[0]!.timestamp, records[999]!.timestamp], [new Date(T0 + 199_000), new Date(T0 + 199_999)]);
    const [aggregate] = collector.getAggregatedMetrics();
    assert.equal(aggregate!.totalRequests, 200_000);
    // 200 copies of 0..999: numpy p50 index 99999.5 -> 499.5; p95 index 189999.05 -> 949.05; p99 -> 989.01; sketched within 1%
    assert.deepEqual([aggregate!.minLatencyMs, aggregate!.maxLatencyMs, aggregate!.avgLatencyMs], [0, 999, 499.5]);
    for (const [value, exact] of [[aggregate!.p50LatencyMs!, 499.5], [aggregate!.p95LatencyMs!, 949.05], [aggregate!.p99LatencyMs!, 989.01]] as const) {
      assert.ok(Math.abs(value - exact) <= 0.01 * exact, `${value} vs ${exact}`);
    }
    collector.close();
  });

  test('maxRecords 0 keeps no raw record but still aggregates', () => {
    const collector = new MetricsCollector({ maxRecords: 0 });
    collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 5, success: true });
    assert.deepEqual(collector.getMetrics(), []);
    assert.equal(collector.getAggregatedMetrics()[0]!.totalRequests, 1);
    collector.close();
  });
});

describe('rolling windows', () => {
  const base = 100_000_000;
  function windowed(): { collector: MetricsCollector; setNow(ms: number): void } {
    let now = base + 10_000;
    const collector = new MetricsCollector({ windowBucketMs: 1000, maxWindowMs: 10_000, clock: () => now });
    return { collector, setNow: (ms) => (now = ms) };
  }

  test('a window covers the buckets from the one holding now - windowMs', () => {
    const { collector } = windowed();
    const at = (offset: number, latencyMs: number, success: boolean, tokens?: number): void =>
      collector.recordRequest({
        provider: 'p', model: 'm', latencyMs, success, errorType: success ? null : 'TimeoutError', timestamp: base + offset,
        promptTokens: tokens ?? null, completionTokens: tokens ?? null,
      });
    at(0, 100, true, 10);
    at(3_500, 200, false);
    at(8_200, 300, true, 20);
    at(9_900, 400, true, 30);
    // now = base + 10,000. windowMs 1000 -> from base + 9000: bucket 9 on -> only the last record
    assert.deepEqual(collector.getAggregatedMetrics({ windowMs: 1000 }), [
      {
        provider: 'p', model: 'm', totalRequests: 1, successfulRequests: 1, failedRequests: 0, successRate: 1,
        minLatencyMs: 400, maxLatencyMs: 400, avgLatencyMs: 400, p50LatencyMs: 400, p95LatencyMs: 400, p99LatencyMs: 400,
        totalPromptTokens: 30, totalCompletionTokens: 30, totalTokens: 60, avgPromptTokens: 30, avgCompletionTokens: 30,
        totalCachedPromptTokens: 0, totalCacheWriteTokens: 0, totalReasoningTokens: 0, totalCostUsd: 0, avgCostUsd: null,
        errorCounts: {}, firstRequestTime: new Date(base + 9_900), lastRequestTime: new Date(base + 9_900),
      },
    ]);
    // windowMs 7000 -> from base + 3000: buckets 3, 8, 9 -> 200 (failed), 300, 400
    assert.deepEqual(collector.getAggregatedMetrics({ windowMs: 7000 }), [
      {
        provider: 'p', model: 'm', totalRequests: 3, successfulRequests: 2, failedRequests: 1, successRate: 2 / 3,
        // 200, 300, 400: index 1, 1.9, 1.98 -> 300, 400 - 100 * 0.1 = 390, 400 - 100 * 0.02 = 398
        minLatencyMs: 200, maxLatencyMs: 400, avgLatencyMs: 300, p50LatencyMs: 300, p95LatencyMs: 390, p99LatencyMs: 398,
        totalPromptTokens: 50, totalCompletionTokens: 50, totalTokens: 100, avgPromptTokens: 25, avgCompletionTokens: 25,
        totalCachedPromptTokens: 0, totalCacheWriteTokens: 0, totalReasoningTokens: 0, totalCostUsd: 0, avgCostUsd: null,
        errorCounts: { TimeoutError: 1 }, firstRequestTime: new Date(base + 3_500), lastRequestTime: new Date(base + 9_900),
      },
    ]);
    assert.equal(collector.getAggregatedMetrics({ windowMs: 10_000 })[0]!.totalRequests, 4);
    assert.equal(collector.getAggregatedMetrics({ windowMs: 2_000 })[0]!.totalRequests, 2);
    assert.deepEqual(collector.getAggregatedMetrics({ windowMs: 1000, provider: 'other' }), []);
    assert.throws(() => collector.getAggregatedMetrics({ windowMs: 10_001 }), RangeError);
    assert.throws(() => collector.getAggregatedMetrics({ windowMs: 0 }), RangeError);
    const misspelt: Array<[() => unknown, RegExp]> = [
      [() => collector.getAggregatedMetrics({ provdier: 'p' } as never), /^getAggregatedMetrics: filter\.provdier is not a filter field; did you mean provider\?$/],
      [() => collector.getAggregatedMetrics({ windowMS: 1000 } as never), /filter\.windowMS is not a filter field; did you mean windowMs\?$/],
      [() => collector.getMetrics({ modle: 'm' } as never), /^getMetrics: filter\.modle is not a filter field; did you mean model\?$/],
      [() => collector.getMetrics({ windowMs: 1000 } as never), /^getMetrics: filter\.windowMs is not a filter field/],
      [() => collector.observeAggregatedMetrics({ everyMs: 10, provdier: 'p' } as never), /observeAggregatedMetrics: options\.provdier is not an option; did you mean provider\?$/],
    ];
    for (const [read, message] of misspelt) assert.throws(read, (e: unknown) => e instanceof TypeError && message.test(e.message), String(message));
    assert.equal(collector.getAggregatedMetrics({ provider: 'p', model: undefined }).length, 1);
    collector.close();
  });

  test('time moves on: old buckets leave the window and are recycled; late events outside the ring are dropped', () => {
    const { collector, setNow } = windowed();
    collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 100, success: true, timestamp: base });
    collector.recordRequest({ provider: 'q', model: 'm', latencyMs: 5, success: true, timestamp: base });
    setNow(base + 25_000);
    assert.deepEqual(collector.getAggregatedMetrics({ windowMs: 10_000 }), []);
    // 11 buckets: epoch base/1000 + 11 lands in the slot of the first record and recycles it
    collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 700, success: false, timestamp: base + 11_000 });
    collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 900, success: true, timestamp: base + 24_500 });
    collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 1, success: true, timestamp: base + 500 });
    assert.deepEqual(
      collector.getAggregatedMetrics({ windowMs: 10_000 }).map((a) => [a.provider, a.totalRequests, a.minLatencyMs]),
      [['p', 1, 900]],
    );
    assert.equal(collector.getAggregatedMetrics()[0]!.totalRequests, 4, 'the lifetime aggregate keeps everything');
    collector.close();
  });

  test('window percentiles are exact while every bucket is, then within 1%', () => {
    const now = base + 5_000;
    // 11 buckets, 110 exact samples in all: 10 per bucket
    const collector = new MetricsCollector({ windowBucketMs: 1000, maxWindowMs: 10_000, exactQuantileLimit: 110, clock: () => now });
    for (let i = 1; i <= 10; i++) collector.recordRequest({ provider: 'p', model: 'm', latencyMs: i * 10, success: true, timestamp: base + 4_000 });
    for (let i = 11; i <= 20; i++) collector.recordRequest({ provider: 'p', model: 'm', latencyMs: i * 10, success: true, timestamp: base + 3_000 });
    // 10..200 step 10 (20 values): index 9.5, 18.05, 18.81 -> 105, 190 + 10 * 0.05 = 190.5, 190 + 10 * 0.81 = 198.1
    let [w] = collector.getAggregatedMetrics({ windowMs: 5_000 });
    assert.deepEqual([w!.p50LatencyMs, w!.p95LatencyMs, w!.p99LatencyMs], [105, 190.5, 198.1]);
    collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 210, success: true, timestamp: base + 4_000 });
    [w] = collector.getAggregatedMetrics({ windowMs: 5_000 });
    // 11 samples in one bucket: sketched. 10..210 (21 values): index 10, 19, 19.8 -> 110, 200, 208
    for (const [value, exact] of [[w!.p50LatencyMs!, 110], [w!.p95LatencyMs!, 200], [w!.p99LatencyMs!, 208]] as const) {
      assert.ok(Math.abs(value - exact) <= 0.01 * exact, `${value} vs ${exact}`);
    }
    collector.close();
  });

  test('observeAggregatedMetrics emits the window now and on its unref\'d timer', async () => {
    const { collector } = windowed();
    collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 10, success: true, timestamp: base + 9_500 });
    const first = await firstValueFrom(collector.observeAggregatedMetrics({ everyMs: 10, windowMs: 1_000 }));
    assert.deepEqual(first.map((a) => a.totalRequests), [1]);
    assert.throws(() => collector.observeAggregatedMetrics({ everyMs: 10, windowMs: 20_000 }), RangeError);
    collector.close();
  });
});
