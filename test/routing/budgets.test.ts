import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { BudgetExceededError, MetricsCollector, NoProviderAvailableError } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { rejects } from '../core/core-test-kit.js';
import { ask, plan, routes, RoutingBed } from './routing-test-kit.js';

/** 1 USD per prompt token: a request's cost is its prompt tokens. */
const prices = { 'model-a': { inputPerMillion: 1e6, outputPerMillion: 0 }, 'model-b': { inputPerMillion: 1e6, outputPerMillion: 0 } };

describe('budgets', () => {
  let server: MockProviderServer;
  let bed: RoutingBed;
  let promptTokens: number;
  before(async () => {
    server = await MockProviderServer.start();
    bed = new RoutingBed(server);
    const probe = bed.router(['p']);
    promptTokens = (await ask(probe)).usage.promptTokens;
  });
  beforeEach(() => bed.next());
  after(async () => {
    await bed.close();
    await server.close();
  });

  it('a spent budget throws BudgetExceededError before any network call, naming it, with retryAfterMs; the window frees it', async () => {
    const r = bed.router(['a', 'b'], { prices, budgets: [{ name: 'all', limitUsd: promptTokens * 1.5, windowMs: 60_000 }] });
    await ask(r);
    assert.deepEqual(r.getBudgetStatus(), [{ name: 'all', limitUsd: promptTokens * 1.5, spentUsd: promptTokens, remainingUsd: promptTokens / 2, windowMs: 60_000 }]);
    bed.clock.advance(5_000);
    await ask(r);
    const n = server.requests.length;
    bed.clock.advance(5_000);
    const seen = await routes(r, async () => {
      const err = await rejects(ask(r), BudgetExceededError);
      assert.equal(err.budget, 'all');
      assert.match(err.message, /Budget "all" is spent/);
      assert.equal(err.retryAfterMs, 50_000, 'the first spend leaves the window 60 s after it was made');
      assert.ok(err.requestId !== undefined);
    });
    assert.equal(server.requests.length, n, 'no call');
    assert.deepEqual(plan(seen[0]!), ['a:budget_exceeded', 'b:budget_exceeded']);
    assert.equal(r.getBudgetStatus()[0]!.remainingUsd, 0);
    bed.clock.advance(50_000);
    assert.equal((await ask(r)).provider, 'a', 'the first spend left the window');
  });

  it('a budget scoped to one provider only skips that provider when another can serve', async () => {
    const r = bed.router(['a', 'b'], { prices, budgets: [{ name: 'a-only', provider: 'a', limitUsd: 1, windowMs: 3_600_000 }] });
    assert.equal((await ask(r)).provider, 'a');
    const seen = await routes(r, async () => {
      assert.equal((await ask(r)).provider, 'b');
      assert.equal((await ask(r)).provider, 'b', 'b’s spend does not count in a’s budget');
    });
    assert.deepEqual(seen.map(plan), [['a:budget_exceeded', 'b'], ['a:budget_exceeded', 'b']]);
    assert.equal(r.getBudgetStatus()[0]!.spentUsd, promptTokens);
  });

  it('a provider budget is BudgetExceededError when that provider is the only candidate', async () => {
    const r = bed.router([bed.provider('a', { models: ['only-a'] }), bed.provider('b', { models: ['model-b'] })], {
      prices: { 'only-a': prices['model-a'] },
      budgets: [{ name: 'a-only', provider: 'a', limitUsd: 1, windowMs: 3_600_000 }],
    });
    await ask(r, { model: 'only-a' });
    const err = await rejects(ask(r, { model: 'only-a' }), BudgetExceededError);
    assert.equal(err.budget, 'a-only');
    assert.equal((await ask(r)).provider, 'b', 'other models are served by b');
  });

  it('model and metadata scopes', async () => {
    const r = bed.router([bed.provider('a', { models: ['x', 'y'] })], {
      prices: { x: prices['model-a'], y: prices['model-a'] },
      budgets: [
        { name: 'model-x', model: 'x', limitUsd: 1, windowMs: 60_000 },
        { name: 'team-red', metadata: { team: 'red' }, limitUsd: 1, windowMs: 60_000 },
      ],
    });
    await ask(r, { model: 'x', metadata: { team: 'blue' } });
    await rejects(ask(r, { model: 'x', metadata: { team: 'blue' } }), BudgetExceededError);
    await ask(r, { model: 'y', metadata: { team: 'red' } });
    await ask(r, { model: 'y', metadata: { team: 'blue' } });
    const err = await rejects(ask(r, { model: 'y', metadata: { team: 'red' } }), BudgetExceededError);
    assert.equal(err.budget, 'team-red');
    await ask(r, { model: 'y' });
    assert.deepEqual(
      r.getBudgetStatus().map((b) => [b.name, b.spentUsd]),
      [
        ['model-x', promptTokens],
        ['team-red', promptTokens],
      ],
    );
  });

  it('a spent budget and an open circuit together: NoProviderAvailableError carrying both reasons', async () => {
    const r = bed.router(['a', 'b'], { prices, circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 }, budgets: [{ name: 'b', provider: 'b', limitUsd: 1, windowMs: 60_000 }] });
    bed.fail('a', { status: 503 });
    assert.equal((await ask(r)).provider, 'b');
    const err = await rejects(ask(r), NoProviderAvailableError);
    assert.deepEqual(err.errors.map((e) => e.name), ['ProviderError', 'BudgetExceededError']);
  });

  it('llm_router_budget_remaining_usd is exported from getBudgetStatus', async () => {
    const collector = new MetricsCollector();
    const r = bed.router(['a'], { prices, metricsEnabled: true, metricsCollector: collector, budgets: [{ name: 'daily', limitUsd: 1000, windowMs: 86_400_000 }] });
    await ask(r);
    const text = await r.exportMetricsPrometheus();
    assert.match(text, new RegExp(`llm_router_budget_remaining_usd\\{budget="daily"\\} ${1000 - promptTokens}\\b`));
  });
});
