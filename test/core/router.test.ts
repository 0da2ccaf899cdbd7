import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuthenticationError,
  BadRequestError,
  LlmRouter,
  NoProviderAvailableError,
  ProviderError,
  RateLimitError,
  StreamError,
  TimeoutError,
  type LlmRouterOptions,
  type ProviderConfig,
} from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { errorText, ofType, recordEvents, rejects, TEST_KEY, useSuiteServer } from './core-test-kit.js';
import { waitUntil } from '../support/wait-until.js';

describe('LlmRouter against a real server', () => {
  let server: MockProviderServer;
  const routers: LlmRouter[] = [];
  // Each test's providers live under their own paths, so that a request an earlier test gave up on can
  // never take this test's fault.
  let run = 0;
  const seg = (name: string): string => `/r${run}-${name}/`;
  const provider = (name: string, extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
    providerType: 'openai',
    name,
    apiKey: TEST_KEY,
    baseUrl: `${server.url}${seg(name)}v1`,
    defaultModel: `model-${name}`,
    maxRetries: 0,
    ...extra,
  });
  const make = (o: Partial<LlmRouterOptions> = {}, names = ['a', 'b']): LlmRouter => {
    const r = new LlmRouter({ providers: names.map((n) => provider(n)), circuitBreaker: false, metricsEnabled: false, ...o });
    routers.push(r);
    return r;
  };
  const ask = (r: LlmRouter, extra: object = {}) => r.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], ...extra });
  const hits = (name: string): number => server.requests.filter((q) => q.path.startsWith(seg(name))).length;
  const failOn = (name: string, fault: Parameters<MockProviderServer['enqueueFault']>[0], times = 1) =>
    server.enqueueFault(fault, { times, match: { path: seg(name) } });

  useSuiteServer(routers, (s) => (server = s), () => run++);

  describe('fallback', () => {
    it('the first provider 503s, the second answers; request.fallback is emitted', async () => {
      const r = make();
      const rec = recordEvents(r);
      failOn('a', { status: 503 });
      const res = await ask(r);
      rec.stop();
      assert.equal(res.provider, 'b');
      assert.equal(res.model, 'model-b');
      assert.deepEqual(rec.types(), [
        'request.start',
        'request.route',
        'attempt.start',
        'attempt.end',
        'request.fallback',
        'attempt.start',
        'attempt.end',
        'request.end',
      ]);
      assert.deepEqual(ofType(rec.events, 'request.start')[0]!.candidates, ['a', 'b']);
      const fb = ofType(rec.events, 'request.fallback')[0]!;
      assert.equal(fb.fromProvider, 'a');
      assert.equal(fb.toProvider, 'b');
      assert.equal(fb.errorType, 'ProviderError');
      assert.equal(fb.statusCode, 503);
      const starts = ofType(rec.events, 'attempt.start');
      assert.deepEqual(
        starts.map((s) => [s.provider, s.model, s.attempt]),
        [
          ['a', 'model-a', 1],
          ['b', 'model-b', 2],
        ],
      );
      const end = ofType(rec.events, 'request.end')[0]!;
      assert.equal(end.provider, 'b');
      assert.equal(end.attempts, 2);
      assert.equal(end.success, true);
    });

    it('falls back on 429, timeouts and connection resets too', async () => {
      const r = make();
      failOn('a', { status: 429 });
      assert.equal((await ask(r)).provider, 'b');
      failOn('a', { hang: true });
      const seen = hits('a');
      assert.equal((await ask(r, { timeoutMs: 500 })).provider, 'b');
      // A timed-out request can reach the server after the client gave up: let it take the hang fault
      // before the next fault is queued.
      await waitUntil(() => hits('a') > seen);
      server.clearFaults();
      failOn('a', { reset: true });
      assert.equal((await ask(r)).provider, 'b');
    });

    it('falls back on a stream that fails before any content (a cut after the role chunk, an error event right after the 200), not after', async () => {
      const r = make();
      const rec = recordEvents(r);
      const streamOf = async (router: LlmRouter): Promise<{ provider: string; text: string }> => {
        const stream = await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        return { provider: stream.provider, text };
      };
      failOn('a', { cutAfterChunks: 1 });
      assert.deepEqual(await streamOf(r), { provider: 'b', text: 'Echo: hi' });
      assert.deepEqual(ofType(rec.events, 'attempt.end').map((e) => [e.provider, e.success, e.errorType]), [['a', false, 'StreamError'], ['b', true, null]]);
      assert.deepEqual(ofType(rec.events, 'request.fallback').map((e) => [e.fromProvider, e.toProvider]), [['a', 'b']]);
      failOn('a', { cutAfterChunks: 2 });
      const cut = await streamOf(r).catch((e: unknown) => e);
      assert.ok(cut instanceof StreamError, 'content was handed out: the stream fails, no fallback');
      rec.stop();

      // Anthropic's overloaded_error as it comes: a 200, message_start, an empty text block, then the error event.
      const anthropic = new LlmRouter({
        providers: [
          { providerType: 'anthropic', name: 'a', apiKey: TEST_KEY, baseUrl: `${server.url}${seg('a')}v1`, defaultModel: 'claude-a', maxRetries: 0 },
          provider('b'),
        ],
        circuitBreaker: false,
        metricsEnabled: false,
      });
      routers.push(anthropic);
      const events = recordEvents(anthropic);
      server.configure({ chunkCount: 1 });
      try {
        failOn('a', { midStreamError: { type: 'overloaded_error', message: 'Overloaded' } });
        assert.deepEqual(await streamOf(anthropic), { provider: 'b', text: 'Echo: hi' });
      } finally {
        server.configure({ chunkCount: 4 });
      }
      events.stop();
      assert.deepEqual(ofType(events.events, 'attempt.end').map((e) => [e.provider, e.errorType, e.statusCode]), [['a', 'ProviderError', 529], ['b', null, 200]]);
    });

    it('does not fall back on 400 or 401', async () => {
      const r = make();
      failOn('a', { status: 400 });
      await rejects(ask(r), BadRequestError);
      failOn('a', { status: 401 });
      await rejects(ask(r), AuthenticationError);
      assert.equal(hits('b'), 0);
    });

    it('NoProviderAvailableError carries every attempt’s error, in order', async () => {
      const r2 = new LlmRouter({
        providers: [provider('a', { maxRetries: 1, retry: { initialDelayMs: 1, maxDelayMs: 5 } }), provider('b', { maxRetries: 0 })],
        circuitBreaker: false,
        metricsEnabled: false,
      });
      routers.push(r2);
      failOn('a', { status: 503 }, 2);
      failOn('b', { status: 429, headers: { 'retry-after': '1' } });
      const rec = recordEvents(r2);
      const err = await rejects(ask(r2), NoProviderAvailableError);
      rec.stop();
      assert.deepEqual(
        err.errors.map((e) => [e.provider, e.name, e.statusCode]),
        [
          ['a', 'ProviderError', 503],
          ['a', 'ProviderError', 503],
          ['b', 'RateLimitError', 429],
        ],
      );
      assert.ok(err.errors[2] instanceof RateLimitError);
      assert.equal(err.retryAfterMs, 1000, 'the last error’s Retry-After');
      assert.match(err.message, /a: ProviderError 503; a: ProviderError 503; b: RateLimitError 429/);
      assert.equal(err.requestId, rec.events[0]!.requestId);
      assert.ok(err.errors.every((e) => e.requestId === err.requestId));
      assert.ok(!errorText(err).includes(TEST_KEY));
      assert.deepEqual(rec.types(), [
        'request.start',
        'request.route',
        'attempt.start',
        'attempt.end',
        'request.retry',
        'attempt.start',
        'attempt.end',
        'request.fallback',
        'attempt.start',
        'attempt.end',
        'request.end',
      ]);
      const end = ofType(rec.events, 'request.end')[0]!;
      assert.equal(end.errorType, 'NoProviderAvailableError');
      assert.equal(end.attempts, 3);
    });

    it('a single provider that fails throws its own error, not NoProviderAvailableError', async () => {
      const r = make({}, ['a']);
      failOn('a', { hang: true });
      await rejects(ask(r, { timeoutMs: 30 }), TimeoutError);
      // On a loaded machine the timed-out request can reach the server after the client gave up:
      // let it take the hang fault before the next fault is queued.
      await waitUntil(() => hits('a') > 0);
      server.clearFaults();
      failOn('a', { status: 500 });
      await rejects(ask(r), ProviderError);
    });

    it('routes a model to the providers that serve it, with aliases', async () => {
      const r = new LlmRouter({
        providers: [provider('a', { models: ['small'] }), provider('b', { models: { large: 'b-large-2025' } })],
        metricsEnabled: false,
      });
      routers.push(r);
      const res = await ask(r, { model: 'large' });
      assert.equal(res.provider, 'b');
      assert.equal((server.requests.filter((q) => q.path.startsWith(seg('b'))).at(-1)!.body as { model: string }).model, 'b-large-2025');
      assert.equal((await ask(r, { model: 'small' })).provider, 'a');
      const err = await rejects(ask(r, { model: 'huge' }), BadRequestError);
      assert.equal(err.field, 'model');
    });

    it('a defaultModel is served by name like the models listModels() lists, and an alias as defaultModel sends its model', async () => {
      const r = new LlmRouter({
        providers: [provider('a', { models: ['small'], defaultModel: 'a-default' }), provider('b', { models: { fast: 'b-fast-2025' }, defaultModel: 'fast' })],
        metricsEnabled: false,
      });
      routers.push(r);
      const sent = (name: string): string => (server.requests.filter((q) => q.path.startsWith(seg(name))).at(-1)!.body as { model: string }).model;
      assert.deepEqual(r.listModels().map((m) => m.id), ['a-default', 'small', 'fast']);
      for (const { id, provider: name } of r.listModels()) {
        const res = await ask(r, { model: id });
        assert.equal(res.provider, name, id);
      }
      assert.equal(sent('a'), 'small');
      assert.equal((await ask(r, { model: 'a-default' })).provider, 'a');
      assert.equal(sent('a'), 'a-default');
      assert.equal((await ask(r, { model: 'fast' })).provider, 'b');
      assert.equal(sent('b'), 'b-fast-2025');
      const only = new LlmRouter({ providers: [provider('b', { models: { fast: 'b-fast-2025' }, defaultModel: 'fast' })], metricsEnabled: false });
      routers.push(only);
      assert.equal((await ask(only)).provider, 'b');
      assert.equal(sent('b'), 'b-fast-2025', 'a request without a model is sent the alias target, not the alias');
    });
  });

  describe('a tool choice that forces a tool call', () => {
    const tool = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
    const forced = [
      ['required', 'required'],
      ['a named function', { type: 'function' as const, function: { name: 'get_weather' } }],
    ] as const;
    for (const [what, toolChoice] of forced) {
      it(`${what}: goes only to providers whose API can force it (not ollama, not zhipu), never weakened to auto`, async () => {
        const r = new LlmRouter({
          providers: [
            provider('a', { providerType: 'ollama', baseUrl: `${server.url}${seg('a')}`, apiKey: undefined }),
            provider('z', { providerType: 'zhipu', apiKey: 'id.secret-zhipu-test' }),
            provider('b'),
          ],
          circuitBreaker: false,
          metricsEnabled: false,
        });
        routers.push(r);
        const rec = recordEvents(r);
        const res = await ask(r, { tools: [tool], toolChoice });
        rec.stop();
        assert.equal(res.provider, 'b');
        assert.equal(res.choices[0]!.finishReason, 'tool_calls');
        assert.equal(hits('a') + hits('z'), 0);
        assert.deepEqual(
          ofType(rec.events, 'request.route')[0]!.candidates.map((c) => [c.provider, c.skipped]),
          [['b', null], ['a', 'model_not_served'], ['z', 'model_not_served']],
          'listed as not serving it, as providers without an embeddings API are for embeddings',
        );
        await ask(r, { tools: [tool], toolChoice: 'auto' });
        assert.equal(hits('a'), 1, 'auto goes to the first provider as before');
      });
    }

    it('no provider can force it: BadRequestError naming toolChoice and the providers, before any network call', async () => {
      const r = new LlmRouter({
        providers: [provider('a', { providerType: 'ollama', baseUrl: `${server.url}${seg('a')}`, apiKey: undefined }), provider('z', { providerType: 'zhipu', apiKey: 'id.secret-zhipu-test' })],
        circuitBreaker: false,
        metricsEnabled: false,
      });
      routers.push(r);
      for (const stream of [false, true]) {
        const error = await rejects(ask(r, { tools: [tool], toolChoice: 'required', stream }), BadRequestError);
        assert.equal(error.field, 'toolChoice');
        assert.match(error.message, /a \(ollama\), z \(zhipu\)/);
      }
      assert.equal(hits('a') + hits('z'), 0);
    });
  });

  describe('strategies', () => {
    it('round-robin rotates the first provider', async () => {
      const r = make({ strategy: 'round-robin' }, ['a', 'b', 'c']);
      const rec = recordEvents(r);
      const served: string[] = [];
      for (let i = 0; i < 6; i++) served.push((await ask(r)).provider);
      rec.stop();
      assert.deepEqual(served, ['a', 'b', 'c', 'a', 'b', 'c']);
      assert.deepEqual(
        ofType(rec.events, 'request.start')
          .slice(0, 3)
          .map((e) => e.candidates),
        [
          ['a', 'b', 'c'],
          ['b', 'c', 'a'],
          ['c', 'a', 'b'],
        ],
      );
    });

    it('round-robin still falls back in rotated order', async () => {
      const r = make({ strategy: 'round-robin' }, ['a', 'b', 'c']);
      await ask(r);
      failOn('b', { status: 503 });
      assert.equal((await ask(r)).provider, 'c');
    });

    it('weighted sends traffic in proportion to weight', async () => {
      const r = new LlmRouter({
        providers: [provider('a', { weight: 1 }), provider('b', { weight: 1_000_000 })],
        strategy: 'weighted',
        circuitBreaker: false,
        metricsEnabled: false,
      });
      routers.push(r);
      for (let i = 0; i < 20; i++) assert.equal((await ask(r)).provider, 'b');
      assert.equal(hits('a'), 0);
    });

    it('least-latency measures every provider, then prefers the fastest', async () => {
      const r = make({ strategy: 'least-latency' }, ['a', 'b']);
      const rec = recordEvents(r);
      failOn('a', { delayMs: 400 });
      assert.equal((await ask(r)).provider, 'a', 'both unmeasured: configured order');
      assert.equal((await ask(r)).provider, 'b', 'b not measured yet: goes first');
      assert.equal((await ask(r)).provider, 'b', 'b is faster');
      rec.stop();
      assert.deepEqual(ofType(rec.events, 'request.start').at(-1)!.candidates, ['b', 'a']);
      const status = r.getProviderStatus();
      assert.ok(status[0]!.latencyEwmaMs! > status[1]!.latencyEwmaMs!);
    });
  });

  describe('circuit breaker', () => {
    it('opens after N failures, skips the provider, probes after the cool-down, closes on success', async () => {
      let now = 1_000_000;
      const r = make({ circuitBreaker: { failureThreshold: 2, cooldownMs: 1_500 }, clock: () => now });
      const rec = recordEvents(r);
      failOn('a', { status: 503 }, Infinity);
      assert.equal((await ask(r)).provider, 'b');
      assert.equal(r.getProviderStatus()[0]!.state, 'closed');
      assert.equal((await ask(r)).provider, 'b');
      assert.equal(r.getProviderStatus()[0]!.state, 'open');
      const opened = ofType(rec.events, 'provider.state');
      assert.equal(opened.length, 1);
      assert.equal(opened[0]!.provider, 'a');
      assert.equal(opened[0]!.state, 'open');
      assert.equal(opened[0]!.previousState, 'closed');
      assert.match(opened[0]!.reason, /2 consecutive failures/);

      const before = hits('a');
      const n = rec.events.length;
      assert.equal((await ask(r)).provider, 'b');
      assert.equal(hits('a'), before, 'skipped while open');
      assert.deepEqual(
        ofType(rec.events.slice(n), 'attempt.start').map((e) => e.provider),
        ['b'],
      );

      server.clearFaults();
      now += 1_499;
      assert.equal((await ask(r)).provider, 'b', 'still cooling down by the router’s clock');
      assert.equal(hits('a'), before);
      now += 1;
      assert.equal((await ask(r)).provider, 'a', 'the probe goes through');
      rec.stop();
      assert.deepEqual(
        ofType(rec.events, 'provider.state').map((e) => [e.state, e.previousState]),
        [
          ['open', 'closed'],
          ['half_open', 'open'],
          ['closed', 'half_open'],
        ],
      );
      assert.equal(r.getProviderStatus()[0]!.state, 'closed');
    });

    it('a failed probe opens the circuit again', async () => {
      let now = 5_000;
      const r = make({ circuitBreaker: { failureThreshold: 1, cooldownMs: 200 }, clock: () => now });
      const rec = recordEvents(r);
      failOn('a', { status: 500 }, Infinity);
      await ask(r);
      now += 200;
      assert.equal((await ask(r)).provider, 'b');
      rec.stop();
      assert.deepEqual(
        ofType(rec.events, 'provider.state').map((e) => e.state),
        ['open', 'half_open', 'open'],
      );
      assert.deepEqual(
        ofType(rec.events, 'provider.state').map((e) => e.timestamp),
        [5_000, 5_200, 5_200],
        'events are stamped by the router’s clock',
      );
    });

    it('every provider open -> NoProviderAvailableError naming those with an open circuit and their last errors, without a call', async () => {
      const r = make({ circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 } }, ['a']);
      failOn('a', { status: 503 });
      await rejects(ask(r), ProviderError);
      const n = hits('a');
      const err = await rejects(ask(r), NoProviderAvailableError);
      assert.match(err.message, /a: circuit open/);
      assert.deepEqual(err.errors.map((e) => [e.provider, e.statusCode]), [['a', 503]], 'the candidate’s last error (issue 8 item 6)');
      assert.equal(hits('a'), n);
    });

    it('the caller’s own faults (400) do not open the circuit', async () => {
      const r = make({ circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 } }, ['a']);
      failOn('a', { status: 400 }, 3);
      for (let i = 0; i < 3; i++) await rejects(ask(r), BadRequestError);
      assert.equal(r.getProviderStatus()[0]!.state, 'closed');
    });
  });
});
