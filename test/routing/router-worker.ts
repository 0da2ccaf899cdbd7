/**
 * A child process of the multi-process routing test: an `LlmRouter` sharing its state over Redis.
 * argv[2] is JSON `{ redis, prefix, server }`. Prints `ready`, then answers each JSON line on stdin
 * with one JSON line:
 * - `{ cmd: 'burst', n, model }`: `n` concurrent requests → `{ ok, errors: { [name]: count } }`
 * - `{ cmd: 'ask', model }` → `{ provider | error, budget?, route }`
 * - `{ cmd: 'status' }` → `{ warns, budgets }`
 * - `{ cmd: 'exit' }` closes the router and exits 0.
 */
import { createInterface } from 'node:readline';
import { LlmRouter, type LlmRouterError, type ProviderConfig, type RouterEvent } from '../../lib/index.js';
import { connectedRedis } from './redis-test-kit.js';

const { redis, prefix, server } = JSON.parse(process.argv[2]!) as { redis: string; prefix: string; server: string };
const provider = (name: string, models: string[], extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
  providerType: 'openai',
  name,
  apiKey: 'worker-test-key',
  baseUrl: `${server}/${name}/v1`,
  models,
  maxRetries: 0,
  ...extra,
});
const warns: string[] = [];
const client = await connectedRedis(redis);
const router = new LlmRouter({
  providers: [
    provider('limited', ['m1'], { rpm: 100 }),
    provider('flaky', ['m2']),
    provider('backup', ['m2']),
    provider('payer', ['m3']),
    provider('plain', ['m4']),
  ],
  circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 },
  prices: { m3: { inputPerMillion: 1e6, outputPerMillion: 0 } },
  budgets: [{ name: 'shared-budget', model: 'm3', limitUsd: 1, windowMs: 3_600_000 }],
  sharedState: { redis: client, keyPrefix: prefix, commandTimeoutMs: 5_000 },
  metricsEnabled: false,
  logger: { warn: (...args: unknown[]) => void warns.push(JSON.stringify(args)), error: () => {} },
});
let lastRoute: RouterEvent | undefined;
router.on('request.route', (e) => (lastRoute = e));

const ask = (model: string) => router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], model });

async function handle(msg: { cmd: string; n?: number; model?: string }): Promise<unknown> {
  switch (msg.cmd) {
    case 'burst': {
      const results = await Promise.allSettled(Array.from({ length: msg.n! }, () => ask(msg.model!)));
      const errors: Record<string, number> = {};
      let ok = 0;
      for (const r of results) {
        if (r.status === 'fulfilled') ok++;
        else errors[(r.reason as Error).name] = (errors[(r.reason as Error).name] ?? 0) + 1;
      }
      return { ok, errors };
    }
    case 'ask': {
      lastRoute = undefined;
      try {
        const res = await ask(msg.model!);
        return { provider: res.provider, route: lastRoute };
      } catch (e) {
        return { error: (e as Error).name, budget: (e as { budget?: string }).budget, retryAfterMs: (e as LlmRouterError).retryAfterMs, route: lastRoute };
      }
    }
    case 'status':
      return { warns, budgets: router.getBudgetStatus() };
    case 'exit':
      await router.close();
      client.disconnect();
      process.stdout.write('{"bye":true}\n', () => process.exit(0));
      return undefined;
    default:
      return { unknown: msg.cmd };
  }
}

process.on('unhandledRejection', (reason) => {
  process.stdout.write(`${JSON.stringify({ unhandled: String(reason) })}\n`);
  process.exit(3);
});
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  void handle(JSON.parse(line)).then((answer) => {
    if (answer !== undefined) process.stdout.write(`${JSON.stringify(answer)}\n`);
  });
});
process.stdout.write('ready\n');
