import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbortError, LlmRouter, type LlmRouterOptions, type ProviderConfig } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { waitFor } from '../support/provider-test-kit.js';
import { rejects, TEST_KEY, useSuiteServer } from './core-test-kit.js';

describe('circuit breaker and latency ranking, through the router', () => {
  let server: MockProviderServer;
  const routers: LlmRouter[] = [];
  let run = 0;
  const seg = (name: string): string => `/cl${run}-${name}/`;
  const provider = (name: string): ProviderConfig => ({
    providerType: 'openai',
    name,
    apiKey: TEST_KEY,
    baseUrl: `${server.url}${seg(name)}v1`,
    defaultModel: `model-${name}`,
    maxRetries: 0,
  });
  const make = (o: Partial<LlmRouterOptions>, names = ['a', 'b']): LlmRouter => {
    const r = new LlmRouter({ providers: names.map(provider), metricsEnabled: false, ...o });
    routers.push(r);
    return r;
  };
  const ask = (r: LlmRouter, extra: object = {}) => r.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], ...extra });
  const hits = (name: string): number => server.requests.filter((q) => q.path.startsWith(seg(name))).length;
  const onA = (fault: Parameters<MockProviderServer['enqueueFault']>[0], times = 1) => server.enqueueFault(fault, { times, match: { path: seg('a') } });
  const onB = (fault: Parameters<MockProviderServer['enqueueFault']>[0], times = 1) => server.enqueueFault(fault, { times, match: { path: seg('b') } });

  /** Starts a request that hangs on provider `a` and aborts it by the caller's signal once `a` has it. */
  async function abortedOnA(r: LlmRouter, stream = false): Promise<void> {
    onA({ hang: true });
    const controller = new AbortController();
    const seen = hits('a');
    const pending = ask(r, { signal: controller.signal, stream });
    await waitFor(() => hits('a') > seen);
    controller.abort();
    await rejects(pending, AbortError);
    server.clearFaults();
  }

  useSuiteServer(routers, (s) => (server = s), () => run++);

  it('the caller’s aborts never open a circuit (breaker on, threshold 1)', async () => {
    const r = make({ circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 } });
    for (let i = 0; i < 3; i++) await abortedOnA(r);
    assert.equal(r.getProviderStatus()[0]!.state, 'closed');
    const before = hits('a');
    assert.equal((await ask(r)).provider, 'a', 'a is still tried first');
    assert.equal(hits('a'), before + 1);
  });

  it('an aborted stream does not count against the provider either', async () => {
    const r = make({ circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 } });
    server.configure({ chunkDelayMs: 500 });
    const controller = new AbortController();
    const stream = await r.chat.completions
      .create({ messages: [{ role: 'user', content: 'hi' }], stream: true, signal: controller.signal })
      .finally(() => server.configure({ chunkDelayMs: 0 }));
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await rejects(
      (async () => {
        for (;;) if ((await iterator.next()).done === true) throw new Error('ended without the abort');
      })(),
      AbortError,
    );
    assert.equal(r.getProviderStatus()[0]!.state, 'closed');
    assert.equal(r.getProviderStatus()[0]!.inFlight, 0);
  });

  it('an aborted half-open probe frees the probe: the next request probes again instead of skipping', async () => {
    let now = 10_000;
    const r = make({ circuitBreaker: { failureThreshold: 1, cooldownMs: 1_000 }, clock: () => now });
    onA({ status: 503 });
    assert.equal((await ask(r)).provider, 'b');
    assert.equal(r.getProviderStatus()[0]!.state, 'open');
    now += 1_000;
    await abortedOnA(r);
    assert.equal(r.getProviderStatus()[0]!.state, 'half_open');
    assert.equal(r.getProviderStatus()[0]!.available, true, 'the probe was released');
    assert.equal((await ask(r)).provider, 'a', 'the next request is the probe');
    assert.equal(r.getProviderStatus()[0]!.state, 'closed');
  });

  it('least-latency smooths its samples: one slow answer does not demote the faster provider', async () => {
    const r = make({ strategy: 'least-latency', circuitBreaker: false });
    onA({ delayMs: 150 });
    assert.equal((await ask(r)).provider, 'a', 'both unmeasured: configured order');
    onB({ delayMs: 50 });
    assert.equal((await ask(r)).provider, 'b', 'b unmeasured: tried next');
    onB({ delayMs: 250 });
    assert.equal((await ask(r)).provider, 'b', 'b measured faster (about 50 vs 150 ms)');
    assert.equal((await ask(r)).provider, 'b', 'after one 250 ms answer b averages about 90 ms, still ahead of a’s 150 ms');
  });
});
