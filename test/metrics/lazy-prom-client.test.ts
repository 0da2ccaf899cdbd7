import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';

const core = fileURLToPath(new URL('../../lib/index.js', import.meta.url));

/**
 * Runs an ES module in a fresh Node process, with `loaded()` telling whether prom-client has been loaded: a
 * CommonJS package, it is in the CommonJS module cache however it was reached (`import` included, which the
 * control test checks). Returns what the script printed, one JSON value per line.
 */
function run(body: string): unknown[] {
  const script = `
    import { createRequire } from 'node:module';
    const cache = createRequire(import.meta.url).cache;
    const loaded = () => Object.keys(cache).some((file) => /[\\\\/]node_modules[\\\\/]prom-client[\\\\/]/.test(file));
    const print = (value) => console.log(JSON.stringify(value));
    ${body}
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown);
}

test('control: an ES import of prom-client is seen by the check', () => {
  assert.deepEqual(run(`print(loaded()); await import('prom-client'); print(loaded());`), [false, true]);
});

test('importing the core, building a router and answering requests do not load prom-client; the first export does', () => {
  const printed = run(`
    const { LlmRouter, getMetricsCollector } = await import(${JSON.stringify(core)});
    print(loaded());
    const router = new LlmRouter({ providers: [{ providerType: 'mock', name: 'm', defaultModel: 'mock-1' }] });
    await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
    print([loaded(), getMetricsCollector().getAggregatedMetrics()[0].totalRequests]);
    const text = await router.exportMetricsPrometheus();
    print([loaded(), /^llm_router_requests_total\\{provider="m",/m.test(text)]);
    await router.close();
  `);
  assert.deepEqual(printed, [false, [false, 1], [true, true]]);
});

test('reading collector.registry makes the registry with the families registered on it', async () => {
  const collector = new MetricsCollector();
  collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 1, success: true });
  assert.ok(collector.registry instanceof Registry);
  assert.ok(collector.registry.getSingleMetric('llm_router_requests_total'));
  assert.equal(collector.registry, collector.registry);
  assert.match(await collector.registry.metrics(), /^llm_router_requests_total\{provider="p",model="m"\} 1$/m);
  collector.close();
  assert.equal(collector.registry.getSingleMetric('llm_router_requests_total'), undefined);
  const disabled = new MetricsCollector({ enabled: false });
  assert.equal(disabled.registry.getMetricsAsArray().length, 0);
  assert.equal(await disabled.exportMetricsPrometheus(), '');
});

test('a registry passed by the user has the families at once, before any export', async () => {
  const registry = new Registry();
  const collector = new MetricsCollector({ registry });
  assert.equal(collector.registry, registry);
  collector.recordRequest({ provider: 'p', model: 'm', latencyMs: 1, success: true });
  assert.match(await registry.metrics(), /^llm_router_requests_total\{provider="p",model="m"\} 1$/m);
  assert.equal(await collector.exportMetricsPrometheus(), await registry.metrics());
  assert.throws(() => new MetricsCollector({ registry }), /already has a metric named llm_router_requests_total/);
  collector.close();
});
