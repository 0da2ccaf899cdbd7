import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConsoleLogger, Logger as NestLogger } from '@nestjs/common';
import { Client, LlmRouter, MetricsCollector, type LlmRouterOptions } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { drain, ofType, recordEvents, TEST_KEY } from './core-test-kit.js';

/** Resolves to 'hung' if `promise` has not settled within `ms` (a hang detector, not a timing assertion). */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<'settled' | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  return Promise.race([promise.then(() => 'settled' as const), hung]).finally(() => clearTimeout(timer));
}

describe('close() with streams still open', () => {
  let server: MockProviderServer;
  before(async () => {
    // The server keeps each stream open for a long time between chunks.
    server = await MockProviderServer.start({ chunkDelayMs: 30_000 });
  });
  after(() => server.close());

  const options = (collector: MetricsCollector): LlmRouterOptions => ({
    providers: [{ providerType: 'openai', name: 'p', apiKey: TEST_KEY, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', maxRetries: 0 }],
    metricsCollector: collector,
  });

  it('ends a stream handed out and never read, records it as abandoned, and resolves promptly', async () => {
    const collector = new MetricsCollector();
    const router = new LlmRouter(options(collector));
    const rec = recordEvents(router);
    const stream = await router.chat.completions.create({ messages: [{ role: 'user', content: 'never read' }], stream: true });
    assert.equal(router.getProviderStatus()[0]!.inFlight, 1);
    assert.equal(await settlesWithin(router.close(), 10_000), 'settled', 'close() does not wait for the unread stream');
    const end = ofType(rec.events, 'attempt.end');
    assert.equal(end.length, 1);
    assert.equal(end[0]!.abandoned, true);
    assert.equal(end[0]!.stream, true);
    assert.equal(ofType(rec.events, 'request.end').length, 1);
    assert.equal(router.getProviderStatus()[0]!.inFlight, 0);
    const records = collector.getMetrics();
    assert.equal(records.length, 1, 'the attempt is recorded once');
    assert.equal(records[0]!.stream, true);
    assert.doesNotMatch(await collector.exportMetricsPrometheus(), /llm_router_requests_in_flight\{provider="p"\} [1-9]/);
    assert.deepEqual(await drain(stream), [], 'reading it afterwards ends at once');
    collector.close();
  });

  it('ends a stream read part-way, keeping what it saw', async () => {
    const collector = new MetricsCollector();
    const router = new LlmRouter(options(collector));
    const rec = recordEvents(router);
    server.configure({ chunkDelayMs: 0 });
    const stream = await router.chat.completions.create({ messages: [{ role: 'user', content: 'a b c d e f' }], stream: true });
    server.configure({ chunkDelayMs: 30_000 });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    assert.equal(await settlesWithin(router.close(), 10_000), 'settled');
    const end = ofType(rec.events, 'attempt.end');
    assert.equal(end.length, 1);
    assert.equal(end[0]!.abandoned, true);
    assert.equal(typeof end[0]!.ttftMs, 'number');
    assert.equal(router.getProviderStatus()[0]!.inFlight, 0);
    collector.close();
  });
});

describe('loggers', () => {
  let server: MockProviderServer;
  before(async () => {
    server = await MockProviderServer.start();
  });
  after(() => server.close());

  const twoProviders = (logger: LlmRouterOptions['logger']): LlmRouterOptions => ({
    providers: ['a', 'b'].map((name) => ({ providerType: 'openai' as const, name, apiKey: TEST_KEY, baseUrl: `${server.url}/${name}/v1`, defaultModel: 'gpt-test', maxRetries: 0 })),
    metricsEnabled: false,
    circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 },
    logger,
  });

  it('a logger that throws at every level never breaks a request, a fallback or a circuit change', async () => {
    const boom = (): never => {
      throw new Error('logger down');
    };
    const router = new LlmRouter(twoProviders({ debug: boom, info: boom, warn: boom, error: boom }));
    router.events$.subscribe(() => {
      throw new Error('listener down too');
    });
    try {
      server.enqueueFault({ status: 503 }, { match: { path: '/a/' } });
      const res = await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.provider, 'b');
      assert.equal(router.getProviderStatus()[0]!.state, 'open');
      const stream = await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true });
      assert.ok((await drain(stream)).length > 0);
    } finally {
      await router.close();
    }
  });

  it('takes NestJS’s Logger (log for info, verbose and debug), pino-style and console-style loggers', async () => {
    const lines: Array<[string, unknown[]]> = [];
    class CapturingNestLogger extends ConsoleLogger {
      override log(...args: unknown[]): void {
        lines.push(['log', args]);
      }
      override warn(...args: unknown[]): void {
        lines.push(['warn', args]);
      }
      override error(...args: unknown[]): void {
        lines.push(['error', args]);
      }
      override debug(...args: unknown[]): void {
        lines.push(['debug', args]);
      }
      override verbose(...args: unknown[]): void {
        lines.push(['verbose', args]);
      }
    }
    // Type checks: Nest's own Logger class and its ConsoleLogger fit the option as they are.
    const plain: LlmRouterOptions['logger'] = new NestLogger('llm');
    void plain;
    const router = new LlmRouter(twoProviders(new CapturingNestLogger('llm')));
    try {
      server.enqueueFault({ status: 503 }, { match: { path: '/a/' } });
      assert.equal((await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] })).provider, 'b');
    } finally {
      await router.close();
    }
    const levels = new Set(lines.map(([level]) => level));
    assert.ok(levels.has('log'), 'the fallback is logged at info through log()');
    assert.ok(levels.has('warn'), 'the failed attempt at warn');
    assert.ok(levels.has('debug'), 'each attempt at debug');
    assert.ok(!JSON.stringify(lines).includes(TEST_KEY));

    const onlyLog: string[] = [];
    const client = new Client({
      providerType: 'openai',
      apiKey: TEST_KEY,
      baseUrl: `${server.url}/v1`,
      defaultModel: 'gpt-test',
      metricsEnabled: false,
      maxRetries: 0,
      logger: { log: (m: unknown) => onlyLog.push(String(m)), warn: () => {}, error: () => {}, verbose: (m: unknown) => onlyLog.push(`verbose:${typeof m}`) },
    });
    await client.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
    await client.close();
    assert.ok(onlyLog.some((l) => l.startsWith('verbose:')), 'debug falls back to verbose');
  });
});
