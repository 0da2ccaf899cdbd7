import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filter, map } from 'rxjs';
import { LlmRouter, type RouterEvent } from '../../lib/index.js';
import { useMockProviderServer } from '../support/provider-test-kit.js';
import { capturingLogger, drain, ofType, openAiOptions, recordEvents, streamText, TEST_KEY } from './core-test-kit.js';

describe('router events', () => {
  const bed = useMockProviderServer((server) => openAiOptions(server, { retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 5 } }));
  const client = bed.client;
  const ask = (c: LlmRouter) => c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });

  it('a non-streamed request: start, attempt, end, each with requestId and timestamp', async () => {
    const c = client();
    const rec = recordEvents(c);
    const t0 = Date.now();
    await ask(c);
    rec.stop();
    assert.deepEqual(rec.types(), ['request.start', 'request.route', 'attempt.start', 'attempt.end', 'request.end']);
    const id = rec.events[0]!.requestId;
    assert.match(id, /^[0-9a-f-]{36}$/);
    for (const e of rec.events) {
      assert.equal(e.requestId, id);
      assert.ok(e.timestamp >= t0 && e.timestamp <= Date.now());
    }
    const start = ofType(rec.events, 'request.start')[0]!;
    assert.deepEqual(
      { operation: start.operation, model: start.model, stream: start.stream, candidates: start.candidates },
      { operation: 'chat', model: null, stream: false, candidates: ['openai'] },
    );
    const end = ofType(rec.events, 'attempt.end')[0]!;
    assert.equal(end.provider, 'openai');
    assert.equal(end.model, 'gpt-test');
    assert.equal(end.attempt, 1);
    assert.equal(end.success, true);
    assert.equal(end.statusCode, 200);
    assert.equal(end.errorType, null);
    assert.equal(end.stream, false);
    assert.equal(end.ttftMs, null);
    assert.equal(end.finishReason, 'stop');
    assert.equal(end.abandoned, false);
    assert.ok(end.latencyMs > 0);
    assert.deepEqual(end.usage, { promptTokens: 1, completionTokens: 2, totalTokens: 3 });
  });

  it('embeddings requests have their own operation', async () => {
    const c = client();
    const rec = recordEvents(c);
    await c.embeddings.create({ input: ['a b c'] });
    rec.stop();
    assert.deepEqual(rec.types(), ['request.start', 'request.route', 'attempt.start', 'attempt.end', 'request.end']);
    assert.ok(rec.events.every((e) => !('operation' in e) || e.operation === 'embeddings'));
    assert.deepEqual(ofType(rec.events, 'attempt.end')[0]!.usage, { promptTokens: 3, completionTokens: 0, totalTokens: 3 });
  });

  it('events$ is hot and shared: every subscriber gets the same objects', async () => {
    const c = client();
    const a: RouterEvent[] = [];
    const b: RouterEvent[] = [];
    const s1 = c.events$.subscribe((e) => a.push(e));
    const s2 = c.events$.subscribe((e) => b.push(e));
    await ask(c);
    s1.unsubscribe();
    await ask(c);
    s2.unsubscribe();
    assert.equal(a.length, 5);
    assert.equal(b.length, 10);
    a.forEach((e, i) => assert.equal(e, b[i]));
  });

  it('a throwing subscriber (events$, piped events$, on, once) breaks neither the request nor the others, nor the process', async () => {
    const logger = capturingLogger();
    const c = client({ logger });
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const seen: string[] = [];
      c.events$.subscribe(() => {
        throw new Error('boom in events$');
      });
      c.events$.pipe(filter((e) => e.type === 'attempt.end')).subscribe(() => {
        throw new Error('boom in a piped subscriber');
      });
      c.events$.pipe(map(() => {
        throw new Error('boom in an operator');
      })).subscribe();
      c.on('attempt.end', () => {
        throw new Error('boom in on()');
      });
      c.once('request.start', () => {
        throw new Error('boom in once()');
      });
      const sub = c.events$.subscribe((e) => seen.push(`rx:${e.type}`));
      c.on('request.end', (e) => seen.push(`on:${e.type}`));

      const res = await ask(c);
      assert.equal(res.choices[0]!.message.content, 'Echo: hi');
      const stream = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true });
      await drain(stream);
      await new Promise((r) => setTimeout(r, 20));
      sub.unsubscribe();

      assert.deepEqual(seen.slice(0, 6), ['rx:request.start', 'rx:request.route', 'rx:attempt.start', 'rx:attempt.end', 'rx:request.end', 'on:request.end']);
      assert.ok(seen.includes('rx:stream.first_chunk'));
      assert.equal(seen.filter((s) => s === 'on:request.end').length, 2);
      assert.deepEqual(uncaught, []);
      const warnings = logger.entries.filter((e) => e.level === 'warn').map((e) => JSON.stringify(e.args));
      for (const m of ['boom in events$', 'boom in a piped subscriber', 'boom in an operator', 'boom in on()', 'boom in once()']) {
        assert.ok(warnings.some((w) => w.includes(m)), `the logger heard about "${m}"`);
      }
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('once fires once; off removes; on/once/off chain', async () => {
    const c = client();
    const calls: string[] = [];
    const once = (e: RouterEvent): void => void calls.push(`once:${e.type}`);
    const always = (e: RouterEvent): void => void calls.push(`on:${e.type}`);
    assert.equal(c.once('request.end', once).on('request.end', always).on('request.end', always), c);
    await ask(c);
    await ask(c);
    assert.deepEqual(calls, ['once:request.end', 'on:request.end', 'on:request.end'], 'registering the same listener twice calls it once');
    assert.equal(c.off('request.end', always), c);
    await ask(c);
    assert.equal(calls.length, 3);
    const removed = (): void => void calls.push('never');
    c.once('request.start', removed).off('request.start', removed);
    await ask(c);
    assert.equal(calls.length, 3);
  });

  it('with nobody listening every path still works, and a later subscriber or listener sees only later requests', async () => {
    let c: LlmRouter | undefined;
    try {
      c = new LlmRouter({
        providers: ['a', 'b'].map((name) => ({
          providerType: 'openai' as const,
          name,
          apiKey: TEST_KEY,
          baseUrl: `${bed.server.url}/${name}/v1`,
          defaultModel: 'gpt-test',
          retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 5 },
        })),
        circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
        metricsEnabled: false,
      });
      bed.server.enqueueFault({ status: 503 }, { match: { path: '/a/' }, times: 2 });
      assert.equal((await ask(c)).provider, 'b');
      assert.equal(c.getProviderStatus()[0]!.state, 'open');
      assert.equal(bed.server.requests.length, 3, 'a failed, was retried, failed and opened; b answered');
      assert.equal(streamText(await drain(await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true }))), 'Echo: hi');
      assert.equal((await c.embeddings.create({ input: 'x' })).data.length, 1);

      const seen: string[] = [];
      const sub = c.events$.subscribe((e) => seen.push(`rx:${e.type}`));
      await ask(c);
      assert.deepEqual(seen, ['rx:request.start', 'rx:request.route', 'rx:attempt.start', 'rx:attempt.end', 'rx:request.end'], 'nothing from the earlier requests');
      sub.unsubscribe();
      const listener = (e: RouterEvent): void => void seen.push(`on:${e.type}`);
      c.on('request.end', listener);
      await ask(c);
      assert.deepEqual(seen.slice(5), ['on:request.end']);
      c.off('request.end', listener);
      await ask(c);
      assert.equal(seen.length, 6, 'nothing after off()');
    } finally {
      await c?.close();
    }
  });

  it('event timestamps come from the clock option', async () => {
    const c = client({ clock: () => 42_000 });
    const rec = recordEvents(c);
    await ask(c);
    await drain(await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true }));
    rec.stop();
    assert.equal(rec.events.length, 11);
    assert.deepEqual(new Set(rec.events.map((e) => e.timestamp)), new Set([42_000]));
  });

  it('close() completes events$ and drops listeners', async () => {
    const c = client();
    let completed = false;
    c.events$.subscribe({ complete: () => (completed = true) });
    await c.close();
    assert.equal(completed, true);
  });
});
