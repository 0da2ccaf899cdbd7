import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, NoProviderAvailableError, RateLimitError, ProviderError } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { rejects, TEST_KEY } from '../core/core-test-kit.js';
import { ask, plan, routes, RoutingBed, useRoutingBed } from './routing-test-kit.js';

describe('429s and cool-downs', () => {
  let server: MockProviderServer;
  let bed: RoutingBed;
  useRoutingBed((s, b) => {
    server = s;
    bed = b;
  });

  it('a single-provider Client answering 429 keeps throwing RateLimitError, every call reaching the provider (issue 8 item 6)', async () => {
    const c = new Client({ providerType: 'openai', apiKey: TEST_KEY, baseUrl: `${server.url}${bed.seg('solo')}v1`, defaultModel: 'm', maxRetries: 0, metricsEnabled: false, clock: bed.clock.read });
    try {
      bed.fail('solo', { status: 429, headers: { 'retry-after': '1' } }, Infinity);
      for (let i = 0; i < 8; i++) {
        const err = await rejects(ask(c), RateLimitError);
        assert.equal(err.statusCode, 429);
        assert.equal(err.retryAfterMs, 1000);
      }
      assert.equal(bed.hits('solo'), 8, 'each call reached the provider');
      assert.equal(c.getProviderStatus()[0]!.state, 'closed', 'a 429 never opens the circuit');
      server.clearFaults();
      assert.equal((await ask(c)).provider, 'openai');
    } finally {
      await c.close();
    }
  });

  it('429s never open the circuit, 503s still do', async () => {
    const r = bed.router(['a'], { circuitBreaker: { failureThreshold: 2, cooldownMs: 10_000 } });
    bed.fail('a', { status: 429 }, 5);
    for (let i = 0; i < 5; i++) await rejects(ask(r), RateLimitError);
    assert.equal(r.getProviderStatus()[0]!.state, 'closed');
    bed.fail('a', { status: 503 }, 2);
    await rejects(ask(r), ProviderError);
    await rejects(ask(r), ProviderError);
    assert.equal(r.getProviderStatus()[0]!.state, 'open');
  });

  it('a 429 with a retry delay cools the provider down for the delay: skipped (cooling_down) while another can serve', async () => {
    const r = bed.router(['a', 'b']);
    bed.fail('a', { status: 429, headers: { 'retry-after': '2' } });
    assert.equal((await ask(r)).provider, 'b', 'fell back');
    assert.equal(r.getProviderStatus()[0]!.cooldownUntil, bed.clock.now + 2000);
    const seen = await routes(r, async () => {
      assert.equal((await ask(r)).provider, 'b');
      bed.clock.advance(1999);
      assert.equal((await ask(r)).provider, 'b');
      bed.clock.advance(1);
      assert.equal((await ask(r)).provider, 'a', 'the cool-down ended');
    });
    assert.deepEqual(seen.map(plan), [['a:cooling_down', 'b'], ['a:cooling_down', 'b'], ['a', 'b']]);
    assert.equal(bed.hits('a'), 2);
    assert.equal(r.getProviderStatus()[0]!.cooldownUntil, null);
  });

  it('a 503 with retry-after cools down too; a 429 without one does not', async () => {
    const r = bed.router(['a', 'b']);
    bed.fail('a', { status: 429 });
    assert.equal((await ask(r)).provider, 'b');
    assert.equal((await ask(r)).provider, 'a', 'no delay given: no cool-down');
    bed.fail('a', { status: 503, headers: { 'retry-after-ms': '500' } });
    assert.equal((await ask(r)).provider, 'b');
    assert.equal(r.getProviderStatus()[0]!.cooldownUntil, bed.clock.now + 500);
    assert.equal((await ask(r)).provider, 'b');
  });

  it('a longer cool-down already running is kept when a shorter delay comes', async () => {
    const r = bed.router([bed.provider('a', { models: ['m', 'only-a'] }), bed.provider('b', { models: ['m'] })]);
    bed.fail('a', { status: 429, headers: { 'retry-after': '10' } });
    assert.equal((await ask(r, { model: 'm' })).provider, 'b');
    bed.fail('a', { status: 503, headers: { 'retry-after': '1' } });
    await rejects(ask(r, { model: 'only-a' }), ProviderError);
    assert.equal(r.getProviderStatus()[0]!.cooldownUntil, bed.clock.now + 10_000, 'the 10 s cool-down stands');
    bed.clock.advance(2000);
    assert.equal((await ask(r, { model: 'm' })).provider, 'b');
    bed.fail('a', { status: 429, headers: { 'retry-after': '30' } });
    await rejects(ask(r, { model: 'only-a' }), RateLimitError);
    assert.equal(r.getProviderStatus()[0]!.cooldownUntil, bed.clock.now + 30_000, 'a longer one replaces it');
  });

  it('every candidate cooling down: NoProviderAvailableError with retryAfterMs and each candidate’s last error, without a call', async () => {
    const r = bed.router(['a', 'b']);
    bed.fail('a', { status: 429, headers: { 'retry-after': '3' } });
    bed.fail('b', { status: 429, headers: { 'retry-after': '5' } });
    const first = await rejects(ask(r), NoProviderAvailableError);
    assert.equal(first.retryAfterMs, 3000);
    bed.clock.advance(1000);
    const n = server.requests.length;
    const err = await rejects(ask(r), NoProviderAvailableError);
    assert.equal(server.requests.length, n, 'no call');
    assert.equal(err.retryAfterMs, 2000, 'a is available again in 2 s');
    assert.deepEqual(
      err.errors.map((e) => [e.provider, e.name, e.statusCode, e.retryAfterMs]),
      [
        ['a', 'RateLimitError', 429, 3000],
        ['b', 'RateLimitError', 429, 5000],
      ],
    );
    assert.equal(err.statusCode, 429);
    assert.match(err.message, /a: cooling down for 2000 ms; b: cooling down for 4000 ms/);
  });

  it('a single candidate whose circuit is open: NoProviderAvailableError with its last error and when it is probed again', async () => {
    const r = bed.router(['a'], { circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 } });
    bed.fail('a', { status: 503 });
    await rejects(ask(r), ProviderError);
    bed.clock.advance(10_000);
    const n = bed.hits('a');
    const err = await rejects(ask(r), NoProviderAvailableError);
    assert.equal(bed.hits('a'), n);
    assert.equal(err.retryAfterMs, 50_000);
    assert.deepEqual(err.errors.map((e) => [e.provider, e.name, e.statusCode]), [['a', 'ProviderError', 503]]);
    assert.equal(err.statusCode, 503);
    assert.equal(err.provider, 'a');
  });
});
