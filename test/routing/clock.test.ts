import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoProviderAvailableError, ProviderError } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { ofType, recordEvents, rejects } from '../core/core-test-kit.js';
import { ask, plan, routes, RoutingBed, useRoutingBed } from './routing-test-kit.js';

describe('the clock option drives every time rule', () => {
  let server: MockProviderServer;
  let bed: RoutingBed;
  useRoutingBed((s, b) => {
    server = s;
    bed = b;
  });

  it('circuit: closed -> open -> (cool-down on the clock) half-open probe -> open again -> half-open -> closed', async () => {
    const r = bed.router(['a'], { circuitBreaker: { failureThreshold: 2, cooldownMs: 5_000 } });
    const rec = recordEvents(r);
    bed.fail('a', { status: 500 }, 3);
    await rejects(ask(r), ProviderError);
    await rejects(ask(r), ProviderError);
    const t0 = bed.clock.now;
    bed.clock.advance(4_999);
    const skipped = await rejects(ask(r), NoProviderAvailableError);
    assert.equal(skipped.retryAfterMs, 1);
    bed.clock.advance(1);
    await rejects(ask(r), ProviderError);
    bed.clock.advance(5_000);
    assert.equal((await ask(r)).provider, 'a');
    rec.stop();
    const states = ofType(rec.events, 'provider.state');
    assert.deepEqual(
      states.map((e) => [e.previousState, e.state, e.timestamp - t0]),
      [
        ['closed', 'open', 0],
        ['open', 'half_open', 5_000],
        ['half_open', 'open', 5_000],
        ['open', 'half_open', 10_000],
        ['half_open', 'closed', 10_000],
      ],
    );
    assert.equal(bed.hits('a'), 4);
  });

  it('route events show each rule ending on the clock: cool-down, rate window, budget window', async () => {
    const r = bed.router([bed.provider('a', { rpm: 1, models: ['model-a'] }), bed.provider('b', { models: ['model-b'] }), bed.provider('c', { models: ['model-c'] })], {
      prices: { 'model-c': { inputPerMillion: 1e6, outputPerMillion: 0 } },
      budgets: [{ name: 'c', provider: 'c', limitUsd: 1, windowMs: 120_000 }],
    });
    bed.fail('b', { status: 503, headers: { 'retry-after': '90' } });
    bed.fail('a', { status: 503 });
    const seen = await routes(r, async () => {
      assert.equal((await ask(r)).provider, 'c', 'a 503 (counted), b 503 cooling 90 s, c answers and spends its budget');
      const none = await rejects(ask(r), NoProviderAvailableError);
      assert.equal(none.retryAfterMs, 60_000, 'a is free first');
      assert.deepEqual(none.errors.map((e) => e.name), ['RateLimitError', 'ProviderError', 'BudgetExceededError'], 'a: its rpm; b: its 503; c: its budget');
      bed.clock.advance(60_000);
      assert.equal((await ask(r)).provider, 'a');
      bed.clock.advance(30_000);
      assert.equal((await ask(r)).provider, 'b');
      bed.clock.advance(30_000);
      assert.equal((await ask(r, { model: 'model-c' })).provider, 'c');
    });
    assert.deepEqual(seen.map(plan), [
      ['a', 'b', 'c'],
      ['a:rate_limited', 'b:cooling_down', 'c:budget_exceeded'],
      ['a', 'b:cooling_down', 'c:budget_exceeded'],
      ['a:rate_limited', 'b', 'c:budget_exceeded'],
      ['c', 'a:model_not_served', 'b:model_not_served'],
    ]);
  });
});
