import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError, Client, LlmRouter, ProviderError, type ChatMessage, type LlmRouterOptions, type ProviderConfig } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { drain, errorText, ofType, recordEvents, rejects, TEST_KEY, useSuiteServer } from './core-test-kit.js';

describe('per-request options and what events carry', () => {
  let server: MockProviderServer;
  const routers: LlmRouter[] = [];
  let run = 0;
  const seg = (name: string): string => `/ro${run}-${name}/`;
  const provider = (name: string, extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
    providerType: 'openai',
    name,
    apiKey: TEST_KEY,
    baseUrl: `${server.url}${seg(name)}v1`,
    defaultModel: `model-${name}`,
    maxRetries: 0,
    retry: { initialDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });
  const make = (o: Partial<LlmRouterOptions> = {}, providers = [provider('a'), provider('b')]): LlmRouter => {
    const r = new LlmRouter({ providers, circuitBreaker: false, metricsEnabled: false, ...o });
    routers.push(r);
    return r;
  };
  const messages: ChatMessage[] = [{ role: 'user', content: 'hi' }];
  const hits = (name: string) => server.requests.filter((q) => q.path.startsWith(seg(name)));
  const failOn = (name: string, fault: Parameters<MockProviderServer['enqueueFault']>[0], times = 1) =>
    server.enqueueFault(fault, { times, match: { path: seg(name) } });

  useSuiteServer(routers, (s) => (server = s), () => run++);

  it('requestId is on the completion, the stream and every chunk, the same as in the events', async () => {
    const r = make();
    const rec = recordEvents(r);
    const res = await r.chat.completions.create({ messages });
    const stream = await r.chat.completions.create({ messages, stream: true });
    const chunks = await drain(stream);
    rec.stop();
    const [first, second] = ofType(rec.events, 'request.start');
    assert.equal(res.requestId, first!.requestId);
    assert.equal(stream.requestId, second!.requestId);
    assert.ok(chunks.length > 1);
    for (const c of chunks) assert.equal(c.requestId, second!.requestId);
  });

  it('metadata is carried on every event of its request, through a retry and a fallback', async () => {
    const r = make({}, [provider('a', { maxRetries: 1 }), provider('b')]);
    const rec = recordEvents(r);
    failOn('a', { status: 503 }, 2);
    const metadata = { team: 'search', feature: 'autocomplete' };
    await r.chat.completions.create({ messages, metadata });
    await drain(await r.chat.completions.create({ messages, stream: true, metadata }));
    rec.stop();
    const types = new Set(rec.events.map((e) => e.type));
    for (const t of ['request.start', 'attempt.start', 'attempt.end', 'request.retry', 'request.fallback', 'stream.first_chunk', 'request.end']) {
      assert.ok(types.has(t as never), t);
    }
    for (const e of rec.events) if (e.type !== 'provider.state') assert.deepEqual(e.metadata, metadata, e.type);
  });

  it('rejects bad metadata, maxRetries and headers before any call, without quoting a header value', async () => {
    const r = make();
    const n = server.requests.length;
    const bad: Array<[object, string]> = [
      [{ metadata: { team: 5 } }, 'metadata.team'],
      [{ metadata: 'team' }, 'metadata'],
      [{ maxRetries: -1 }, 'maxRetries'],
      [{ maxRetries: 1.5 }, 'maxRetries'],
      [{ headers: { 'x-a': 1 } }, 'headers.x-a'],
      [{ headers: { 'bad name': 'v' } }, 'headers'],
      [{ headers: { 'x-api-key': `${TEST_KEY}\r\nx-evil: 1` } }, 'headers.x-api-key'],
    ];
    for (const [extra, field] of bad) {
      const e = await rejects(r.chat.completions.create({ messages, ...extra } as never), BadRequestError);
      assert.equal(e.field, field);
      assert.ok(!errorText(e).includes(TEST_KEY));
      const emb = await rejects(r.embeddings.create({ input: 'x', ...extra } as never), BadRequestError);
      assert.equal(emb.field, field);
    }
    assert.equal(server.requests.length, n);
  });

  it('maxRetries per request overrides the provider’s, both ways', async () => {
    const r = make({}, [provider('a', { maxRetries: 0 })]);
    failOn('a', { status: 503 }, 2);
    assert.equal((await r.chat.completions.create({ messages, maxRetries: 2 })).provider, 'a');
    assert.equal(hits('a').length, 3);
    const r2 = make({}, [provider('c', { maxRetries: 3 })]);
    failOn('c', { status: 503 }, 5);
    await rejects(r2.chat.completions.create({ messages, maxRetries: 0 }), ProviderError);
    assert.equal(hits('c').length, 1);
  });

  it('headers per request reach the provider', async () => {
    const r = make();
    await r.chat.completions.create({ messages, headers: { 'x-team': 'search' } });
    assert.equal(hits('a').at(-1)!.headers['x-team'], 'search');
    await r.embeddings.create({ input: 'x', headers: { 'x-team': 'emb' } });
    assert.equal(hits('a').at(-1)!.headers['x-team'], 'emb');
  });

  it('attempt and request events carry provider type, server, rate limits, response, choices, cost and overhead', async () => {
    const r = make({ prices: { 'model-b': { inputPerMillion: 1_000_000, outputPerMillion: 2_000_000 } } });
    const rec = recordEvents(r);
    failOn('a', { status: 503 });
    failOn('b', { headers: { 'x-ratelimit-remaining-requests': '7', 'x-ratelimit-remaining-tokens': '900' }, delayMs: 200 });
    const res = await r.chat.completions.create({ messages });
    rec.stop();
    const start = ofType(rec.events, 'request.start')[0]!;
    assert.equal(start.messages, messages, 'a reference to the caller’s messages');
    const port = Number(new URL(server.url).port);
    for (const s of ofType(rec.events, 'attempt.start')) {
      assert.equal(s.providerType, 'openai');
      assert.equal(s.serverAddress, '127.0.0.1');
      assert.equal(s.serverPort, port);
    }
    const [failed, answered] = ofType(rec.events, 'attempt.end');
    assert.equal(failed!.providerType, 'openai');
    assert.equal(failed!.costUsd, null);
    assert.equal(answered!.responseId, res.id);
    assert.equal(answered!.responseModel, res.model);
    assert.equal(answered!.choices, res.choices);
    assert.deepEqual(answered!.rateLimit, { remainingRequests: 7, remainingTokens: 900 });
    assert.deepEqual(res.usage, { promptTokens: 1, completionTokens: 2, totalTokens: 3 });
    assert.equal(answered!.costUsd, 5, '1 prompt token at $1 each + 2 completion tokens at $2 each');
    const end = ofType(rec.events, 'request.end')[0]!;
    assert.equal(end.requestedModel, 'model-a', 'no model asked: the first candidate’s default');
    assert.equal(end.statusCode, null);
    assert.equal(end.costUsd, 5);
    assert.ok(end.overheadMs! >= 0);
    assert.ok(end.overheadMs! < 100, `the 200 ms the provider slept is not overhead (${end.overheadMs} ms)`);
    assert.ok(end.latencyMs >= 200);
  });

  it('a failed request ends with its status; unknown prices cost null; mock has no server', async () => {
    const r = make({}, [provider('a')]);
    const rec = recordEvents(r);
    failOn('a', { status: 503 });
    await rejects(r.chat.completions.create({ messages, model: 'asked-model' }), ProviderError);
    await r.chat.completions.create({ messages });
    rec.stop();
    const [failed, ok] = ofType(rec.events, 'request.end');
    assert.equal(failed!.statusCode, 503);
    assert.equal(failed!.requestedModel, 'asked-model');
    assert.equal(failed!.costUsd, null);
    assert.equal(ok!.costUsd, null, 'model-a has no known price');

    const mock = new Client({ providerType: 'mock', metricsEnabled: false });
    routers.push(mock);
    const mrec = recordEvents(mock);
    await mock.chat.completions.create({ messages });
    mrec.stop();
    const s = ofType(mrec.events, 'attempt.start')[0]!;
    assert.deepEqual([s.providerType, s.serverAddress, s.serverPort], ['mock', null, null]);
  });
});
