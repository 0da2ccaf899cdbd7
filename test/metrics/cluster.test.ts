import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry } from 'prom-client';
import { aggregateClusterSnapshots, clusterSnapshot, getClusterMetricsResponse } from '../../lib/metrics/exposition/cluster-metrics.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { familyTypes, findPromtool, parseSamples, promtoolCheck, sampleValue } from './support/exposition.js';

const workerScript = fileURLToPath(new URL('./fixtures/cluster-worker.js', import.meta.url));
const openai = { provider: 'openai', model: 'gpt-4o' };
const anthropic = { provider: 'anthropic', model: 'claude' };
const promtoolSkip = findPromtool() === undefined && !process.env['CI'] ? 'promtool not on PATH (apt-get install prometheus); with CI set this fails instead' : false;

function ready(worker: { on(event: 'message', listener: (message: unknown) => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    worker.on('message', (message) => {
      if ((message as { type?: string }).type === 'ready') resolve();
    });
  });
}

describe('two cluster workers', () => {
  let workers: Worker[] = [];

  before(async () => {
    cluster.setupPrimary({ exec: workerScript, execArgv: [], silent: false });
    workers = [0, 1].map((i) => cluster.fork({ WORKER_INDEX: String(i) }));
    await Promise.all(workers.map(ready));
  });

  after(async () => {
    await Promise.all(
      workers.map(async (worker) => {
        const exited = once(worker, 'exit');
        worker.kill();
        await exited;
      }),
    );
  });

  test("prom-client's AggregatorRegistry sums counters and histograms and omits what cannot be summed", async () => {
    const text = await new AggregatorRegistry().clusterMetrics();
    const samples = parseSamples(text);
    assert.equal(sampleValue(samples, 'llm_router_requests_total', openai), 100);
    assert.equal(sampleValue(samples, 'llm_router_requests_success', openai), 95);
    assert.equal(sampleValue(samples, 'llm_router_requests_failed', openai), 5);
    assert.equal(sampleValue(samples, 'llm_router_requests_total', anthropic), 3);
    assert.equal(sampleValue(samples, 'llm_router_request_duration_seconds_bucket', { ...openai, le: '0.04' }), 40);
    assert.equal(sampleValue(samples, 'llm_router_request_duration_seconds_count', openai), 100);
    assert.equal(sampleValue(samples, 'llm_router_requests_in_flight', { provider: 'openai' }), 2);
    assert.equal(sampleValue(samples, 'llm_router_provider_state', { provider: 'openai' }), 2, 'the worst state wins');
    const types = familyTypes(text);
    assert.equal(types.has('llm_router_latency_ms'), false, 'summary quantiles cannot be summed: omitted');
    assert.equal(types.has('llm_router_success_rate'), false, 'a ratio cannot be summed: omitted');
  });

  test('getClusterMetricsResponse adds the summary from the merged digests and the recomputed success rate', async () => {
    const { contentType, body } = await getClusterMetricsResponse();
    assert.equal(contentType, 'text/plain; version=0.0.4; charset=utf-8');
    const samples = parseSamples(body);
    assert.equal(sampleValue(samples, 'llm_router_requests_total', openai), 100);
    assert.equal(sampleValue(samples, 'llm_router_success_rate', openai), 0.95);
    assert.equal(sampleValue(samples, 'llm_router_success_rate', anthropic), 1);
    // the union 1..100 ms, exactly as one process would have computed it: numpy 50.5, 95.05, 99.01
    assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...openai, quantile: '0.5' }), 50.5);
    assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...openai, quantile: '0.95' }), 95.05);
    assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...openai, quantile: '0.99' }), 99.01);
    assert.equal(sampleValue(samples, 'llm_router_latency_ms_sum', openai), 5050);
    assert.equal(sampleValue(samples, 'llm_router_latency_ms_count', openai), 100);
    assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...anthropic, quantile: '0.99' }), 1000);
    assert.equal(sampleValue(samples, 'llm_router_errors_total', { ...openai, error_type: 'ProviderError', status_code: '' }), 5);
    assert.equal(sampleValue(samples, 'llm_router_tokens_total', { ...openai, type: 'total' }), 300);
    assert.equal(sampleValue(samples, 'llm_router_time_to_first_token_seconds_sum', anthropic), 0.1 + 0.1 + 0.1);
    assert.deepEqual(
      [...familyTypes(body).keys()].slice(0, 6),
      ['llm_router_requests_total', 'llm_router_requests_success', 'llm_router_requests_failed', 'llm_router_success_rate', 'llm_router_latency_ms', 'llm_router_tokens_total'],
    );
  });

  test('promtool accepts the cluster answer', { skip: promtoolSkip }, async () => {
    const promtool = findPromtool();
    assert.ok(promtool, 'promtool is not on PATH (Debian: apt-get install prometheus)');
    const { status, findings } = promtoolCheck(promtool, (await getClusterMetricsResponse()).body);
    assert.ok(status === 0 || status === 3, findings.join('\n'));
    for (const f of findings) assert.match(f, /^llm_router_(requests_success|requests_failed|latency_ms) /);
  });

  test('the cluster answer negotiates OpenMetrics too', async () => {
    const { contentType, body } = await getClusterMetricsResponse({ accept: 'application/openmetrics-text' });
    assert.equal(contentType, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.ok(body.endsWith('\n# EOF\n'));
    const types = familyTypes(body);
    assert.equal(types.get('llm_router_requests'), 'counter');
    assert.equal(types.get('llm_router_requests_success'), 'unknown');
    assert.equal(sampleValue(parseSamples(body), 'llm_router_requests_total', openai), 100);
  });
});

