import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Subject } from 'rxjs';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { seededRandom } from '../../lib/util/seeded-random.js';
import { T0 } from './support/events.js';
import { RandomTraffic } from './support/random-traffic.js';

// Successive exports copy and patch the previous output; whatever the traffic between two exports, the
// text must stay what prom-client writes from the same values, and what a collector that saw the same
// traffic writes on its first export. Random traffic over every family: attempts recorded directly and
// routed requests with retries, fallbacks, token details, costs, rate-limit headers and metadata labels,
// circuit changes, resets, series past `maxSeries`, with and without exemplars.

type Step = { kind: 'record'; traffic: ReturnType<RandomTraffic['record']> } | { kind: 'event'; event: RouterEvent } | { kind: 'reset' };

function randomSteps(seed: number, count: number): Step[][] {
  const random = seededRandom(seed);
  const traffic = new RandomTraffic(random);
  const steps: Step[][] = [];
  for (let i = 0; i < count; i++) {
    const batch: Step[] = [];
    const changes = 1 + Math.floor(random() * (random() < 0.2 ? 30 : 4));
    for (let k = 0; k < changes; k++) {
      const r = random();
      const timestamp = T0 + i * 1000 + k;
      if (r < 0.35) batch.push({ kind: 'record', traffic: traffic.record(timestamp) });
      else if (r < 0.85) for (const event of traffic.request(timestamp)) batch.push({ kind: 'event', event });
      else batch.push({ kind: 'event', event: traffic.providerState() });
    }
    if (random() < 0.02) batch.push({ kind: 'reset' });
    steps.push(batch);
  }
  return steps;
}

interface Case {
  readonly seed: number;
  readonly options: ConstructorParameters<typeof MetricsCollector>[0];
}

const CASES: Case[] = [
  { seed: 1, options: { metadataLabels: ['team'] } },
  { seed: 2, options: { metadataLabels: ['team'], maxSeries: 7 } },
  { seed: 3, options: { metadataLabels: ['team'], exemplars: false } },
  { seed: 4, options: {} },
];

function collectorFor(c: Case): { collector: MetricsCollector; apply(steps: readonly Step[]): void } {
  const collector = new MetricsCollector(c.options);
  const source = new Subject<RouterEvent>();
  collector.attach({ events$: source });
  return {
    collector,
    apply(steps) {
      for (const step of steps) {
        if (step.kind === 'record') collector.recordRequest(step.traffic);
        else if (step.kind === 'event') source.next(step.event);
        else collector.reset();
      }
    },
  };
}

/** Families the random traffic must reach for the comparison to mean something. */
const REACHED = new Map<string, RegExp>([
  ['routed', /^llm_router_routed_request_duration_seconds_bucket\{/m],
  ['ttft', /^llm_router_time_to_first_token_seconds_bucket\{/m],
  ['errors', /^llm_router_errors_total\{/m],
  ['rate limits', /^llm_router_provider_ratelimit_remaining\{/m],
  ['provider state', /^llm_router_provider_state\{/m],
  ['cost', /^llm_router_cost_usd_total\{/m],
  ['metadata', /^llm_router_routed_requests_total\{[^}]*team="search"/m],
]);

describe('successive exports under random traffic', () => {
  for (const c of CASES) {
    test(`seed ${c.seed} ${JSON.stringify(c.options)}: every export matches prom-client and a fresh collector, in both formats`, async () => {
      const steps = randomSteps(c.seed, 40);
      const { collector, apply } = collectorFor(c);
      const seen = new Set<string>();
      try {
        for (let i = 0; i < steps.length; i++) {
          apply(steps[i]!);
          const text = await collector.exportMetricsPrometheus();
          assert.equal(text, await collector.registry.metrics(), `Prometheus text vs prom-client after step ${i}`);
          for (const [name, pattern] of REACHED) if (pattern.test(text)) seen.add(name);
          if (i % 3 === 0) assert.equal(await collector.exportMetricsPrometheus(), text, `unchanged after step ${i}`);
          if (i % 2 === 1 || i === steps.length - 1) {
            const openMetrics = (await collector.getMetricsResponse('application/openmetrics-text')).body;
            const fresh = collectorFor(c);
            for (let j = 0; j <= i; j++) fresh.apply(steps[j]!);
            assert.equal(text, await fresh.collector.exportMetricsPrometheus(), `a fresh collector's text after step ${i}`);
            assert.equal(openMetrics, (await fresh.collector.getMetricsResponse('application/openmetrics-text')).body, `a fresh collector's OpenMetrics after step ${i}`);
            fresh.collector.close();
          }
        }
        const expected = [...REACHED.keys()].filter((name) => name !== 'metadata' || c.options?.metadataLabels !== undefined);
        assert.deepEqual([...seen].sort(), expected.sort(), 'the traffic reached these families');
      } finally {
        collector.close();
      }
    });
  }
});
