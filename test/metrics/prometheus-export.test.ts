import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { Subject } from 'rxjs';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { negotiateFormat } from '../../lib/metrics/exposition-format.js';
import { GENAI_OPERATION_DURATION_BUCKETS, GENAI_TIME_TO_FIRST_TOKEN_BUCKETS } from '../../lib/metrics/exposition/genai-buckets.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import type { AggregatedMetrics, RecordRequestInput } from '../../lib/metrics/request-metrics.js';
import { seededRandom } from '../../lib/util/seeded-random.js';
import { familyTypes, findPromtool, parseSamples, promtoolCheck, sampleValue, type Sample } from './support/exposition.js';
import { T0, attemptStart, fallback, providerState, retry } from './support/events.js';

const PROMETHEUS = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

const RECORDS: RecordRequestInput[] = [
  { provider: 'openai', model: 'gpt-4o', latencyMs: 100, success: true, statusCode: 200, promptTokens: 10, completionTokens: 20, totalTokens: 30, requestId: 'r1', timestamp: T0 + 1000 },
  { provider: 'openai', model: 'gpt-4o', latencyMs: 300, success: false, statusCode: 429, errorType: 'RateLimitError', requestId: 'r1', attempt: 2, timestamp: T0 + 2000 },
  { provider: 'openai', model: 'gpt-4o', latencyMs: 200, success: true, promptTokens: 30, completionTokens: 40, stream: true, ttftMs: 50, requestId: 'r2', timestamp: T0 + 3000 },
  { provider: 'openai', model: 'gpt-4o', latencyMs: 400, success: false, statusCode: 503, errorType: 'ProviderError', requestId: 'r3', timestamp: T0 + 4000 },
  { provider: 'openai', model: 'gpt-4o', latencyMs: 500, success: false, errorType: 'RateLimitError', timestamp: T0 + 1500 },
  { provider: 'anthropic', model: 'claude "3.5"\\sonnet\nx', latencyMs: 90_000, success: true, promptTokens: 5, completionTokens: 5, totalTokens: 10, timestamp: T0 + 5000 },
  { provider: 'qwen', model: 'qwen-中文-é', latencyMs: 3000, success: true, requestId: 'x'.repeat(200), timestamp: T0 + 6000 },
];

function populated(options: ConstructorParameters<typeof MetricsCollector>[0] = {}): MetricsCollector {
  const collector = new MetricsCollector(options);
  for (const r of RECORDS) collector.recordRequest(r);
  const source = new Subject<RouterEvent>();
  collector.attach({ events$: source });
  source.next(attemptStart('openai', 'gpt-4o', 'live'));
  source.next(retry('openai', 'gpt-4o', 'r1'));
  source.next(fallback('openai', 'anthropic', 'r3'));
  source.next(providerState('openai', 'open', 'closed'));
  return collector;
}