test('children forked with child_process aggregate the same way', async () => {
  const children = [0, 1].map((i) => fork(workerScript, [], { env: { ...process.env, WORKER_INDEX: String(i) }, execArgv: [] }));
  try {
    await Promise.all(children.map(ready));
    const samples = parseSamples((await getClusterMetricsResponse({ workers: children })).body);
    assert.equal(sampleValue(samples, 'llm_router_requests_total', openai), 100);
    assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...openai, quantile: '0.5' }), 50.5);
    const exited = once(children[1]!, 'exit');
    children[1]!.kill();
    await exited;
    await assert.rejects(getClusterMetricsResponse({ workers: children }), /worker .* (exited|did not answer|cannot be asked)/);
  } finally {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill();
        await exited;
      }),
    );
  }
});

describe('aggregateClusterSnapshots, in process', () => {
  async function snapshotOf(latencies: number[], provider = 'openai'): Promise<Awaited<ReturnType<typeof clusterSnapshot>>> {
    const collector = new MetricsCollector();
    for (const latencyMs of latencies) collector.recordRequest({ provider, model: 'gpt-4o', latencyMs, success: latencyMs % 2 === 0 });
    const snapshot = await clusterSnapshot(collector);
    collector.close();
    return JSON.parse(JSON.stringify(snapshot));
  }

  test('small workers merge exactly; success rate from the summed counters', async () => {
    const registry = aggregateClusterSnapshots([
      await snapshotOf([10, 20, 30]),
      await snapshotOf([40, 50]),
      await snapshotOf([7], 'anthropic'),
    ]);
    const samples = parseSamples(await registry.metrics());
    // 10..50: index 2, 3.8, 3.96 -> 30, 48, 49.6; successes: the even latencies, all five
    assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...openai, quantile: '0.5' }), 30);
    assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...openai, quantile: '0.95' }), 48);
    assert.equal(sampleValue(samples, 'llm_router_latency_ms', { ...openai, quantile: '0.99' }), 49.6);
    assert.equal(sampleValue(samples, 'llm_router_latency_ms_sum', openai), 150);
    assert.equal(sampleValue(samples, 'llm_router_success_rate', openai), 1);
    assert.equal(sampleValue(samples, 'llm_router_success_rate', { provider: 'anthropic', model: 'gpt-4o' }), 0);
    assert.equal(sampleValue(samples, 'llm_router_requests_total', { provider: 'anthropic', model: 'gpt-4o' }), 1);
  });

  test('large workers send sketches: the merged quantiles stay within 1%', async () => {
    const a = Array.from({ length: 3_000 }, (_, i) => i + 1);
    const b = Array.from({ length: 3_000 }, (_, i) => i + 3_001);
    const registry = aggregateClusterSnapshots([await snapshotOf(a), await snapshotOf(b)]);
    const samples = parseSamples(await registry.metrics());
    // 1..6000: index 2999.5, 5699.05, 5939.01 -> 3000.5, 5700.05, 5940.01
    for (const [q, exact] of [['0.5', 3000.5], ['0.95', 5700.05], ['0.99', 5940.01]] as const) {
      const value = sampleValue(samples, 'llm_router_latency_ms', { ...openai, quantile: q });
      assert.ok(Math.abs(value - exact) <= 0.01 * exact, `p${q}: ${value} vs ${exact}`);
    }
    assert.equal(sampleValue(samples, 'llm_router_latency_ms_count', openai), 6_000);
  });
});
