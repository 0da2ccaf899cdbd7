import { loadavg } from 'node:os';
import { LocalStateStore, RedisStateStore, type RouterStateStore, type StateQuery } from '../lib/shared-state/index.js';
import { startRedisServer } from '../test/support/redis-server.js';

// The added latency of the shared state per request: the one-round-trip read of 10 candidates and 2
// budgets, then a take on the chosen provider; over a real redis-server on loopback.
//   node dist/bench/shared-state-bench.js [requests]

const REQUESTS = Number(process.argv[2] ?? 5000);
const PROVIDERS = Array.from({ length: 10 }, (_, i) => `provider-${i}`);
const BUDGETS = [
  { name: 'daily', windowMs: 86_400_000 },
  { name: 'team', windowMs: 3_600_000 },
];
const LIMITS = { rpm: 1e9, tpm: 1e12 };

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function fmt(ms: number): string {
  return `${(ms * 1000).toFixed(0)} µs`;
}

async function oneRequest(store: RouterStateStore, query: StateQuery, i: number): Promise<void> {
  const now = Date.now();
  await store.read(query, now);
  const r = await store.tryAcquire(PROVIDERS[i % PROVIDERS.length]!, LIMITS, 200, now);
  if (!r.granted) throw new Error('unexpected refusal');
}

async function latency(store: RouterStateStore, query: StateQuery, concurrency: number): Promise<{ p50: number; p99: number; perSecond: number }> {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const t = performance.now();
        await oneRequest(store, query, i);
        samples.push(performance.now() - t);
      }
    }),
  );
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  return { p50: pct(samples, 50), p99: pct(samples, 99), perSecond: (REQUESTS / elapsed) * 1000 };
}

async function outcomeLatency(store: RouterStateStore): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const now = Date.now();
    const r = (await store.tryAcquire('outcome', LIMITS, 200, now)).reservation!;
    const t = performance.now();
    await store.recordOutcome({ reservation: r, tokens: 250, spend: { budgets: BUDGETS, usd: 0.001 } }, now);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: pct(samples, 50), p99: pct(samples, 99) };
}

function localOpsPerSecond(): Record<string, string> {
  const store = new LocalStateStore();
  const query = store.createQuery({ providers: PROVIDERS, budgets: BUDGETS });
  const n = 500_000;
  const rate = (f: (i: number) => void): string => {
    for (let i = 0; i < 10_000; i++) f(i);
    const t = performance.now();
    for (let i = 0; i < n; i++) f(i);
    return `${((n / (performance.now() - t)) * 1000 / 1e6).toFixed(2)} M/s`;
  };
  const t0 = Date.now();
  return {
    'tryAcquire (rpm+tpm)': rate((i) => store.tryAcquire(PROVIDERS[i % 10]!, LIMITS, 200, t0 + i * 200)),
    'read (10 providers, 2 budgets)': rate((i) => store.read(query, t0 + i)),
    'addSpend (2 budgets)': rate((i) => store.addSpend(BUDGETS, 0.001, t0 + i)),
    'setCooldown + cooldownUntil': rate((i) => store.cooldownUntil(PROVIDERS[i % 10]!, store.setCooldown(PROVIDERS[i % 10]!, t0 + i + 1000, t0 + i))),
  };
}

const server = await startRedisServer();
const store = new RedisStateStore({ redis: server.url, keyPrefix: 'bench:' });
try {
  if (!(await store.ready())) throw new Error('redis-server not reachable');
  const query = store.createQuery({ providers: PROVIDERS, budgets: BUDGETS });
  await latency(store, query, 1);
  console.log(`shared state bench: ${REQUESTS} requests, redis-server on loopback, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('Redis path per request (read of 10 candidates + 2 budgets, then one take; auto-pipelining on):');
  for (const c of [1, 16]) {
    const r = await latency(store, query, c);
    console.log(`  concurrency ${String(c).padStart(2)}: p50 ${fmt(r.p50)}, p99 ${fmt(r.p99)}, ${r.perSecond.toFixed(0)} requests/s`);
  }
  const o = await outcomeLatency(store);
  console.log(`  recordOutcome (settle + 2 budgets, one pipeline): p50 ${fmt(o.p50)}, p99 ${fmt(o.p99)}`);
} finally {
  await store.close();
  await server.stop();
}
console.log('Local store, operations per second (one core):');
for (const [name, v] of Object.entries(localOpsPerSecond())) console.log(`  ${name.padEnd(32)} ${v}`);
