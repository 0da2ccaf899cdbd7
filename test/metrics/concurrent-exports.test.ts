import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Counter, Gauge, Registry } from 'prom-client';
import { Subject } from 'rxjs';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { seededRandom } from '../../lib/util/seeded-random.js';
import { parseSamples } from './support/exposition.js';
import { RandomTraffic } from './support/random-traffic.js';

// Two scrapes at once (two Prometheus servers, or /metrics and a scrape of the other format) on a
// registry the application shares: its own gauge collects asynchronously, so each export waits in the
// middle, and traffic goes on meanwhile. Every answer must be a whole exposition of its moment, and the
// exports after them must still be what prom-client writes.

const SAMPLE_LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+( # \{.*\} \S+( \S+)?)?$/;

function malformedLines(text: string): string[] {
  return text.split('\n').filter((line) => !(line === '' || line.startsWith('# ') || SAMPLE_LINE.test(line)));
}

test('concurrent exports of both formats, while an async collect() waits and traffic goes on, stay whole', async () => {
  const registry = new Registry();
  new Gauge({
    name: 'app_queue_depth',
    help: 'Jobs waiting',
    registers: [registry],
    async collect() {
      await delay(2);
      this.set(7);
    },
  });
  const collector = new MetricsCollector({ registry });
  new Counter({ name: 'zz_app_jobs_total', help: 'Jobs done', registers: [registry] }).inc(3);
  const source = new Subject<RouterEvent>();
  collector.attach({ events$: source });
  const traffic = new RandomTraffic(seededRandom(9));
  const touch = (n: number): void => {
    for (let k = 0; k < n; k++) {
      if (k % 2 === 1) collector.recordRequest(traffic.record(Date.now()));
      else for (const event of traffic.request(Date.now())) source.next(event);
    }
  };
  try {
    for (let round = 0; round < 25; round++) {
      touch(10);
      const pending = [
        collector.exportMetricsPrometheus(),
        collector.exportMetricsPrometheus(),
        collector.getMetricsResponse('application/openmetrics-text').then((r) => r.body),
        collector.getMetricsResponse('application/openmetrics-text').then((r) => r.body),
      ];
      for (let t = 0; t < 6; t++) {
        await delay(1);
        touch(3);
      }
      const answers = await Promise.all(pending);
      for (const [i, text] of answers.entries()) {
        assert.deepEqual(malformedLines(text), [], `round ${round}, answer ${i}`);
        assert.ok(parseSamples(text).some((s) => s.name === 'llm_router_requests_total'), `round ${round}, answer ${i}`);
        assert.ok(i < 2 ? text.endsWith('zz_app_jobs_total 3\n') : text.endsWith('# EOF\n'), `round ${round}, answer ${i} ends whole`);
      }
      assert.equal(await collector.exportMetricsPrometheus(), await registry.metrics(), `round ${round}: the next export`);
    }
  } finally {
    collector.close();
  }
});
