import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LlmRouter } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { drain, TEST_KEY } from '../core/core-test-kit.js';
import { ask, FakeClock, plan, routes, RoutingBed, useRoutingBed } from './routing-test-kit.js';

describe('strategies, through the router', () => {
  let server: MockProviderServer;
  let bed: RoutingBed;
  useRoutingBed((s, b) => {
    server = s;
    bed = b;
  });

  it('least-busy sends to the provider with the fewest attempts in flight; ties keep the configured order', async () => {
    const r = bed.router(['a', 'b', 'c'], { strategy: 'least-busy' });
    bed.fail('a', { delayMs: 300 });
    bed.fail('b', { delayMs: 300 });
    const first = ask(r);
    const second = ask(r);
    const third = ask(r);
    assert.deepEqual(r.getProviderStatus().map((p) => p.inFlight), [1, 1, 1]);
    const served = await Promise.all([first, second, third]);
    assert.deepEqual(served.map((s) => s.provider), ['a', 'b', 'c']);
    assert.equal((await ask(r)).provider, 'a', 'all idle again: configured order');
  });

  it('lowest-cost orders by the price of the request (prices option over the bundled table), unknown prices last', async () => {
    const r = bed.router(
      [
        bed.provider('unknown', { defaultModel: 'no-such-model-anywhere' }),
        bed.provider('big', { defaultModel: 'gpt-4o' }),
        bed.provider('mini', { defaultModel: 'gpt-4o-mini' }),
        bed.provider('own', { defaultModel: 'house-model' }),
      ],
      { strategy: 'lowest-cost', prices: { 'house-model': { inputPerMillion: 0.01, outputPerMillion: 0.02 } } },
    );
    const seen = await routes(r, async () => {
      assert.equal((await ask(r)).provider, 'own');
    });
    assert.deepEqual(plan(seen[0]!), ['own', 'mini', 'big', 'unknown']);
    bed.fail('own', { status: 503 });
    assert.equal((await ask(r)).provider, 'mini', 'the next cheapest is the fallback');
  });

  it('lowest-cost weighs input and output prices by the request: maxTokens decides between input-cheap and output-cheap', async () => {
    const prices = { 'cheap-in': { inputPerMillion: 1, outputPerMillion: 20 }, 'cheap-out': { inputPerMillion: 10, outputPerMillion: 2 } };
    const r = bed.router([bed.provider('in', { defaultModel: 'cheap-in' }), bed.provider('out', { defaultModel: 'cheap-out' })], { strategy: 'lowest-cost', prices });
    const long = 'x'.repeat(40_000);
    assert.equal((await ask(r, { maxTokens: 1 })).provider, 'in', 'short prompt, 1-token answer');
    assert.equal((await r.chat.completions.create({ messages: [{ role: 'user', content: long }], maxTokens: 10 })).provider, 'in', 'long prompt, short answer');
    assert.equal((await ask(r, { maxTokens: 4000 })).provider, 'out', 'short prompt, long answer');
  });

  it('usage-based sends to the most headroom under rpm; the window is the router clock', async () => {
    const r = bed.router([bed.provider('a', { rpm: 10 }), bed.provider('b', { rpm: 100 })], { strategy: 'usage-based' });
    const served: string[] = [];
    for (let i = 0; i < 12; i++) served.push((await ask(r)).provider);
    assert.deepEqual(served, ['a', ...Array(10).fill('b'), 'a'], 'a at 0.9, then b until it is at 0.9 too (tie: configured order)');
    bed.clock.advance(60_000);
    assert.equal((await ask(r)).provider, 'a', 'the window emptied');
  });

  it('least-latency ranks streams by time to first chunk, not by their length', async () => {
    const slowStart = await MockProviderServer.start();
    const longStream = await MockProviderServer.start({ chunkDelayMs: 150, chunkCount: 6 });
    const clock = new FakeClock();
    const r = new LlmRouter({
      providers: [
        { providerType: 'openai', name: 'long', apiKey: TEST_KEY, baseUrl: `${longStream.url}/v1`, defaultModel: 'm', maxRetries: 0 },
        { providerType: 'openai', name: 'late', apiKey: TEST_KEY, baseUrl: `${slowStart.url}/v1`, defaultModel: 'm', maxRetries: 0 },
      ],
      strategy: 'least-latency',
      metricsEnabled: false,
      clock: clock.read,
    });
    try {
      slowStart.enqueueFault({ delayMs: 400 }, { times: Infinity });
      const stream = async () => {
        const s = await r.chat.completions.create({ messages: [{ role: 'user', content: 'one two three four five six seven' }], stream: true });
        await drain(s);
        return s.provider;
      };
      assert.equal(await stream(), 'long', 'both unmeasured: configured order');
      assert.equal(await stream(), 'late', 'late unmeasured: explored next');
      const [long, late] = r.getProviderStatus();
      assert.ok(long!.latencyEwmaMs! < late!.latencyEwmaMs!, `TTFT long ${long!.latencyEwmaMs} < late ${late!.latencyEwmaMs}`);
      assert.equal(await stream(), 'long');
    } finally {
      await r.close();
      await slowStart.close();
      await longStream.close();
    }
  });

  it('least-latency re-probes a provider whose latest sample is older than a minute of the router clock', async () => {
    const r = bed.router(['slow', 'fast'], { strategy: 'least-latency' });
    bed.fail('slow', { delayMs: 120 });
    const served: string[] = [];
    for (let i = 0; i < 3; i++) served.push((await ask(r)).provider);
    assert.deepEqual(served, ['slow', 'fast', 'fast']);
    bed.clock.advance(60_001);
    bed.fail('slow', { delayMs: 120 });
    for (let i = 0; i < 3; i++) served.push((await ask(r)).provider);
    assert.deepEqual(served, ['slow', 'fast', 'fast', 'slow', 'fast', 'fast'], 'both stale: slow (configured first) re-probed, then fast (stale), then fast');
  });
});
