import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NoProviderAvailableError, RateLimitError } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { rejects } from '../core/core-test-kit.js';
import { ask, plan, routes, RoutingBed, useRoutingBed } from './routing-test-kit.js';

describe('rpm and tpm limits', () => {
  let server: MockProviderServer;
  let bed: RoutingBed;
  useRoutingBed((s, b) => {
    server = s;
    bed = b;
  });

  it('a provider at its rpm is skipped (rate_limited) until its oldest request leaves the 60 s window', async () => {
    const r = bed.router([bed.provider('a', { rpm: 2 }), 'b']);
    const seen = await routes(r, async () => {
      assert.equal((await ask(r)).provider, 'a');
      bed.clock.advance(10_000);
      assert.equal((await ask(r)).provider, 'a');
      assert.equal((await ask(r)).provider, 'b');
      assert.equal(r.getProviderStatus()[0]!.rateLimited, true);
      bed.clock.advance(49_999);
      assert.equal((await ask(r)).provider, 'b', 'the first request is 59.999 s old: still in the window');
      bed.clock.advance(1);
      assert.equal((await ask(r)).provider, 'a', 'the first request left the window');
      assert.equal((await ask(r)).provider, 'b');
    });
    assert.deepEqual(seen.map(plan).map((p) => p[0]), ['a', 'a', 'a:rate_limited', 'a:rate_limited', 'a', 'a:rate_limited']);
    assert.equal(bed.hits('a'), 3);
  });

  it('a lone provider at its rpm: NoProviderAvailableError with retryAfterMs and a RateLimitError, without a call', async () => {
    const r = bed.router([bed.provider('a', { rpm: 1 })]);
    await ask(r);
    bed.clock.advance(15_000);
    const err = await rejects(ask(r), NoProviderAvailableError);
    assert.equal(bed.hits('a'), 1);
    assert.equal(err.retryAfterMs, 45_000);
    assert.equal(err.errors.length, 1);
    assert.ok(err.errors[0] instanceof RateLimitError);
    assert.match(err.errors[0]!.message, /rpm limit \(1 requests per minute\)/);
    assert.match(err.message, /a: rate limited for 45000 ms/);
  });

  it('retries count against rpm: each attempt takes a slot', async () => {
    const r = bed.router([bed.provider('a', { rpm: 2, maxRetries: 3, retry: { initialDelayMs: 1, maxDelayMs: 2 } }), 'b']);
    bed.fail('a', { status: 503 }, 5);
    assert.equal((await ask(r)).provider, 'b');
    assert.equal(bed.hits('a'), 2, 'two attempts, then a was at its rpm');
  });

  it('tpm counts the actual usage when the attempt ends, the estimate before it', async () => {
    const probe = bed.router(['p']);
    const used = (await ask(probe)).usage.totalTokens;
    const estimate = Math.ceil('hi'.length / 4) + 4;
    const r = bed.router([bed.provider('a', { tpm: used + estimate }), 'b']);
    const seen = await routes(r, async () => {
      assert.equal((await ask(r)).provider, 'a', 'the estimate fits');
      assert.equal((await ask(r)).provider, 'a', 'the window holds the first request’s actual tokens, and the estimate fits beside them');
      assert.equal((await ask(r)).provider, 'b', 'two actual counts and an estimate do not');
    });
    assert.deepEqual(seen.map(plan).map((p) => p[0]), ['a', 'a', 'a:rate_limited']);
    bed.clock.advance(60_000);
    assert.equal((await ask(r)).provider, 'a');
  });

  it('maxTokens is counted in the estimate: a request that cannot fit is not sent', async () => {
    const r = bed.router([bed.provider('a', { tpm: 1000 }), 'b']);
    assert.equal((await ask(r, { maxTokens: 996 })).provider, 'b');
    assert.equal((await ask(r, { maxTokens: 900 })).provider, 'a');
    assert.equal(bed.hits('a'), 1);
  });
});
