import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Subject } from 'rxjs';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { aggregateClusterSnapshots, clusterSnapshot } from '../../lib/metrics/exposition/cluster-metrics.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { seededRandom } from '../../lib/util/seeded-random.js';
import { parseSamples, type Sample } from './support/exposition.js';
import { RandomTraffic } from './support/random-traffic.js';

// Requests spread over three workers, their snapshots aggregated as the primary does: every counter,
// histogram, success rate and (exact, under CLUSTER_EXACT_SAMPLES per series) latency quantile must read
// as one collector that saw all the requests. The gauges combine by their own rule (the worst circuit, the
// least headroom) and are left out.

const GAUGES = /^llm_router_(provider_state|provider_ratelimit_remaining|budget_remaining_usd|requests_in_flight)$/;
const SHAPE = { providers: ['p0', 'p1', 'p2'], models: ['m-a', 'm-b', 'é"\\'], teams: ['search', 'chat'] };

function keyed(samples: readonly Sample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (GAUGES.test(s.name)) continue;
    out.set(`${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`, s.value);
  }
  return out;
}

function attached(): { collector: MetricsCollector; source: Subject<RouterEvent> } {
  const collector = new MetricsCollector({ metadataLabels: ['team'] });
  const source = new Subject<RouterEvent>();
  collector.attach({ events$: source });
  return { collector, source };
}

for (const seed of [1, 2, 3]) {
  test(`seed ${seed}: three workers' snapshots aggregate to what one collector of all their requests exports`, async () => {
    const random = seededRandom(seed);
    const traffic = new RandomTraffic(random, SHAPE);
    const one = attached();
    const workers = [attached(), attached(), attached()];
    try {
      const timestamp = Date.now();
      for (let i = 0; i < 150 + seed * 40; i++) {
        const worker = workers[Math.floor(random() * workers.length)]!;
        for (const event of traffic.request(timestamp)) {
          one.source.next(event);
          worker.source.next(event);
        }
      }
      const snapshots = [];
      for (const w of workers) snapshots.push(JSON.parse(JSON.stringify(await clusterSnapshot(w.collector))));
      const cluster = keyed(parseSamples(await aggregateClusterSnapshots(snapshots).metrics()));
      const single = keyed(parseSamples(await one.collector.exportMetricsPrometheus()));
      assert.ok(single.size > 500, `${single.size} samples compared`);
      const differences: string[] = [];
      for (const [key, value] of single) {
        const aggregated = cluster.get(key);
        if (aggregated === undefined) {
          if (value !== 0) differences.push(`${key}: ${value}, missing from the cluster`);
        } else if (!(Math.abs(aggregated - value) <= 1e-9 * Math.max(1, Math.abs(value)))) {
          differences.push(`${key}: ${value}, cluster ${aggregated}`);
        }
      }
      for (const [key, value] of cluster) if (!single.has(key) && value !== 0) differences.push(`${key}: only in the cluster (${value})`);
      assert.deepEqual(differences, []);
    } finally {
      one.collector.close();
      for (const w of workers) w.collector.close();
    }
  });
}
