import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisStateStore, type SharedStateLogger } from '../../lib/shared-state/index.js';
import { freeLoopbackPort, startRedisServer, type RedisServer } from '../support/redis-server.js';

const T0 = 1_700_000_000_000;
const B = { name: 'b', windowMs: 60_000 };

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
before(() => {
  process.on('unhandledRejection', onUnhandled);
});
after(() => {
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
});

function recordingLogger(): SharedStateLogger & { warns: string[]; infos: string[] } {
  const warns: string[] = [];
  const infos: string[] = [];
  return { warns, infos, warn: (m) => warns.push(m), info: (m) => infos.push(m) };
}

/** Waits for the next connection attempts until one succeeds (each failed one resolves `ready()` with false). */
async function reconnected(store: RedisStateStore): Promise<void> {
  while (!(await store.ready())) {
    // ioredis retries in the background; each failed attempt ends one wait
  }
}

/** Lets ioredis fail `n` reconnect attempts. */
async function failedAttempts(store: RedisStateStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.equal(await store.ready(), false);
}

test('Redis killed mid-run: operations go on locally (grants made before count), one warn, then back to Redis at info', async () => {
  const server = await startRedisServer();
  const logger = recordingLogger();
  const store = new RedisStateStore({ redis: server.url, keyPrefix: 'out:', logger });
  const other = new RedisStateStore({ redis: server.url, keyPrefix: 'out:' });
  try {
    assert.equal(await store.ready(), true);
    for (let i = 0; i < 3; i++) assert.equal((await store.tryAcquire('p', { rpm: 5 }, 1, T0)).granted, true);
    await store.addSpend([B], 1, T0);
    await store.setCooldown('q', T0 + 10_000, T0);

    const inFlight = Array.from({ length: 20 }, (_, i) => store.tryAcquire('r', { rpm: 100 }, 1, T0 + i));
    await server.kill();
    const settled = await Promise.all(inFlight);
    assert.equal(settled.length, 20, 'every command in flight when Redis died was answered');

    assert.equal((await store.tryAcquire('p', { rpm: 5 }, 1, T0 + 1)).granted, true);
    assert.equal((await store.tryAcquire('p', { rpm: 5 }, 1, T0 + 1)).granted, true);
    const sixth = await store.tryAcquire('p', { rpm: 5 }, 1, T0 + 1);
    assert.equal(sixth.granted, false, 'the local mirror knew the 3 grants Redis made');
    assert.deepEqual(await store.addSpend([B], 2, T0 + 2), [3]);
    assert.equal(await store.cooldownUntil('q', T0 + 3), T0 + 10_000);
    const snap = await store.read(store.createQuery({ providers: ['p', 'q'], budgets: [B] }), T0 + 4);
    assert.equal(snap.providers[0]!.usage.requests, 5);
    assert.equal(snap.providers[1]!.cooldownUntil, T0 + 10_000);
    assert.deepEqual(snap.budgetSpend, [3]);
    assert.ok((await store.tryAcquireProbe('p', 1000, T0)) !== null);
    await store.recordOutcome({ spend: { budgets: [B], usd: 1 }, circuit: { provider: 'p', record: { state: 'open', until: T0 + 5_000 } } }, T0 + 5);
    assert.deepEqual(await store.circuit('p', T0 + 6), { state: 'open', until: T0 + 5_000 });
    assert.equal(store.online, false);

    await failedAttempts(store, 3);
    for (let i = 0; i < 50; i++) await store.tryAcquire('p', { rpm: 5 }, 1, T0 + 7);
    assert.equal(logger.warns.length, 1, logger.warns.join('\n'));
    assert.match(logger.warns[0]!, /unreachable.*local state/);
    assert.deepEqual(logger.infos, []);

    await server.restart();
    await reconnected(store);
    await reconnected(other);
    assert.equal(logger.infos.length, 1);
    assert.match(logger.infos[0]!, /reachable again/);
    assert.equal(store.online, true);
    assert.equal((await store.tryAcquire('fresh', { rpm: 1 }, 1, T0 + 8)).granted, true);
    assert.equal((await other.tryAcquire('fresh', { rpm: 1 }, 1, T0 + 8)).granted, false, 'state is shared again');
    assert.equal(logger.warns.length, 1);
  } finally {
    await store.close();
    await other.close();
    await server.stop();
  }
});

test('Redis unreachable at start: local state from the first call, one warn, no hang; shared once Redis comes up', async () => {
  const port = await freeLoopbackPort();
  const logger = recordingLogger();
  const store = new RedisStateStore({ redis: `redis://:s3cret-pw@127.0.0.1:${port}`, keyPrefix: 'late:', logger: { ...logger, warn: (m, f) => logger.warn(`${m} ${JSON.stringify(f)}`) } });
  let server: RedisServer | undefined;
  try {
    assert.equal((await store.tryAcquire('p', { rpm: 1 }, 1, T0)).granted, true);
    assert.equal((await store.tryAcquire('p', { rpm: 1 }, 1, T0)).granted, false);
    await failedAttempts(store, 2);
    assert.equal(logger.warns.length, 1);
    assert.doesNotMatch(logger.warns[0]!, /s3cret-pw/);
    assert.deepEqual(await store.spend([B], T0), [0]);

    server = await startRedisServer({ port, password: 's3cret-pw' });
    await reconnected(store);
    assert.equal(logger.infos.length, 1);
    assert.equal((await store.tryAcquire('p', { rpm: 1 }, 1, T0)).granted, true, 'Redis has its own (empty) window');
  } finally {
    await store.close();
    await server?.stop();
  }
});

test('an existing client (offline queue on, default retries) never queues our commands behind a dead connection', async () => {
  const server = await startRedisServer();
  const { Redis } = await import('ioredis');
  const client = new Redis(server.url);
  client.on('error', () => {});
  const store = new RedisStateStore({ redis: client, keyPrefix: 'ext:' });
  try {
    assert.equal(await store.ready(), true);
    assert.equal((await store.tryAcquire('p', { rpm: 2 }, 1, T0)).granted, true);
    const pending = store.tryAcquire('p', { rpm: 2 }, 1, T0);
    await server.kill();
    await pending;
    const local = await store.tryAcquire('p', { rpm: 2 }, 1, T0);
    assert.equal(typeof local.granted, 'boolean');
    assert.equal(store.online, false);
  } finally {
    await store.close();
    client.disconnect();
    await server.stop();
  }
});

test('a logger that throws never breaks an operation; close() during an outage resolves', async () => {
  const server = await startRedisServer();
  const store = new RedisStateStore({
    redis: server.url,
    logger: {
      warn: () => {
        throw new Error('logger down');
      },
    },
  });
  assert.equal(await store.ready(), true);
  await server.kill();
  assert.equal((await store.tryAcquire('p', {}, 1, T0)).granted, true);
  await store.close();
  assert.equal((await store.tryAcquire('p', {}, 1, T0)).granted, true, 'a closed store answers locally');
  await server.stop();
});

test('an object that is not an ioredis client: local state and one warn, no throw', async () => {
  const logger = recordingLogger();
  const store = new RedisStateStore({ redis: { hello: 'world' }, logger });
  assert.equal((await store.tryAcquire('p', { rpm: 1 }, 1, T0)).granted, true);
  assert.equal((await store.tryAcquire('p', { rpm: 1 }, 1, T0)).granted, false);
  assert.equal(store.online, false);
  assert.equal(logger.warns.length, 1);
  assert.match(logger.warns[0]!, /not an ioredis client/);
  assert.equal(await store.ready(), false);
  await store.close();
});
