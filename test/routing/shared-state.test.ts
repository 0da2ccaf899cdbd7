import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { BudgetExceededError, type LlmRouter, type LlmRouterOptions } from '../../lib/index.js';
import { RedisStateStore } from '../../lib/shared-state/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { capturingLogger, rejects } from '../core/core-test-kit.js';
import { connectedRedis, waitUntil } from './redis-test-kit.js';
import { ask, plan, routes, RoutingBed } from './routing-test-kit.js';

const prices = { 'model-a': { inputPerMillion: 1e6, outputPerMillion: 0 } };

describe('sharedState over a real redis-server: two routers, one state', () => {
  let server: MockProviderServer;
  let redis: RedisServer;
  let bed: RoutingBed;
  let prefix: string;
  const clients: Redis[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await MockProviderServer.start();
    redis = await startRedisServer();
    bed = new RoutingBed(server);
  });
  beforeEach(() => {
    bed.next();
    prefix = `t${Math.random().toString(36).slice(2)}:`;
  });
  after(async () => {
    await bed.close();
    for (const c of clients) c.disconnect();
    await server.close();
    await redis.stop();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
  });

  /** Two routers over the same providers (same names), each with its own connection to the same Redis and prefix. */
  async function pair(names: Array<string | Parameters<RoutingBed['provider']>>, options: Partial<LlmRouterOptions> = {}): Promise<[LlmRouter, LlmRouter]> {
    const make = async () => {
      const client = await connectedRedis(redis.url);
      clients.push(client);
      return bed.router(
        names.map((n) => (typeof n === 'string' ? n : bed.provider(...n))),
        { ...options, sharedState: { redis: client, keyPrefix: prefix, commandTimeoutMs: 5_000 } },
      );
    };
    return [await make(), await make()];
  }

  it('rpm counts are shared: what one router sent counts against the other', async () => {
    const [r1, r2] = await pair([['a', { rpm: 3 }], 'b']);
    assert.equal((await ask(r1)).provider, 'a');
    assert.equal((await ask(r1)).provider, 'a');
    assert.equal((await ask(r2)).provider, 'a');
    const seen = await routes(r2, async () => assert.equal((await ask(r2)).provider, 'b'));
    assert.deepEqual(plan(seen[0]!), ['a:rate_limited', 'b']);
    assert.equal((await ask(r1)).provider, 'b');
    bed.clock.advance(60_000);
    assert.equal((await ask(r2)).provider, 'a', 'the shared window follows the router clock');
    assert.equal(bed.hits('a'), 4);
  });

  it('routers given a Redis URL share the rpm from their first requests, while they are still connecting', async () => {
    // Three routers just created (their connections still being made) take 60 requests at once: the
    // first requests wait for the connection instead of counting locally (3 x rpm).
    const routers = [0, 1, 2].map(() => bed.router([bed.provider('a', { rpm: 10 }), 'b'], { sharedState: { redis: redis.url, keyPrefix: prefix } }));
    const served = await Promise.all(Array.from({ length: 60 }, async (_, i) => (await ask(routers[i % 3]!)).provider));
    assert.equal(served.filter((p) => p === 'a').length, 10);
    assert.equal(bed.hits('a'), 10);
  });

  it('a cool-down set by one router is honoured by the other on its next request', async () => {
    const [r1, r2] = await pair(['a', 'b']);
    bed.fail('a', { status: 429, headers: { 'retry-after': '5' } });
    assert.equal((await ask(r1)).provider, 'b');
    const observer = new RedisStateStore({ redis: redis.url, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    try {
      await observer.ready();
      await waitUntil(async () => (await observer.cooldownUntil('a', bed.clock.now)) > 0, 'the cool-down in Redis');
    } finally {
      await observer.close();
    }
    const seen = await routes(r2, async () => assert.equal((await ask(r2)).provider, 'b'));
    assert.deepEqual(plan(seen[0]!), ['a:cooling_down', 'b']);
    assert.equal(r2.getProviderStatus()[0]!.cooldownUntil, bed.clock.now + 5000);
    bed.clock.advance(5000);
    assert.equal((await ask(r2)).provider, 'a');
  });

  it('a circuit opened by one router is skipped by the other until its cool-down ends', async () => {
    const [r1, r2] = await pair(['a', 'b'], { circuitBreaker: { failureThreshold: 1, cooldownMs: 10_000 } });
    bed.fail('a', { status: 500 });
    assert.equal((await ask(r1)).provider, 'b');
    assert.equal(r1.getProviderStatus()[0]!.state, 'open');
    const observer = new RedisStateStore({ redis: redis.url, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    try {
      await observer.ready();
      await waitUntil(async () => (await observer.circuit('a', bed.clock.now)).state === 'open', 'the open circuit in Redis');
    } finally {
      await observer.close();
    }
    const n = bed.hits('a');
    const seen = await routes(r2, async () => assert.equal((await ask(r2)).provider, 'b'));
    assert.deepEqual(plan(seen[0]!), ['a:circuit_open', 'b']);
    assert.equal(bed.hits('a'), n);
    bed.clock.advance(10_000);
    assert.equal((await ask(r2)).provider, 'a', 'the cool-down is over: a is tried again');
  });

  it('a budget spent through one router stops the other before any call', async () => {
    const [r1, r2] = await pair(['a'], { prices, budgets: [{ name: 'team', limitUsd: 1, windowMs: 3_600_000 }] });
    await ask(r1);
    const observer = new RedisStateStore({ redis: redis.url, keyPrefix: prefix, commandTimeoutMs: 5_000 });
    try {
      await observer.ready();
      await waitUntil(async () => (await observer.spend([{ name: 'team', windowMs: 3_600_000 }], bed.clock.now))[0]! >= 1, 'the spend in Redis');
    } finally {
      await observer.close();
    }
    const n = bed.hits('a');
    const err = await rejects(ask(r2), BudgetExceededError);
    assert.equal(err.budget, 'team');
    assert.equal(bed.hits('a'), n);
    assert.ok(r2.getBudgetStatus()[0]!.spentUsd >= 1, 'r2 reports the shared spend');
  });

  it('a Redis URL works too; Redis unreachable: routing goes on locally, one warn line, no crash', async () => {
    const dead = await startRedisServer();
    const logger = capturingLogger();
    const r = bed.router([bed.provider('a', { rpm: 2 }), 'b'], { sharedState: { redis: dead.url, keyPrefix: prefix }, logger });
    const observer = new RedisStateStore({ redis: dead.url, keyPrefix: prefix });
    try {
      await observer.ready();
      await waitUntil(async () => {
        await ask(r);
        return (await observer.usage('a', bed.clock.now)).requests > 0;
      }, 'the router’s first grant in Redis');
      await observer.close();
      bed.clock.advance(60_000);
      const warnedBefore = logger.entries.length;
      await dead.kill();
      const served: string[] = [];
      for (let i = 0; i < 4; i++) served.push((await ask(r)).provider);
      assert.deepEqual(served, ['a', 'a', 'b', 'b'], 'the rpm is kept locally');
      const warns = logger.entries.slice(warnedBefore).filter((e) => e.level === 'warn' && JSON.stringify(e.args).includes('Redis shared state is unreachable'));
      assert.equal(warns.length, 1, JSON.stringify(warns));
    } finally {
      await observer.close();
      await dead.stop();
    }
  });
});
