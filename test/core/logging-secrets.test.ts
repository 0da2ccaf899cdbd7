import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Client, LlmRouter, MetricsCollector, type RouterEvent } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { capturingLogger, drain, errorText, TEST_KEY } from './core-test-kit.js';

const ZHIPU_SECRET = 'zhipuTopSecret0123456789';
const ZHIPU_KEY = `zid42.${ZHIPU_SECRET}`;

describe('logging', () => {
  let server: MockProviderServer;
  before(async () => {
    server = await MockProviderServer.start();
  });
  afterEach(() => server.reset());
  after(() => server.close());

  it('is silent by default: nothing is written to the console', async () => {
    const c = new Client({ providerType: 'openai', apiKey: TEST_KEY, baseUrl: `${server.url}/v1`, defaultModel: 'm', maxRetries: 0, metricsEnabled: false });
    const original = { log: console.log, debug: console.debug, info: console.info, warn: console.warn, error: console.error };
    const written: unknown[] = [];
    for (const k of Object.keys(original) as Array<keyof typeof original>) console[k] = (...a: unknown[]) => void written.push(a);
    try {
      server.enqueueFault({ status: 503 });
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined);
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
    } finally {
      Object.assign(console, original);
      await c.close();
    }
    assert.deepEqual(written, []);
  });

  it('logs each attempt at debug and each failure at warn, as structured fields', async () => {
    const logger = capturingLogger();
    const c = new Client({
      providerType: 'openai',
      name: 'primary',
      apiKey: TEST_KEY,
      baseUrl: `${server.url}/v1`,
      defaultModel: 'gpt-test',
      retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 5 },
      metricsEnabled: false,
      logger,
    });
    try {
      server.enqueueFault({ status: 503 });
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
    } finally {
      await c.close();
    }
    for (const e of logger.entries) {
      assert.equal(typeof e.args[0], 'object', 'pino style: fields first');
      assert.equal(typeof e.args[1], 'string', 'then the message');
    }
    const fields = (level: string) => logger.entries.filter((e) => e.level === level).map((e) => e.args[0] as Record<string, unknown>);
    const warn = fields('warn');
    assert.equal(warn.length, 1);
    assert.deepEqual(
      { provider: warn[0]!.provider, model: warn[0]!.model, attempt: warn[0]!.attempt, statusCode: warn[0]!.statusCode, errorType: warn[0]!.errorType },
      { provider: 'primary', model: 'gpt-test', attempt: 1, statusCode: 503, errorType: 'ProviderError' },
    );
    assert.equal(typeof warn[0]!.latencyMs, 'number');
    assert.match(String(warn[0]!.requestId), /^[0-9a-f-]{36}$/);
    const debug = fields('debug');
    const attempts = debug.filter((d) => d.latencyMs === undefined);
    assert.deepEqual(
      attempts.map((d) => [d.provider, d.model, d.attempt]),
      [
        ['primary', 'gpt-test', 1],
        ['primary', 'gpt-test', 2],
      ],
    );
    const success = debug.find((d) => d.latencyMs !== undefined)!;
    assert.deepEqual(
      { attempt: success.attempt, statusCode: success.statusCode, errorType: success.errorType, requestId: success.requestId },
      { attempt: 2, statusCode: 200, errorType: null, requestId: warn[0]!.requestId },
    );
    assert.ok(!logger.text().includes(TEST_KEY));
  });

  it('works with console-like loggers (methods called with the right this)', async () => {
    const lines: string[] = [];
    const logger = {
      prefix: 'app',
      debug(this: { prefix: string }, o: unknown, m: string) {
        lines.push(`${this.prefix} debug ${m}`);
      },
      info(this: { prefix: string }, o: unknown, m: string) {
        lines.push(`${this.prefix} info ${m}`);
      },
      warn(this: { prefix: string }, o: unknown, m: string) {
        lines.push(`${this.prefix} warn ${m}`);
      },
      error(this: { prefix: string }, o: unknown, m: string) {
        lines.push(`${this.prefix} error ${m}`);
      },
    };
    const c = new Client({ providerType: 'openai', apiKey: TEST_KEY, baseUrl: `${server.url}/v1`, defaultModel: 'm', metricsEnabled: false, logger });
    try {
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
    } finally {
      await c.close();
    }
    assert.ok(lines.length >= 2);
    assert.ok(lines.every((l) => l.startsWith('app ')));
  });
});