/** Every number the text holds about a series, against its `AggregatedMetrics`. */
function assertAgrees(samples: Sample[], a: AggregatedMetrics): void {
  const series = { provider: a.provider, model: a.model };
  assert.equal(sampleValue(samples, 'llm_router_requests_total', series), a.totalRequests);
  assert.equal(sampleValue(samples, 'llm_router_requests_success', series), a.successfulRequests);
  assert.equal(sampleValue(samples, 'llm_router_requests_failed', series), a.failedRequests);
  assert.equal(sampleValue(samples, 'llm_router_success_rate', series), a.successRate);
  assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...series, quantile: '0.5' }), a.p50LatencyMs);
  assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...series, quantile: '0.95' }), a.p95LatencyMs);
  assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...series, quantile: '0.99' }), a.p99LatencyMs);
  assert.equal(sampleValue(samples, 'llm_router_latency_ms_count', series), a.totalRequests);
  assert.equal(sampleValue(samples, 'llm_router_latency_ms_sum', series) / a.totalRequests, a.avgLatencyMs);
  assert.equal(sampleValue(samples, 'llm_router_tokens_total', { ...series, type: 'prompt' }), a.totalPromptTokens);
  assert.equal(sampleValue(samples, 'llm_router_tokens_total', { ...series, type: 'completion' }), a.totalCompletionTokens);
  assert.equal(sampleValue(samples, 'llm_router_tokens_total', { ...series, type: 'total' }), a.totalTokens);
  assert.equal(sampleValue(samples, 'llm_router_request_duration_seconds_count', series), a.totalRequests);
  assert.equal(sampleValue(samples, 'llm_router_request_duration_seconds_bucket', { ...series, le: '+Inf' }), a.totalRequests);
  const errors = samples.filter((s) => s.name === 'llm_router_errors_total' && s.labels['provider'] === a.provider && s.labels['model'] === a.model);
  const byType: Record<string, number> = {};
  for (const e of errors) byType[e.labels['error_type']!] = (byType[e.labels['error_type']!] ?? 0) + e.value;
  assert.deepEqual(byType, a.errorCounts);
  const tokens = (type: string): number | undefined =>
    samples.find((s) => s.name === 'llm_router_tokens_total' && s.labels['provider'] === a.provider && s.labels['model'] === a.model && s.labels['type'] === type)?.value;
  assert.equal(tokens('cached_prompt') ?? 0, a.totalCachedPromptTokens);
  assert.equal(tokens('cache_write') ?? 0, a.totalCacheWriteTokens);
  assert.equal(tokens('reasoning') ?? 0, a.totalReasoningTokens);
  const costs = samples.filter((s) => s.name === 'llm_router_cost_usd_total' && s.labels['provider'] === a.provider && s.labels['model'] === a.model);
  assert.ok(Math.abs(costs.reduce((sum, s) => sum + s.value, 0) - a.totalCostUsd) <= 1e-12 * Math.max(1, a.totalCostUsd), `cost of ${a.model}`);
  assert.equal(costs.length > 0, a.avgCostUsd !== null, 'a cost line exactly when some cost is known');
}

function assertPromtoolAccepts(text: string): void {
  const promtool = findPromtool();
  assert.ok(promtool, 'promtool is not on PATH (Debian: apt-get install prometheus)');
  const { status, findings } = promtoolCheck(promtool, text);
  assert.ok(status === 0 || status === 3, `promtool check metrics failed (exit ${status}): ${findings.join('\n')}`);
  const legacy = /^(llm_router_requests_success|llm_router_requests_failed) counter metrics should have "_total" suffix$|^llm_router_latency_ms metric names should not contain abbreviated units$/;
  for (const finding of findings) assert.match(finding, legacy, 'only lint findings about the seed\'s own names are accepted');
}

const promtoolSkip = findPromtool() === undefined && !process.env['CI'] ? 'promtool not on PATH (apt-get install prometheus); with CI set this fails instead' : false;

