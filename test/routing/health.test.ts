import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRouterHealth } from '../../adapters/shared/evaluate-router-health.js';
import { BudgetExceededError } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { rejects } from '../core/core-test-kit.js';
import { ask, RoutingBed, useRoutingBed } from './routing-test-kit.js';

describe('health reports cool-downs, rate limits and spent budgets', () => {
  let server: MockProviderServer;
  let bed: RoutingBed;
  useRoutingBed((s, b) => {
    server = s;
    bed = b;
  });

  it('a provider cooling down or at its rpm is degraded; the router is degraded while another serves', async () => {
    const r = bed.router(['a', bed.provider('b', { rpm: 1 }), 'c']);
    bed.fail('a', { status: 429, headers: { 'retry-after': '30' } });
    assert.equal((await ask(r)).provider, 'b');
    const h = evaluateRouterHealth(r);
    assert.equal(h.status, 'degraded');
    assert.equal(h.details.providers.a!.status, 'degraded');
    assert.equal(h.details.providers.a!.cooldownUntil, bed.clock.now + 30_000);
    assert.match(h.details.providers.a!.reason!, /cooling down/);
    assert.equal(h.details.providers.b!.rateLimited, true);
    assert.match(h.details.providers.b!.reason!, /rpm\/tpm limit/);
    assert.equal(h.details.providers.c!.status, 'up');
    bed.clock.advance(60_000);
    assert.equal(evaluateRouterHealth(r).status, 'up', 'the clock ends both');
  });

  it('a spent budget is reported and makes the router degraded', async () => {
    const r = bed.router(['a'], { prices: { 'model-a': { inputPerMillion: 1e6, outputPerMillion: 0 } }, budgets: [{ name: 'daily', limitUsd: 1, windowMs: 60_000 }] });
    assert.equal(evaluateRouterHealth(r).details.exhaustedBudgets, undefined);
    await ask(r);
    await rejects(ask(r), BudgetExceededError);
    const h = evaluateRouterHealth(r);
    assert.equal(h.status, 'degraded');
    assert.deepEqual(h.details.exhaustedBudgets, ['daily']);
  });
});
