import { loadavg } from 'node:os';
import { resolveRouterConfig } from '../lib/config/index.js';
import { createCostCalculator } from '../lib/cost/index.js';
import { HttpClient } from '../lib/http/http-client.js';
import { LlmRouter, type LlmRouterOptions, type ProviderConfig, type RoutingStrategy } from '../lib/index.js';
import { createProvider } from '../lib/providers/create-provider.js';
import { CircuitBreaker } from '../lib/router/circuit-breaker.js';
import { createSlot, type ProviderSlot } from '../lib/router/provider-slot.js';
import { RoutedRun } from '../lib/router/routing/routed-run.js';
import { RoutingRules } from '../lib/router/routing/routing-rules.js';
import { createStrategy } from '../lib/router/strategies/create-strategy.js';
import type { RouteContext } from '../lib/router/strategies/routing-strategy.js';
import { TargetResolver } from '../lib/router/targets.js';
import { LocalStateStore } from '../lib/shared-state/index.js';
import { connectedRedis } from '../test/routing/redis-test-kit.js';
import { startRedisServer } from '../test/support/redis-server.js';

// 1. The routing decision per request with 10 providers, for each strategy: the state refresh, the
//    candidates in strategy order, every candidate's skip check, and the admission of the first
//    (rate-window slot and circuit), in one process without network.
// 2. The added latency of the Redis path per request: the same router on the in-process mock
//    provider, with and without `sharedState` on a redis-server on loopback (p50, p99).
//   node dist/bench/routing-bench.js [decisions] [requests]

const DECISIONS = Number(process.argv[2] ?? 300_000);
const REQUESTS = Number(process.argv[3] ?? 3_000);
const STRATEGIES: RoutingStrategy[] = ['fallback', 'round-robin', 'weighted', 'least-latency', 'least-busy', 'lowest-cost', 'usage-based'];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o3-mini', 'gpt-3.5-turbo', 'gpt-4-turbo', 'gpt-4.1-nano', 'unknown-a', 'unknown-b'];

function providers(limits: boolean): ProviderConfig[] {
  return MODELS.map((model, i) => ({
    providerType: 'openai',
    name: `p${i}`,
    apiKey: 'bench-key',
    baseUrl: `http://127.0.0.1:${9000 + i}/v1`,
    defaultModel: model,
    ...(limits ? { rpm: 1_000_000_000, tpm: 1_000_000_000_000 } : {}),
  }));
}

function decisionNs(strategy: RoutingStrategy): { ns: number; first: string } {
  const limits = strategy === 'usage-based';
  const config = resolveRouterConfig({ providers: providers(limits), strategy, metricsEnabled: false });
  const http = new HttpClient(1);
  const slots: ProviderSlot[] = config.providers.map((c, i) => {
    const slot = createSlot(createProvider(c, http), new CircuitBreaker({}, () => {}), i);
    slot.latencyEwma = 100 + ((i * 37) % 10) * 10;
    slot.latencyMeasuredAt = 0;
    slot.inFlight = (i * 7) % 5;
    return slot;
  });
  const cost = createCostCalculator();
  const rules = new RoutingRules(slots, [], new LocalStateStore(), Date.now);
  const targets = new TargetResolver(slots, createStrategy(strategy, { cost }));
  const ctx: RouteContext = { now: 0, promptTokens: 200, maxTokens: 256 };
  const messages = [{ role: 'user' as const, content: 'hello' }];
  let first = '';
  const once = (i: number): void => {
    const now = 1_700_000_000_000 + i;
    rules.refresh(now);
    ctx.now = now;
    const ordered = targets.order(targets.serving(undefined, 'r'), ctx);
    const run = new RoutedRun('r', 'chat', false, 0, undefined, null, 'm', messages);
    run.candidates = ordered.length;
    run.estimatedTokens = 456;
    rules.plan(run, ordered, now);
    const target = ordered[0]!;
    if (rules.admit(run, target, 0, now) !== null) throw new Error('refused');
    first = target.slot.provider.name;
  };
  for (let i = 0; i < 50_000; i++) once(i);
  const t = process.hrtime.bigint();
  for (let i = 0; i < DECISIONS; i++) once(50_000 + i);
  const ns = Number(process.hrtime.bigint() - t) / DECISIONS;
  void http.close();
  return { ns, first };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function requestLatency(options: Partial<LlmRouterOptions>): Promise<{ p50: number; p99: number }> {
  const router = new LlmRouter({
    providers: Array.from({ length: 10 }, (_, i) => ({ providerType: 'mock' as const, name: `m${i}`, rpm: 1_000_000_000, tpm: 1_000_000_000_000 })),
    budgets: [{ name: 'daily', limitUsd: 1e9, windowMs: 86_400_000 }],
    metricsEnabled: false,
    ...options,
  });
  const ask = () => router.chat.completions.create({ messages: [{ role: 'user', content: 'hello there' }] });
  try {
    for (let i = 0; i < 300; i++) await ask();
    const samples: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t = performance.now();
      await ask();
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return { p50: pct(samples, 50), p99: pct(samples, 99) };
  } finally {
    await router.close();
  }
}

const us = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;

console.log(`routing bench (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
console.log(`Routing decision per request, 10 providers (${DECISIONS} decisions each; target < 2000 ns):`);
for (const s of STRATEGIES) {
  const { ns, first } = decisionNs(s);
  console.log(`  ${s.padEnd(14)} ${ns.toFixed(0).padStart(5)} ns   (first choice ${first})`);
}

const redis = await startRedisServer();
try {
  const local = await requestLatency({});
  const client = await connectedRedis(redis.url);
  const shared = await requestLatency({ sharedState: { redis: client, keyPrefix: 'bench-routing:' } });
  client.disconnect();
  console.log(`Whole request on the in-process mock provider, sequential, ${REQUESTS} requests (rpm/tpm on 10 providers, 1 budget):`);
  console.log(`  local state:          p50 ${us(local.p50)}, p99 ${us(local.p99)}`);
  console.log(`  sharedState (Redis):  p50 ${us(shared.p50)}, p99 ${us(shared.p99)}`);
  console.log(`  added by Redis:       p50 ${us(shared.p50 - local.p50)}, p99 ${us(shared.p99 - local.p99)}`);
} finally {
  await redis.stop();
}