describe('Prometheus text format', () => {
  test('is byte for byte what prom-client writes for the registry', async () => {
    const collector = populated();
    const text = await collector.exportMetricsPrometheus();
    assert.equal(text, await collector.registry.metrics());
    assert.deepEqual(await collector.getMetricsResponse(), { contentType: PROMETHEUS, body: text });
    collector.close();
  });

  test('declares exactly the families of the contract', async () => {
    const collector = populated();
    assert.deepEqual(
      [...familyTypes(await collector.exportMetricsPrometheus())],
      [
        ['llm_router_requests_total', 'counter'],
        ['llm_router_requests_success', 'counter'],
        ['llm_router_requests_failed', 'counter'],
        ['llm_router_success_rate', 'gauge'],
        ['llm_router_latency_ms', 'summary'],
        ['llm_router_tokens_total', 'counter'],
        ['llm_router_request_duration_seconds', 'histogram'],
        ['llm_router_time_to_first_token_seconds', 'histogram'],
        ['llm_router_time_per_output_token_seconds', 'histogram'],
        ['llm_router_errors_total', 'counter'],
        ['llm_router_retries_total', 'counter'],
        ['llm_router_cost_usd_total', 'counter'],
        ['llm_router_routed_requests_total', 'counter'],
        ['llm_router_routed_request_duration_seconds', 'histogram'],
        ['llm_router_overhead_seconds', 'histogram'],
        ['llm_router_fallbacks_total', 'counter'],
        ['llm_router_requests_in_flight', 'gauge'],
        ['llm_router_provider_state', 'gauge'],
        ['llm_router_provider_ratelimit_remaining', 'gauge'],
        ['llm_router_budget_remaining_usd', 'gauge'],
      ],
    );
    collector.close();
  });

  test('agrees number for number with getAggregatedMetrics()', async () => {
    const collector = populated();
    const samples = parseSamples(await collector.exportMetricsPrometheus());
    const aggregated = collector.getAggregatedMetrics();
    assert.equal(aggregated.length, 3);
    for (const a of aggregated) assertAgrees(samples, a);
    assert.equal(sampleValue(samples, 'llm_router_requests_total', { provider: 'qwen', model: 'qwen-中文-é' }), 1);
    collector.close();
  });

  test('histograms use the OpenTelemetry GenAI buckets, in seconds, with hand-computed counts', async () => {
    const collector = populated();
    const samples = parseSamples(await collector.exportMetricsPrometheus());
    const series = { provider: 'openai', model: 'gpt-4o' };
    const buckets = (name: string, labels = series): [string, number][] =>
      samples.filter((s) => s.name === `${name}_bucket` && s.labels['model'] === labels.model).map((s) => [s.labels['le']!, s.value]);
    // 0.1, 0.3, 0.2, 0.4, 0.5 s
    assert.deepEqual(buckets('llm_router_request_duration_seconds'), [
      ['0.01', 0], ['0.02', 0], ['0.04', 0], ['0.08', 0], ['0.16', 1], ['0.32', 3], ['0.64', 5], ['1.28', 5], ['2.56', 5],
      ['5.12', 5], ['10.24', 5], ['20.48', 5], ['40.96', 5], ['81.92', 5], ['+Inf', 5],
    ]);
    assert.deepEqual(
      buckets('llm_router_request_duration_seconds').map(([le]) => le),
      [...GENAI_OPERATION_DURATION_BUCKETS.map(String), '+Inf'],
    );
    assert.equal(sampleValue(samples, 'llm_router_request_duration_seconds_sum', series), 1.5);
    // 90 s lands in +Inf only
    assert.deepEqual(buckets('llm_router_request_duration_seconds', { provider: 'anthropic', model: 'claude "3.5"\\sonnet\nx' }).slice(-2), [['81.92', 0], ['+Inf', 1]]);
    // one stream, ttft 0.05 s: (0.04, 0.06]
    assert.deepEqual(
      buckets('llm_router_time_to_first_token_seconds'),
      [...GENAI_TIME_TO_FIRST_TOKEN_BUCKETS.map(String), '+Inf'].map((le, i) => [le, i >= 5 ? 1 : 0]),
    );
    assert.equal(sampleValue(samples, 'llm_router_time_to_first_token_seconds_sum', series), 0.05);
    assert.equal(sampleValue(samples, 'llm_router_time_to_first_token_seconds_count', series), 1);
    assert.equal(samples.filter((s) => s.name.startsWith('llm_router_time_to_first_token') && s.labels['provider'] === 'anthropic').length, 0);
    collector.close();
  });

  test('in-flight, provider state, retries, fallbacks', async () => {
    const collector = populated();
    const samples = parseSamples(await collector.exportMetricsPrometheus());
    assert.equal(sampleValue(samples, 'llm_router_requests_in_flight', { provider: 'openai' }), 1);
    assert.equal(sampleValue(samples, 'llm_router_provider_state', { provider: 'openai' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_retries_total', { provider: 'openai', model: 'gpt-4o' }), 1);
    assert.equal(sampleValue(samples, 'llm_router_fallbacks_total', { provider: 'openai', to_provider: 'anthropic' }), 1);
    collector.close();
  });

  test('promtool check metrics finds no error (lint only on the seed\'s names)', { skip: promtoolSkip }, async () => {
    const collector = populated();
    assertPromtoolAccepts(await collector.exportMetricsPrometheus());
    collector.close();
  });

  function manySeries(): MetricsCollector {
    const collector = new MetricsCollector({ exactQuantileLimit: 500 });
    for (let i = 0; i < 30_000; i++) {
      const s = i % 12;
      collector.recordRequest({
        provider: `p${s % 3}`,
        model: `m-${s}`,
        latencyMs: ((i * 7919) % 9000) + (s === 0 ? 0.25 : 1),
        success: i % 7 !== 0,
        errorType: i % 7 === 0 ? (i % 2 === 0 ? 'TimeoutError' : 'ProviderError') : null,
        promptTokens: i % 5 === 0 ? null : 3,
        completionTokens: 2,
        stream: i % 3 === 0,
        ttftMs: i % 3 === 0 ? i % 500 : null,
        requestId: `req-${i}`,
      });
    }
    return collector;
  }

  test('many series, sketched ones included, still agree', async () => {
    const collector = manySeries();
    const text = await collector.exportMetricsPrometheus();
    assert.equal(text, await collector.registry.metrics());
    const samples = parseSamples(text);
    const aggregated = collector.getAggregatedMetrics();
    assert.equal(aggregated.length, 12);
    for (const a of aggregated) assertAgrees(samples, a);
    collector.close();
  });

  test('many series pass promtool too', { skip: promtoolSkip }, async () => {
    const collector = manySeries();
    assertPromtoolAccepts(await collector.exportMetricsPrometheus());
    collector.close();
  });

  test('metrics of others on a shared registry are kept, and default labels go through prom-client', async () => {
    const registry = new Registry();
    const mine = new Counter({ name: 'app_jobs_total', help: 'Jobs', registers: [registry] });
    mine.inc(3);
    const collector = populated({ registry });
    let text = await collector.exportMetricsPrometheus();
    assert.equal(text, await registry.metrics());
    assert.match(text, /^app_jobs_total 3$/m);
    registry.setDefaultLabels({ instance: 'a"1' });
    text = await collector.exportMetricsPrometheus();
    assert.equal(text, await registry.metrics());
    assert.match(text, /^llm_router_requests_total\{provider="openai",model="gpt-4o",instance="a\\"1"\} 5$/m);
    const om = (await collector.getMetricsResponse('application/openmetrics-text')).body;
    assert.match(om, /^llm_router_requests_total\{provider="openai",model="gpt-4o",instance="a\\"1"\} 5$/m);
    assert.match(om, /^app_jobs_total\{instance="a\\"1"\} 3$/m);
    collector.close();
    assert.equal(registry.getSingleMetric('llm_router_requests_total'), undefined, 'close() unregisters');
    assert.ok(registry.getSingleMetric('app_jobs_total'));
  });
});

describe('successive exports', () => {
  /** One change to a collector: records, retries, circuit and fallback events, new series, now and then a reset. */
  type Step = (collector: MetricsCollector, source: Subject<RouterEvent>) => void;

  function randomSteps(count: number): Step[] {
    const random = seededRandom(2024);
    const models = ['gpt-4o', 'gpt-4o-mini', 'qwen-中文-é', 'claude "3.5"\\sonnet', 'o1'];
    const steps: Step[] = [];
    for (let i = 0; i < count; i++) {
      const batch: RecordRequestInput[] = [];
      const touched = 1 + Math.floor(random() * (random() < 0.2 ? 40 : 3));
      for (let k = 0; k < touched; k++) {
        const success = random() < 0.8;
        const stream = random() < 0.3;
        batch.push({
          provider: `p${Math.floor(random() * 6)}`,
          model: models[Math.floor(random() * (i < 10 ? 2 : models.length))]!,
          latencyMs: Math.round(random() * 120_000) / 7,
          success,
          errorType: success ? null : ['RateLimitError', 'TimeoutError', 'ProviderError', 'Error\n"x"'][Math.floor(random() * 4)]!,
          promptTokens: random() < 0.9 ? Math.floor(random() * 900) : null,
          completionTokens: success ? Math.floor(random() * 900) : null,
          stream,
          ttftMs: stream ? Math.round(random() * 9000) / 3 : null,
          requestId: random() < 0.9 ? `req-${i}-${k}` : null,
          timestamp: T0 + i * 1000 + k,
        });
      }
      const retries = random() < 0.3;
      const reset = i === Math.floor(count * 0.6);
      steps.push((collector, source) => {
        for (const r of batch) collector.recordRequest(r);
        if (retries) source.next(retry('p1', 'gpt-4o', `r${i}`));
        if (i % 7 === 3) source.next(fallback('p2', 'p3', `f${i}`));
        if (i % 11 === 5) source.next(providerState('p4', i % 2 === 0 ? 'open' : 'half_open', 'closed'));
        if (reset) collector.reset();
      });
    }
    return steps;
  }

  function replay(steps: readonly Step[]): MetricsCollector {
    const collector = new MetricsCollector();
    const source = new Subject<RouterEvent>();
    collector.attach({ events$: source });
    for (const step of steps) step(collector, source);
    return collector;
  }

  test('reuse the unchanged series of the previous output and still match prom-client and a fresh collector, byte for byte', async () => {
    const steps = randomSteps(60);
    const collector = new MetricsCollector();
    const source = new Subject<RouterEvent>();
    collector.attach({ events$: source });
    for (let i = 0; i < steps.length; i++) {
      steps[i]!(collector, source);
      const text = await collector.exportMetricsPrometheus();
      assert.equal(text, await collector.registry.metrics(), `Prometheus text after step ${i}`);
      if (i % 2 === 0) assert.equal(await collector.exportMetricsPrometheus(), text, `unchanged after step ${i}`);
      if (i % 3 === 0) {
        const om = (await collector.getMetricsResponse('application/openmetrics-text')).body;
        const fresh = replay(steps.slice(0, i + 1));
        assert.equal(om, (await fresh.getMetricsResponse('application/openmetrics-text')).body, `OpenMetrics after step ${i}`);
        assert.equal(text, await fresh.exportMetricsPrometheus(), `a fresh collector writes the same text after step ${i}`);
        fresh.close();
      }
    }
    collector.close();
  });

  test('a series that had only retries gains its counter lines with its first attempt', async () => {
    const collector = new MetricsCollector();
    const source = new Subject<RouterEvent>();
    collector.attach({ events$: source });
    source.next(retry('p', 'm', 'r1'));
    const before = await collector.exportMetricsPrometheus();
    assert.doesNotMatch(before, /^llm_router_requests_success\{provider="p"/m);
    collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 5, success: false, errorType: 'TimeoutError' });
    const after = await collector.exportMetricsPrometheus();
    assert.equal(after, await collector.registry.metrics());
    assert.match(after, /^llm_router_requests_success\{provider="p",model="m"\} 0$/m);
    assert.match(after, /^llm_router_requests_failed\{provider="p",model="m"\} 1$/m);
    collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 5, success: true });
    assert.equal(await collector.exportMetricsPrometheus(), await collector.registry.metrics());
    collector.close();
  });

  test('a non-ASCII series copied from the previous output is still decoded as UTF-8', async () => {
    const collector = new MetricsCollector();
    collector.recordRequest({ provider: 'qwen', model: '通义-é', latencyMs: 10, success: true });
    collector.recordRequest({ provider: 'ascii', model: 'm', latencyMs: 10, success: true });
    const first = await collector.exportMetricsPrometheus();
    collector.recordRequest({ provider: 'ascii', model: 'm', latencyMs: 20, success: true });
    const second = await collector.exportMetricsPrometheus();
    assert.equal(second, await collector.registry.metrics());
    assert.match(second, /^llm_router_requests_total\{provider="qwen",model="通义-é"\} 1$/m);
    assert.notEqual(second, first);
    collector.close();
  });
});

describe('OpenMetrics', () => {
  test('content negotiation', () => {
    assert.equal(negotiateFormat(undefined), 'prometheus');
    assert.equal(negotiateFormat(''), 'prometheus');
    assert.equal(negotiateFormat('text/plain'), 'prometheus');
    assert.equal(negotiateFormat('*/*'), 'prometheus');
    assert.equal(negotiateFormat('application/json'), 'prometheus');
    assert.equal(negotiateFormat('application/openmetrics-text'), 'openmetrics');
    assert.equal(negotiateFormat('application/openmetrics-text; version=1.0.0; charset=utf-8'), 'openmetrics');
    // Prometheus' own scrape header
    assert.equal(
      negotiateFormat('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'),
      'openmetrics',
    );
    assert.equal(negotiateFormat('application/openmetrics-text;q=0.2,text/plain;q=0.9'), 'prometheus');
    assert.equal(negotiateFormat('application/openmetrics-text;q=0'), 'prometheus');
  });

  test('answers OpenMetrics 1.0.0 with the same samples, exemplars carrying request ids, and # EOF', async () => {
    const collector = populated();
    const response = await collector.getMetricsResponse('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5');
    assert.equal(response.contentType, OPENMETRICS);
    const body = response.body;
    assert.ok(body.endsWith('\n# EOF\n'));
    assert.equal(body.split('\n').filter((l) => l === '').length, 1, 'no blank line but the final newline');
    const types = familyTypes(body);
    assert.equal(types.get('llm_router_requests'), 'counter');
    assert.equal(types.get('llm_router_requests_success'), 'unknown');
    assert.equal(types.get('llm_router_requests_failed'), 'unknown');
    assert.equal(types.get('llm_router_tokens'), 'counter');
    assert.equal(types.get('llm_router_latency_ms'), 'summary');
    assert.equal(types.get('llm_router_request_duration_seconds'), 'histogram');

    const text = await collector.exportMetricsPrometheus();
    const om = parseSamples(body);
    const plain = parseSamples(text);
    assert.deepEqual(
      om.map(({ name, labels, value }) => ({ name, labels, value })),
      plain,
      'every sample has the same name, labels and value in both formats',
    );
    assert.doesNotMatch(text, / # \{/, 'no exemplar in the Prometheus text format');

    const exemplar = (name: string, le: string): string | undefined =>
      om.find((s) => s.name === name && s.labels['provider'] === 'openai' && s.labels['le'] === le)?.exemplar;
    // (0.08, 0.16]: r1 at 0.1 s; (0.16, 0.32]: 0.3 (r1) then 0.2 (r2), the latest wins; (0.32, 0.64]: r3 at 0.4 (0.5 had no id)
    assert.equal(exemplar('llm_router_request_duration_seconds_bucket', '0.16'), '{request_id="r1"} 0.1 1700000001');
    assert.equal(exemplar('llm_router_request_duration_seconds_bucket', '0.32'), '{request_id="r2"} 0.2 1700000003');
    assert.equal(exemplar('llm_router_request_duration_seconds_bucket', '0.64'), '{request_id="r3"} 0.4 1700000004');
    assert.equal(exemplar('llm_router_request_duration_seconds_bucket', '1.28'), undefined);
    assert.equal(exemplar('llm_router_time_to_first_token_seconds_bucket', '0.06'), '{request_id="r2"} 0.05 1700000003');
    assert.equal(exemplar('llm_router_time_per_output_token_seconds_bucket', '0.01'), `{request_id="r2"} ${150 / 39 / 1000} 1700000003`);
    assert.equal(om.filter((s) => s.exemplar !== undefined).length, 5, 'a request id too long for an exemplar (128 characters with its name) is left out');
    collector.close();
  });

  test('exemplars can be turned off', async () => {
    const collector = populated({ exemplars: false });
    const { body } = await collector.getMetricsResponse('application/openmetrics-text');
    assert.doesNotMatch(body, / # \{/);
    collector.close();
  });
});

describe('histograms across exports', () => {
  test('a histogram observed into lower and higher buckets between exports still matches prom-client and a fresh collector, in both formats', async () => {
    const latencies = [5_000, 30, 700, 700, 15, 90_000, 120, 2_500, 9, 40_000];
    const collector = new MetricsCollector();
    const done: RecordRequestInput[] = [];
    for (let i = 0; i < latencies.length; i++) {
      const record: RecordRequestInput = {
        provider: 'p', model: 'm', latencyMs: latencies[i]!, success: true, stream: true, ttftMs: latencies[i]! / 10,
        completionTokens: 3 + i, promptTokens: 1, requestId: `r${i}`, timestamp: T0 + i,
      };
      collector.recordRequest(record);
      collector.recordRequest({ ...record, model: 'idle', latencyMs: 1, requestId: null });
      done.push(record, { ...record, model: 'idle', latencyMs: 1, requestId: null });
      const text = await collector.exportMetricsPrometheus();
      assert.equal(text, await collector.registry.metrics(), `after ${i + 1} records`);
      const om = (await collector.getMetricsResponse('application/openmetrics-text')).body;
      const fresh = new MetricsCollector();
      for (const r of done) fresh.recordRequest(r);
      assert.equal(text, await fresh.exportMetricsPrometheus());
      assert.equal(om, (await fresh.getMetricsResponse('application/openmetrics-text')).body);
      fresh.close();
    }
    collector.close();
  });

  test('bucket counts that gain a digit (9 to 10, 99 to 100) between exports, in buckets below and above, match prom-client', async () => {
    for (const exemplars of [true, false]) {
      const collector = new MetricsCollector({ exemplars });
      const done: RecordRequestInput[] = [];
      const record = (latencyMs: number, i: number): void => {
        done.push({ provider: 'p', model: 'm', latencyMs, success: true, requestId: `r${i}`, timestamp: T0 + i });
        collector.recordRequest(done[done.length - 1]!);
      };
      let i = 0;
      for (const [latencyMs, times] of [[15, 9], [700, 8], [15, 1], [5_000, 89], [15, 1], [700, 2], [90_000, 99], [3, 1], [90_000, 1]] as const) {
        for (let k = 0; k < times; k++) record(latencyMs, i++);
        const text = await collector.exportMetricsPrometheus();
        assert.equal(text, await collector.registry.metrics(), `Prometheus text after ${i} records (exemplars ${exemplars})`);
        const om = (await collector.getMetricsResponse('application/openmetrics-text')).body;
        const fresh = new MetricsCollector({ exemplars });
        for (const r of done) fresh.recordRequest(r);
        assert.equal(om, (await fresh.getMetricsResponse('application/openmetrics-text')).body, `OpenMetrics after ${i} records (exemplars ${exemplars})`);
        fresh.close();
        assert.equal(text, await collector.exportMetricsPrometheus(), 'unchanged');
      }
      collector.close();
    }
  });

  test('changed rows patched over their previous lines: values that change length, lines that appear between others, new error pairs', async () => {
    // Each step changes every series in a way that keeps or breaks the previous lines' layout: counts that gain
    // a digit, sums and quantiles whose shortest decimal grows or shrinks, cached/cache-write tokens first seen
    // after reasoning tokens (a line between two existing ones), a new (error type, status) pair, costs.
    const random = seededRandom(77);
    const collector = new MetricsCollector({ metadataLabels: ['team'] });
    const source = new Subject<RouterEvent>();
    collector.attach({ events$: source });
    const done: RecordRequestInput[] = [];
    const models = ['m-a', 'm-b', 'm-é', 'm-c'];
    for (let step = 0; step < 40; step++) {
      for (const model of models) {
        const times = step % 9 === 8 ? 90 : 1 + Math.floor(random() * 3);
        for (let k = 0; k < times; k++) {
          const success = random() < 0.75;
          const record: RecordRequestInput = {
            provider: model === 'm-c' ? 'q' : 'p',
            model,
            latencyMs: step % 5 === 0 ? 100 * (1 + k) : random() * 10 ** (1 + Math.floor(random() * 5)),
            success,
            statusCode: success ? 200 : [429, 500, 503][step % 3]!,
            errorType: success ? null : ['RateLimitError', 'ProviderError', 'TimeoutError'][Math.floor(step / 10) % 3]!,
            promptTokens: Math.floor(random() * 2000),
            completionTokens: success ? Math.floor(random() * 2000) : null,
            reasoningTokens: success && step > 3 ? Math.floor(random() * 50) : null,
            cachedPromptTokens: success && step > 12 && model !== 'm-b' ? 32 : null,
            cacheWriteTokens: success && step > 20 && model === 'm-a' ? 7 : null,
            stream: k % 2 === 0,
            ttftMs: k % 2 === 0 ? random() * 3000 : null,
            costUsd: success ? (step % 4 === 0 ? 0.5 : random() / 997) : null,
            metadata: { team: step % 2 === 0 ? 'search' : 'chat' },
            requestId: `r${step}-${k}`,
            timestamp: T0 + step * 100 + k,
          };
          collector.recordRequest(record);
          done.push(record);
        }
      }
      if (step % 6 === 2) source.next(retry('p', 'm-b', `x${step}`));
      const text = await collector.exportMetricsPrometheus();
      assert.equal(text, await collector.registry.metrics(), `Prometheus text after step ${step}`);
      if (step % 4 === 3) {
        const fresh = new MetricsCollector({ metadataLabels: ['team'] });
        for (const r of done) fresh.recordRequest(r);
        const freshText = await fresh.exportMetricsPrometheus();
        const withoutRetries = (t: string): string => t.split('\n').filter((l) => !l.startsWith('llm_router_retries_total{')).join('\n');
        assert.equal(withoutRetries(text), withoutRetries(freshText), `a fresh collector writes the same text after step ${step}`);
        assert.equal(
          (await collector.getMetricsResponse('application/openmetrics-text')).body.replace(/^llm_router_retries_total\{.*\n/gm, ''),
          (await fresh.getMetricsResponse('application/openmetrics-text')).body.replace(/^llm_router_retries_total\{.*\n/gm, ''),
          `OpenMetrics after step ${step}`,
        );
        fresh.close();
      }
    }
    const last = await collector.exportMetricsPrometheus();
    assert.match(last, /^llm_router_tokens_total\{provider="p",model="m-a",type="cache_write"\} \d+$/m);
    assert.match(last, /^llm_router_errors_total\{provider="p",model="m-b",error_type="TimeoutError",status_code="\d+"\} \d+$/m);
    collector.close();
  });

  test('exemplars kept from the previous output while other buckets change, non-ASCII request ids included, match a fresh collector', async () => {
    const collector = new MetricsCollector();
    const done: RecordRequestInput[] = [];
    const record = (latencyMs: number, requestId: string | null, i: number): void => {
      done.push({ provider: 'p', model: 'm', latencyMs, success: true, stream: true, ttftMs: latencyMs / 3, completionTokens: 9, requestId, timestamp: T0 + i * 1_001 });
      collector.recordRequest(done[done.length - 1]!);
    };
    record(15, 'req-ü-1', 0);
    record(90_000, `req-${'é'.repeat(80)}`, 1);
    let i = 2;
    for (const [latencyMs, id] of [[700, 'a'], [40, null], [3, 'req-中'], [700, 'bb'], [15, 'c'], [5_000, null], [2, 'd'], [90_000, 'z'.repeat(119)]] as const) {
      record(latencyMs, id, i++);
      const om = (await collector.getMetricsResponse('application/openmetrics-text')).body;
      const fresh = new MetricsCollector();
      for (const r of done) fresh.recordRequest(r);
      assert.equal(om, (await fresh.getMetricsResponse('application/openmetrics-text')).body, `OpenMetrics after ${i} records`);
      fresh.close();
      // The 15 ms bucket keeps its first exemplar until the record of 'c' replaces it.
      assert.match(om, id === 'c' || done.some((r) => r.requestId === 'c') ? /le="0\.02"\} \d+ # \{request_id="c"\}/ : /le="0\.02"\} \d+ # \{request_id="req-ü-1"\}/);
    }
    collector.close();
  });

  test('series recreated after reset(), and a new series between two old ones, are written afresh', async () => {
    const collector = new MetricsCollector();
    const source = new Subject<RouterEvent>();
    collector.attach({ events$: source });
    const end = (model: string, latencyMs: number): RouterEvent => ({
      type: 'request.end', requestId: `q-${model}-${latencyMs}`, timestamp: T0, operation: 'chat', success: true, provider: 'p', model,
      requestedModel: model, latencyMs, attempts: 1, errorType: null, usage: null,
    }) as RouterEvent;
    for (const model of ['a', 'b', 'c']) {
      collector.recordRequest({ provider: 'p', model, latencyMs: 100, success: true });
      source.next(end(model, 100));
    }
    await collector.exportMetricsPrometheus();
    collector.reset();
    for (const model of ['c', 'a', 'é-中']) {
      collector.recordRequest({ provider: 'p', model, latencyMs: 2_000, success: true });
      source.next(end(model, 2_000));
      const text = await collector.exportMetricsPrometheus();
      assert.equal(text, await collector.registry.metrics(), `after ${model}`);
      assert.doesNotMatch(text, /model="b"/);
    }
    collector.recordRequest({ provider: 'p', model: 'c', latencyMs: 50, success: true });
    assert.equal(await collector.exportMetricsPrometheus(), await collector.registry.metrics());
    collector.close();
  });
});