describe('secrets never leak', () => {
  let server: MockProviderServer;
  before(async () => {
    server = await MockProviderServer.start({ chunkCount: 4 });
  });
  after(() => server.close());

  it('no key in any error, event, log line or metric of a failing run', async () => {
    const logger = capturingLogger();
    const collector = new MetricsCollector();
    const events: RouterEvent[] = [];
    const errors: unknown[] = [];
    const router = new LlmRouter({
      providers: [
        { providerType: 'openai', name: 'oa', apiKey: TEST_KEY, baseUrl: `${server.url}/oa/v1`, defaultModel: 'gpt-test', maxRetries: 1 },
        { providerType: 'azure-openai', name: 'az', apiKey: TEST_KEY, baseUrl: server.url, deployment: 'dep', maxRetries: 0 },
        { providerType: 'zhipu', name: 'zp', apiKey: ZHIPU_KEY, baseUrl: `${server.url}/api/paas/v4`, defaultModel: 'glm-4', maxRetries: 0 },
      ],
      retry: { initialDelayMs: 1, maxDelayMs: 5 },
      circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
      metricsCollector: collector,
      logger,
    });
    const tokens: string[] = [];
    server.configure({
      authenticate: (key) => {
        if (key.split('.').length === 3) tokens.push(key);
        return true;
      },
    });
    router.events$.subscribe((e) => events.push(e));
    const ask = (extra: object = {}) =>
      router.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], ...extra }).catch((e: unknown) => void errors.push(e));
    const echo = (status: number, key = TEST_KEY) => ({ status, body: { error: { message: `bad key ${key} / Bearer ${key}` } } });
    try {
      server.enqueueFault(echo(401), { match: { path: '/oa/' } });
      await ask();
      server.enqueueFault(echo(500), { match: { path: '/oa/' }, times: 2 });
      server.enqueueFault(echo(503), { match: { path: '/openai/deployments/' } });
      server.enqueueFault(echo(429, ZHIPU_KEY), { match: { path: '/api/paas/' } });
      await ask();
      server.enqueueFault({ midStreamError: { message: `stream died for ${TEST_KEY}` } });
      try {
        await drain(await router.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true }));
      } catch (e) {
        errors.push(e);
      }
      server.enqueueFault({ reset: true }, { times: 10 });
      await ask();
      server.clearFaults();
      server.enqueueFault({ hang: true }, { times: 10 });
      await ask({ timeoutMs: 30 });
      server.clearFaults();
      await ask({ model: 'glm-4' });
      await router.embeddings.create({ input: 'x', model: 'glm-4' }).catch((e: unknown) => void errors.push(e));
    } finally {
      await router.close();
    }
    assert.ok(errors.length >= 5, `${errors.length} errors`);
    assert.ok(tokens.length > 0, 'zhipu sent its JWT');
    const everything = [
      ...errors.map((e) => errorText(e)),
      JSON.stringify(events),
      logger.text(),
      JSON.stringify(collector.getMetrics()),
      JSON.stringify(collector.getAggregatedMetrics()),
      await collector.exportMetricsPrometheus(),
    ].join('\n');
    assert.ok(everything.includes('ProviderError') && everything.includes('llm_router_requests_total'), 'the run produced output');
    for (const secret of [TEST_KEY, ZHIPU_KEY, ZHIPU_SECRET, ...new Set(tokens)]) {
      assert.ok(!everything.includes(secret), `found a secret: ${secret.slice(0, 6)}…`);
    }
  });
});
