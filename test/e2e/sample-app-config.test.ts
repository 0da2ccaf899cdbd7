import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSampleExpressApp } from '../../sample-app/express/create-express-app.js';
import { loadSampleConfig, MOCK_BUDGETS, MOCK_PRICES } from '../../sample-app/shared/config.js';

function withConfigFile<T>(content: unknown, run: (path: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'llm-router-sample-config-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(content));
  return Promise.resolve(run(path)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('strategy, prices, budgets and sharedState come from the config file; REDIS_URL sets sharedState.redis', async () => {
  const file = {
    providers: [{ providerType: 'mock', name: 'a', defaultModel: 'm1', models: ['m1'] }],
    strategy: 'round-robin',
    prices: { m1: { inputPerMillion: 3, outputPerMillion: 15 } },
    budgets: [{ name: 'team', limitUsd: 10, windowMs: 3_600_000 }],
    sharedState: { redis: 'redis://file-host:6379', keyPrefix: 'from-file:' },
  };
  await withConfigFile(file, (path) => {
    const fromFile = loadSampleConfig({ LLM_ROUTER_CONFIG: path });
    assert.equal(fromFile.router.strategy, 'round-robin');
    assert.deepEqual(fromFile.router.prices, file.prices);
    assert.deepEqual(fromFile.router.budgets, file.budgets);
    assert.deepEqual(fromFile.router.sharedState, file.sharedState);
    const withRedis = loadSampleConfig({ LLM_ROUTER_CONFIG: path, REDIS_URL: 'redis://127.0.0.1:6399', REDIS_KEY_PREFIX: 'sample:' });
    assert.deepEqual(withRedis.router.sharedState, { redis: 'redis://127.0.0.1:6399', keyPrefix: 'sample:' });
    assert.equal(loadSampleConfig({ LLM_ROUTER_CONFIG: path, LLM_ROUTER_STRATEGY: 'least-busy' }).router.strategy, 'least-busy');
  });
  const mocks = loadSampleConfig({});
  assert.deepEqual(mocks.router.prices, MOCK_PRICES, 'the embedded mocks are priced');
  assert.deepEqual(mocks.router.budgets, MOCK_BUDGETS);
  assert.equal(mocks.router.sharedState, undefined, 'in-process state without REDIS_URL');
  assert.deepEqual(loadSampleConfig({ REDIS_URL: 'redis://x:1' }).router.sharedState, { redis: 'redis://x:1' });
});

test('prices from the config file price what the sample app serves (/stats and /metrics)', async () => {
  const file = {
    providers: [{ providerType: 'mock', name: 'priced', defaultModel: 'priced-model', models: ['priced-model'], maxRetries: 0 }],
    prices: { 'priced-model': { inputPerMillion: 1_000_000, outputPerMillion: 2_000_000 } },
  };
  await withConfigFile(file, async (path) => {
    const app = await startSampleExpressApp(loadSampleConfig({ LLM_ROUTER_CONFIG: path, PORT: '0' }), { log: false });
    try {
      const res = await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'priced-model', messages: [{ role: 'user', content: 'what does this cost' }] }),
      });
      const { usage } = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      const expected = usage.prompt_tokens * 1 + usage.completion_tokens * 2;
      const stats = (await (await fetch(`${app.url}/stats`)).json()) as { summary: { totalCostUsd: number } };
      assert.equal(stats.summary.totalCostUsd, expected);
      assert.match(await (await fetch(`${app.url}/metrics`)).text(), new RegExp(`^llm_router_cost_usd_total\\{provider="priced",model="priced-model"\\} ${expected}$`, 'm'));
    } finally {
      await app.close();
    }
  });
});

test('a key of the config file that is not one of its options is an error naming it, not ignored', async () => {
  await withConfigFile({ providers: [{ providerType: 'mock', name: 'a' }], stratgy: 'round-robin' }, (path) => {
    assert.throws(() => loadSampleConfig({ LLM_ROUTER_CONFIG: path }), /LLM_ROUTER_CONFIG: .*config\.json: "stratgy" is not an option \(options: providers, strategy, retry, circuitBreaker, prices, budgets, sharedState, port, host, metrics\)/);
  });
  await withConfigFile({ metrics: { pth: '/m' } }, (path) => {
    assert.throws(() => loadSampleConfig({ LLM_ROUTER_CONFIG: path }), /"metrics\.pth" is not an option \(options: metrics\.path\)/);
  });
});
