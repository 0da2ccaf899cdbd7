import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  AbortError,
  AuthenticationError,
  BadRequestError,
  Client,
  LlmRouterError,
  MetricsCollector,
  NetworkError,
  NotFoundError,
  PermissionDeniedError,
  ProviderError,
  RateLimitError,
  TimeoutError,
} from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { errorText, recordEvents, rejects, TEST_KEY } from './core-test-kit.js';
import { waitUntil } from '../support/wait-until.js';

describe('errors from a real server', () => {
  let server: MockProviderServer;
  let client: Client;
  // Each test talks to its own path, so that a request a previous test gave up on (still in flight to
  // the server) can never take this test's fault.
  let prefix = '';
  let run = 0;
  const ask = (extra: object = {}) => client.chat.completions.create({ messages: [{ role: 'user', content: 'hello' }], ...extra });
  const fault = (f: Parameters<MockProviderServer['enqueueFault']>[0], times = 1) =>
    server.enqueueFault(f, { times, match: { path: `${prefix}/` } });
  const requests = () => server.requests.filter((r) => r.path.startsWith(`${prefix}/`));
  const base = () => `${server.url}${prefix}/v1`;

  before(async () => {
    server = await MockProviderServer.start();
  });
  beforeEach(() => {
    prefix = `/t${++run}`;
    client = new Client({
      providerType: 'openai',
      name: 'primary',
      apiKey: TEST_KEY,
      baseUrl: base(),
      defaultModel: 'gpt-test',
      maxRetries: 0,
      circuitBreaker: false,
      metricsEnabled: false,
    });
  });
  afterEach(async () => {
    await client.close();
    server.clearFaults();
  });
  after(() => server.close());

  const statuses: Array<[number, new (...a: never[]) => LlmRouterError, string]> = [
    [400, BadRequestError, 'Invalid request.'],
    [401, AuthenticationError, 'Incorrect API key provided'],
    [403, PermissionDeniedError, 'You are not allowed to access this resource.'],
    [404, NotFoundError, 'The requested resource does not exist.'],
    [422, BadRequestError, 'The request could not be processed.'],
    [429, RateLimitError, 'Rate limit reached for requests per min'],
    [500, ProviderError, 'The server had an error while processing your request.'],
    [503, ProviderError, 'The engine is currently overloaded'],
  ];
  for (const [status, type, bodyMessage] of statuses) {
    it(`${status} -> ${type.name} with the body's message, status, provider and request id`, async () => {
      const rec = recordEvents(client);
      fault({ status });
      const err = await rejects(ask(), type);
      rec.stop();
      assert.equal(err.statusCode, status);
      assert.equal(err.provider, 'primary');
      assert.ok(err.message.startsWith(`primary (openai) answered ${status}: `), err.message);
      assert.ok(err.message.includes(bodyMessage), err.message);
      assert.ok(err instanceof LlmRouterError);
      assert.equal(err.requestId, rec.events[0]!.requestId);
      assert.ok(!errorText(err).includes(TEST_KEY));
      assert.equal(requests().length, 1, 'maxRetries 0: one attempt');
    });
  }

  it('a body that is not JSON is read as text', async () => {
    fault({ status: 502, body: '<html>Bad gateway from the proxy</html>' });
    const err = await rejects(ask(), ProviderError);
    assert.match(err.message, /answered 502: <html>Bad gateway from the proxy<\/html>/);
  });

  it('an echoed key in an error body is redacted', async () => {
    fault({ status: 401, body: { error: { message: `Incorrect API key provided: ${TEST_KEY}.` } } });
    const err = await rejects(ask(), AuthenticationError);
    assert.ok(!errorText(err).includes(TEST_KEY), err.message);
    assert.match(err.message, /Incorrect API key provided: .*REDACTED/);
  });

  it('Retry-After (seconds) and retry-after-ms become retryAfterMs', async () => {
    fault({ status: 429, headers: { 'retry-after': '2' } });
    assert.equal((await rejects(ask(), RateLimitError)).retryAfterMs, 2000);
    fault({ status: 429, headers: { 'retry-after-ms': '1500', 'retry-after': '2' } });
    assert.equal((await rejects(ask(), RateLimitError)).retryAfterMs, 1500);
    fault({ status: 503, headers: { 'retry-after': '1' } });
    assert.equal((await rejects(ask(), ProviderError)).retryAfterMs, 1000);
    fault({ status: 429 });
    assert.equal((await rejects(ask(), RateLimitError)).retryAfterMs, undefined);
  });

  it('malformed JSON in a 200 answer -> ProviderError', async () => {
    fault({ malformedJson: true });
    const err = await rejects(ask(), ProviderError);
    assert.equal(err.statusCode, 200);
    assert.match(err.message, /malformed JSON/);
  });

  it('a connection reset -> NetworkError', async () => {
    fault({ reset: true });
    const err = await rejects(ask(), NetworkError);
    assert.equal(err.provider, 'primary');
    assert.equal(err.statusCode, undefined);
    assert.ok(err.cause !== undefined);
    const ok = await ask();
    assert.equal(ok.choices[0]!.message.content, 'Echo: hello', 'the next request works');
  });

  it('a refused connection -> NetworkError', async () => {
    const closed = await MockProviderServer.start();
    const url = closed.url;
    await closed.close();
    const c = new Client({ providerType: 'openai', apiKey: TEST_KEY, baseUrl: `${url}/v1`, defaultModel: 'm', maxRetries: 0, metricsEnabled: false });
    try {
      const err = await rejects(c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), NetworkError);
      assert.match(err.message, /could not be reached/);
    } finally {
      await c.close();
    }
  });

  it('timeoutMs -> TimeoutError, and the server side is left', async () => {
    fault({ delayMs: 5_000 });
    const err = await rejects(ask({ timeoutMs: 50 }), TimeoutError);
    assert.match(err.message, /did not answer within 50 ms/);
    assert.equal(err.provider, 'primary');
    // A timed-out request can reach the server after the client gave up: let it take its own fault
    // before the next one is queued.
    await waitUntil(() => requests().length >= 1);
    server.clearFaults();
    fault({ hang: true });
    await rejects(ask({ timeoutMs: 30 }), TimeoutError);
    await waitUntil(() => requests().length >= 2);
    server.clearFaults();
    assert.equal((await ask()).choices[0]!.message.content, 'Echo: hello');
  });

  it('the provider timeoutMs applies when the request sets none', async () => {
    const c = new Client({
      providerType: 'openai',
      apiKey: TEST_KEY,
      baseUrl: base(),
      defaultModel: 'm',
      timeoutMs: 40,
      maxRetries: 0,
      metricsEnabled: false,
    });
    try {
      fault({ hang: true });
      await rejects(c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), TimeoutError);
    } finally {
      await c.close();
    }
  });

  it('the caller’s signal -> AbortError (already aborted, and while waiting)', async () => {
    const rec = recordEvents(client);
    const aborted = await rejects(ask({ signal: AbortSignal.abort() }), AbortError);
    assert.equal(aborted.provider, 'primary');
    fault({ hang: true });
    const controller = new AbortController();
    const pending = ask({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const err = await rejects(pending, AbortError);
    assert.match(err.message, /aborted by the caller/);
    rec.stop();
    const ends = rec.events.filter((e) => e.type === 'request.end');
    assert.equal(ends.length, 2);
    assert.ok(ends.every((e) => e.type === 'request.end' && !e.success && e.errorType === 'AbortError'));
  });

  it('a signal aborted before the call: AbortError with no attempt, so the provider is not counted a failed request it never got', async () => {
    const collector = new MetricsCollector();
    const c = new Client({ providerType: 'openai', name: 'primary', apiKey: TEST_KEY, baseUrl: base(), defaultModel: 'gpt-test', metricsCollector: collector });
    try {
      const rec = recordEvents(c);
      for (const stream of [false, true]) {
        const error = await rejects(c.chat.completions.create({ messages: [{ role: 'user', content: 'hello' }], signal: AbortSignal.abort(), stream }), AbortError);
        assert.equal(error.provider, 'primary');
      }
      await rejects(c.embeddings.create({ input: 'x', signal: AbortSignal.abort() }), AbortError);
      rec.stop();
      assert.deepEqual(rec.types(), Array(3).fill(['request.start', 'request.route', 'request.end']).flat());
      assert.equal(requests().length, 0);
      assert.deepEqual(collector.getAggregatedMetrics(), [], 'no attempt recorded');
      const routed = (await collector.exportMetricsPrometheus()).split('\n').filter((l) => l.startsWith('llm_router_routed_requests_total{'));
      assert.deepEqual(routed, ['llm_router_routed_requests_total{model="gpt-test",provider="none",outcome="AbortError"} 3'], 'the caller saw three AbortErrors');
    } finally {
      await c.close();
    }
  });

  it('one caller signal shared by many requests (a connection’s, as the sample app passes it) holds no listener once they end', async () => {
    const c = new Client({
      providerType: 'openai',
      apiKey: TEST_KEY,
      baseUrl: base(),
      defaultModel: 'm',
      retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1 },
      circuitBreaker: false,
      metricsEnabled: false,
    });
    try {
      const controller = new AbortController();
      const { signal } = controller;
      const asks: Promise<unknown>[] = [];
      for (let i = 0; i < 50; i++) asks.push(c.chat.completions.create({ messages: [{ role: 'user', content: `x${i}` }], signal }));
      for (let i = 0; i < 10; i++) {
        const stream = await c.chat.completions.create({ messages: [{ role: 'user', content: `s${i}` }], stream: true, signal });
        for await (const _chunk of stream) void _chunk;
      }
      await Promise.all(asks);
      fault({ status: 503 }, 2);
      await rejects(c.chat.completions.create({ messages: [{ role: 'user', content: 'retried' }], signal }), ProviderError);
      assert.equal(getEventListeners(signal, 'abort').length, 0);
      fault({ hang: true });
      const pending = c.chat.completions.create({ messages: [{ role: 'user', content: 'hangs' }], signal });
      await waitUntil(() => getEventListeners(signal, 'abort').length > 0);
      controller.abort();
      await rejects(pending, AbortError);
      assert.equal(getEventListeners(signal, 'abort').length, 0);
    } finally {
      await c.close();
    }
  });

  it('an abort during the retry back-off -> AbortError without another attempt', async () => {
    const c = new Client({
      providerType: 'openai',
      apiKey: TEST_KEY,
      baseUrl: base(),
      defaultModel: 'm',
      retry: { maxRetries: 3, initialDelayMs: 10_000, maxDelayMs: 10_000 },
      circuitBreaker: false,
      metricsEnabled: false,
    });
    try {
      fault({ status: 503 });
      const controller = new AbortController();
      c.once('request.retry', () => controller.abort());
      await rejects(c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal }), AbortError);
      assert.equal(requests().length, 1);
    } finally {
      await c.close();
    }
  });
});
