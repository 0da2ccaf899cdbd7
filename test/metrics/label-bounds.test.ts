import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Subject } from 'rxjs';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { findPromtool, parseSamples, promtoolCheck } from './support/exposition.js';
import { T0, attemptEnd, fallback, retry } from './support/events.js';

const LIMIT = 256;
const HUGE = 100_000;
const promtoolSkip = findPromtool() === undefined && !process.env['CI'] ? 'promtool not on PATH (apt-get install prometheus); with CI set this fails instead' : false;

/** Every label value of every sample line, longest first. */
function labelValues(text: string): string[] {
  return parseSamples(text)
    .flatMap((s) => Object.values(s.labels))
    .sort((a, b) => b.length - a.length);
}

describe('label values are bounded in length', () => {
  test('40 attempts with 100 KB model names make a small export, every label value within the bound', async () => {
    const collector = new MetricsCollector();
    for (let i = 0; i < 40; i++) {
      collector.recordRequest({ provider: 'openai', model: `${String.fromCharCode(97 + (i % 26)).repeat(HUGE)}-${i}`, latencyMs: 10 + i, success: i % 4 !== 0, errorType: i % 4 === 0 ? 'ProviderError' : null });
    }
    const text = await collector.exportMetricsPrometheus();
    assert.ok(text.length < 2_000_000, `${(text.length / 1e6).toFixed(1)} MB for 40 series`);
    assert.ok(labelValues(text)[0]!.length <= LIMIT);
    assert.equal(text, await collector.registry.metrics());
    const models = new Set(parseSamples(text).filter((s) => s.name === 'llm_router_requests_total').map((s) => s.labels['model']));
    assert.equal(models.size, 40);
    const om = (await collector.getMetricsResponse('application/openmetrics-text')).body;
    assert.ok(om.length < 2_000_000);
    collector.close();
  });

  test('200 distinct 100 KB names sharing a long prefix stay distinct, and the export does not throw', async () => {
    const collector = new MetricsCollector();
    const prefix = 'm'.repeat(HUGE);
    for (let i = 0; i < 200; i++) collector.recordRequest({ provider: 'p', model: `${prefix}${i}`, latencyMs: 5, success: true, promptTokens: 1, completionTokens: 1 });
    const text = await collector.exportMetricsPrometheus();
    const totals = parseSamples(text).filter((s) => s.name === 'llm_router_requests_total');
    assert.equal(totals.length, 200);
    assert.equal(new Set(totals.map((s) => s.labels['model'])).size, 200, 'distinct long names keep distinct labels');
    for (const s of totals) {
      assert.ok(s.labels['model']!.length <= LIMIT);
      assert.ok(s.labels['model']!.startsWith('mmmmmmmmmm'), 'the label keeps the start of the name');
    }
    collector.close();
  });

  test('the same long name always lands in the same series; aggregates and filters use the bounded label', () => {
    const collector = new MetricsCollector();
    const name = 'claude-'.repeat(20_000);
    collector.recordRequest({ provider: 'anthropic', model: name, latencyMs: 10, success: true });
    collector.recordRequest({ provider: 'anthropic', model: `${name}`, latencyMs: 30, success: true });
    const [series, ...rest] = collector.getAggregatedMetrics();
    assert.equal(rest.length, 0);
    assert.equal(series!.totalRequests, 2);
    assert.ok(series!.model.length <= LIMIT);
    assert.equal(collector.getAggregatedMetrics({ model: name }).length, 1, 'filtering by the raw name finds its series');
    assert.equal(collector.getMetrics()[0]!.model, name, 'raw records keep the real model');
    collector.close();
  });

  test('names up to the bound are kept as they are', async () => {
    const collector = new MetricsCollector();
    const exact = 'x'.repeat(LIMIT);
    collector.recordRequest({ provider: 'p', model: exact, latencyMs: 1, success: true });
    collector.recordRequest({ provider: 'p', model: `${exact}y`, latencyMs: 1, success: true });
    const models = collector.getAggregatedMetrics().map((a) => a.model);
    assert.equal(models[0], exact);
    assert.notEqual(models[1], `${exact}y`);
    assert.ok(models[1]!.length <= LIMIT);
    collector.close();
  });

  test('a cut never splits a surrogate pair: the export is still what prom-client writes', async () => {
    const collector = new MetricsCollector();
    for (let shift = 0; shift < 4; shift++) {
      collector.recordRequest({ provider: 'p', model: `${'a'.repeat(shift)}${'😀'.repeat(400)}`, latencyMs: 1, success: true });
    }
    const text = await collector.exportMetricsPrometheus();
    assert.equal(text, await collector.registry.metrics());
    assert.doesNotMatch(text, /\uFFFD/);
    for (const value of labelValues(text)) assert.doesNotMatch(value, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, 'no lone surrogate');
    collector.close();
  });

  test('long provider names, error types and fallback targets from events are bounded too', async () => {
    const collector = new MetricsCollector();
    const source = new Subject<RouterEvent>();
    collector.attach({ events$: source });
    const provider = 'p'.repeat(HUGE);
    source.next(attemptEnd({ provider, model: 'm', latencyMs: 10, success: false, statusCode: 500, errorType: `E${'r'.repeat(HUGE)}`, timestamp: T0 }));
    source.next(retry(provider, 'm', 'r1'));
    source.next(fallback(provider, `q${'q'.repeat(HUGE)}`, 'r1'));
    const text = await collector.exportMetricsPrometheus();
    assert.ok(text.length < 200_000, `${text.length} characters`);
    assert.ok(labelValues(text)[0]!.length <= LIMIT);
    assert.equal(text, await collector.registry.metrics());
    collector.close();
  });

  test('promtool accepts an export with bounded long labels', { skip: promtoolSkip }, async () => {
    const collector = new MetricsCollector();
    for (let i = 0; i < 5; i++) collector.recordRequest({ provider: 'p', model: `${'é"\\\n'.repeat(30_000)}${i}`, latencyMs: 1, success: true });
    const { status, findings } = promtoolCheck(findPromtool()!, await collector.exportMetricsPrometheus());
    assert.ok(status === 0 || status === 3, findings.join('\n'));
    collector.close();
  });
});
