import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LocalStateStore, RATE_WINDOW_MS, RedisStateStore, rateHeadroom, type RouterStateStore } from '../../lib/shared-state/index.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

/** Every case runs against both stores with the same fake clock values: the semantics are the same. */
const T0 = 1_700_000_000_000;
const B1 = { name: 'daily', windowMs: 60_000 };
const B2 = { name: 'team', windowMs: 600_000 };

type Case = (store: RouterStateStore) => Promise<void>;

const cases: Record<string, Case> = {
  'rpm: grants up to the limit in the window, refuses the next, frees a slot when the oldest leaves': async (s) => {
    for (let i = 0; i < 3; i++) assert.equal((await s.tryAcquire('p', { rpm: 3 }, 0, T0 + i)).granted, true);
    const refused = await s.tryAcquire('p', { rpm: 3 }, 0, T0 + 10);
    assert.deepEqual({ ...refused }, { granted: false, refusedBy: 'rpm', requests: 3, tokens: 0, retryAt: T0 + RATE_WINDOW_MS, reservation: null });
    assert.equal((await s.tryAcquire('p', { rpm: 3 }, 0, T0 + RATE_WINDOW_MS - 1)).granted, false);
    const freed = await s.tryAcquire('p', { rpm: 3 }, 0, T0 + RATE_WINDOW_MS);
    assert.equal(freed.granted, true);
    assert.equal(freed.requests, 3);
    assert.equal((await s.tryAcquire('p', { rpm: 3 }, 0, T0 + RATE_WINDOW_MS)).granted, false);
    assert.equal((await s.tryAcquire('p', { rpm: 3 }, 0, T0 + RATE_WINDOW_MS + 2)).granted, true);
  },
  'rpm: providers have separate windows; a refused request is not counted': async (s) => {
    assert.equal((await s.tryAcquire('a', { rpm: 1 }, 0, T0)).granted, true);
    assert.equal((await s.tryAcquire('a', { rpm: 1 }, 0, T0)).granted, false);
    assert.equal((await s.tryAcquire('b', { rpm: 1 }, 0, T0)).granted, true);
    assert.deepEqual(await s.usage('a', T0), { requests: 1, tokens: 0, oldestAt: T0 });
  },
  'tpm: the estimate is reserved, settle corrects it by the difference, release takes it back': async (s) => {
    const first = await s.tryAcquire('p', { tpm: 100 }, 60, T0);
    assert.equal(first.granted, true);
    assert.equal(first.reservation!.tokens, 60);
    assert.deepEqual(JSON.parse(JSON.stringify(first.reservation)), { id: first.reservation!.id, provider: 'p', at: T0, tokens: 60, ...(s.kind === 'local' ? { live: true } : {}) });
    const tooMany = await s.tryAcquire('p', { tpm: 100 }, 50, T0 + 1);
    assert.equal(tooMany.refusedBy, 'tpm');
    assert.equal(tooMany.tokens, 60);
    await s.settle(first.reservation!, 30, T0 + 2);
    assert.equal(first.reservation!.tokens, 30);
    const second = await s.tryAcquire('p', { tpm: 100 }, 50, T0 + 3);
    assert.equal(second.granted, true);
    assert.equal(second.tokens, 80);
    await s.settle(second.reservation!, 90, T0 + 4);
    assert.deepEqual(await s.usage('p', T0 + 5), { requests: 2, tokens: 120, oldestAt: T0 });
    assert.equal((await s.tryAcquire('p', { tpm: 100 }, 1, T0 + 6)).granted, false);
    await s.release(first.reservation!, T0 + 7);
    assert.deepEqual(await s.usage('p', T0 + 8), { requests: 1, tokens: 90, oldestAt: T0 + 3 });
    assert.equal((await s.tryAcquire('p', { tpm: 100 }, 10, T0 + 9)).granted, true);
  },
  'tpm: settling after the reservation left the window changes nothing': async (s) => {
    const r = (await s.tryAcquire('p', { tpm: 100 }, 10, T0)).reservation!;
    assert.equal((await s.tryAcquire('p', { tpm: 100 }, 10, T0 + RATE_WINDOW_MS)).granted, true);
    await s.settle(r, 500, T0 + RATE_WINDOW_MS + 1);
    assert.deepEqual(await s.usage('p', T0 + RATE_WINDOW_MS + 2), { requests: 1, tokens: 10, oldestAt: T0 + RATE_WINDOW_MS });
  },
  'rpm and tpm together: a request refused by tpm takes no rpm slot; one larger than the limit never fits': async (s) => {
    const limits = { rpm: 2, tpm: 100 };
    assert.equal((await s.tryAcquire('p', limits, 90, T0)).granted, true);
    assert.equal((await s.tryAcquire('p', limits, 20, T0)).refusedBy, 'tpm');
    assert.equal((await s.tryAcquire('p', limits, 10, T0)).granted, true);
    assert.equal((await s.tryAcquire('p', limits, 0, T0)).refusedBy, 'rpm');
    const huge = await s.tryAcquire('q', { tpm: 100 }, 101, T0);
    assert.equal(huge.granted, false);
    assert.equal(huge.retryAt, Infinity);
  },
  'usage and headroom for the usage-based strategy': async (s) => {
    await s.tryAcquire('p', { rpm: 10, tpm: 1000 }, 500, T0);
    await s.tryAcquire('p', { rpm: 10, tpm: 1000 }, 100, T0 + 1000);
    const u = await s.usage('p', T0 + 2000);
    assert.deepEqual(u, { requests: 2, tokens: 600, oldestAt: T0 });
    assert.equal(rateHeadroom(u, { rpm: 10, tpm: 1000 }), 0.4);
    assert.equal(rateHeadroom(u, {}), 1);
    assert.deepEqual(await s.usage('p', T0 + RATE_WINDOW_MS + 500), { requests: 1, tokens: 100, oldestAt: T0 + 1000 });
    assert.deepEqual(await s.usage('never-used', T0), { requests: 0, tokens: 0, oldestAt: null });
  },
  'budgets: spend rolls with the clock in buckets of window/60; several budgets at once': async (s) => {
    // B1: window 60 s, buckets of 1 s
    assert.deepEqual(await s.addSpend([B1, B2], 1.25, T0), [1.25, 1.25]);
    assert.deepEqual(await s.addSpend([B1, B2], 2, T0 + 30_000), [3.25, 3.25]);
    assert.deepEqual(await s.spend([B1, B2, { name: 'other', windowMs: 60_000 }], T0 + 59_999), [3.25, 3.25, 0]);
    assert.deepEqual(await s.spend([B1], T0 + 60_000), [2]);
    assert.deepEqual(await s.spend([B1, B2], T0 + 90_000), [0, 3.25]);
    assert.deepEqual(await s.spend([B2], T0 + 600_000), [2]);
    assert.deepEqual(await s.addSpend([B1, B2], 0.5, T0 + 600_001), [0.5, 2.5]);
    assert.deepEqual(await s.spend([B2], T0 + 700_000), [0.5]);
    assert.deepEqual(await s.addSpend([B2], Number.NaN, T0 + 700_000), [0.5], 'a NaN cost adds nothing');
  },
  'budgets: the same name with another window is another budget; sub-cent sums stay exact enough': async (s) => {
    await s.addSpend([{ name: 'x', windowMs: 60_000 }], 5, T0);
    assert.deepEqual(await s.spend([{ name: 'x', windowMs: 120_000 }], T0), [0]);
    for (let i = 0; i < 10; i++) await s.addSpend([{ name: 'cents', windowMs: 3_600_000 }], 0.1, T0 + i);
    const [total] = await s.spend([{ name: 'cents', windowMs: 3_600_000 }], T0 + 10);
    assert.ok(Math.abs(total! - 1) < 1e-9, String(total));
  },
  'cooldowns: a longer one running is kept (max); an ended one reads as 0': async (s) => {
    assert.equal(await s.cooldownUntil('p', T0), 0);
    assert.equal(await s.setCooldown('p', T0 + 10_000, T0), T0 + 10_000);
    assert.equal(await s.setCooldown('p', T0 + 5_000, T0 + 1), T0 + 10_000);
    assert.equal(await s.cooldownUntil('p', T0 + 2), T0 + 10_000);
    assert.equal(await s.setCooldown('p', T0 + 20_000, T0 + 3), T0 + 20_000);
    assert.equal(await s.cooldownUntil('p', T0 + 19_999), T0 + 20_000);
    assert.equal(await s.cooldownUntil('p', T0 + 20_000), 0);
    assert.equal(await s.setCooldown('p', T0 + 20_500, T0 + 21_000), 0, 'a cool-down that already ended is not set');
    assert.equal(await s.setCooldown('p', T0 + 25_000, T0 + 21_000), T0 + 25_000);
    assert.equal(await s.cooldownUntil('other', T0), 0);
  },
  'circuits: set and read open, half_open, closed': async (s) => {
    assert.deepEqual(await s.circuit('p', T0), { state: 'closed', until: 0 });
    await s.setCircuit('p', { state: 'open', until: T0 + 30_000 }, T0);
    assert.deepEqual(await s.circuit('p', T0 + 1), { state: 'open', until: T0 + 30_000 });
    assert.deepEqual(await s.circuit('p', T0 + 40_000), { state: 'open', until: T0 + 30_000 }, 'the record stays; the breaker decides to probe');
    await s.setCircuit('p', { state: 'half_open', until: T0 + 45_000 }, T0 + 40_000);
    assert.deepEqual(await s.circuit('p', T0 + 40_001), { state: 'half_open', until: T0 + 45_000 });
    await s.setCircuit('p', { state: 'closed', until: 0 }, T0 + 41_000);
    assert.deepEqual(await s.circuit('p', T0 + 41_001), { state: 'closed', until: 0 });
  },
  'probes: one holder at a time; a lapsed lease is free; only the holder releases': async (s) => {
    const a = await s.tryAcquireProbe('p', 5_000, T0);
    assert.ok(a !== null);
    assert.equal(a.until, T0 + 5_000);
    assert.equal(await s.tryAcquireProbe('p', 5_000, T0 + 4_999), null);
    assert.ok((await s.tryAcquireProbe('q', 5_000, T0)) !== null, 'each provider has its own probe');
    await s.releaseProbe(a);
    const b = await s.tryAcquireProbe('p', 5_000, T0 + 5_000);
    assert.ok(b !== null);
    const c = await s.tryAcquireProbe('p', 1_000, T0 + 10_000);
    assert.ok(c !== null, 'b lapsed');
    await s.releaseProbe(b);
    assert.equal(await s.tryAcquireProbe('p', 1_000, T0 + 10_500), null, 'releasing the lapsed lease b left c in place');
  },
  'read: everything for the candidates in one call, in the order asked': async (s) => {
    await s.tryAcquire('b', { rpm: 5 }, 40, T0);
    await s.setCooldown('a', T0 + 1_000, T0);
    await s.setCircuit('b', { state: 'open', until: T0 + 2_000 }, T0);
    await s.addSpend([B1], 0.75, T0);
    const q = s.createQuery({ providers: ['a', 'b', 'c'], budgets: [B2, B1] });
    const snap = await s.read(q, T0 + 10);
    assert.deepEqual(snap, {
      providers: [
        { provider: 'a', cooldownUntil: T0 + 1_000, circuit: { state: 'closed', until: 0 }, usage: { requests: 0, tokens: 0, oldestAt: null } },
        { provider: 'b', cooldownUntil: 0, circuit: { state: 'open', until: T0 + 2_000 }, usage: { requests: 1, tokens: 40, oldestAt: T0 } },
        { provider: 'c', cooldownUntil: 0, circuit: { state: 'closed', until: 0 }, usage: { requests: 0, tokens: 0, oldestAt: null } },
      ],
      budgetSpend: [0, 0.75],
    });
    const later = await s.read(q, T0 + RATE_WINDOW_MS + 10);
    assert.equal(later.providers[0]!.cooldownUntil, 0);
    assert.equal(later.providers[1]!.usage.requests, 0);
    assert.deepEqual(later.budgetSpend, [0, 0], 'the spend at T0 left the 60 s window');
  },
  'recordOutcome: settle, spend, cool-down and circuit in one go': async (s) => {
    const r = (await s.tryAcquire('p', { tpm: 1000 }, 100, T0)).reservation!;
    const spends = await s.recordOutcome(
      { reservation: r, tokens: 250, spend: { budgets: [B1, B2], usd: 0.5 }, cooldown: { provider: 'p', until: T0 + 3_000 }, circuit: { provider: 'q', record: { state: 'open', until: T0 + 9_000 } } },
      T0 + 100,
    );
    assert.deepEqual(spends, [0.5, 0.5]);
    const snap = await s.read(s.createQuery({ providers: ['p', 'q'], budgets: [B1] }), T0 + 200);
    assert.equal(snap.providers[0]!.usage.tokens, 250);
    assert.equal(snap.providers[0]!.cooldownUntil, T0 + 3_000);
    assert.deepEqual(snap.providers[1]!.circuit, { state: 'open', until: T0 + 9_000 });
    assert.deepEqual(snap.budgetSpend, [0.5]);
    assert.deepEqual(await s.recordOutcome({}, T0 + 300), []);
  },
};

describe('LocalStateStore', () => {
  for (const [name, run] of Object.entries(cases)) test(name, () => run(new LocalStateStore()));

  test('answers synchronously', () => {
    const s = new LocalStateStore();
    const r = s.tryAcquire('p', { rpm: 1 }, 5, T0);
    assert.equal(r.granted, true);
    assert.equal(s.read(s.createQuery({ providers: ['p'] }), T0).providers[0]!.usage.tokens, 5);
  });

  test('memory: the window of a busy provider holds only the requests of the last minute; sweep prunes idle ones', () => {
    const s = new LocalStateStore();
    for (let i = 0; i < 10_000; i++) s.tryAcquire('p', {}, 1, T0 + i * 100);
    s.tryAcquire('idle', {}, 1, T0 + 9_999 * 100);
    assert.equal(s.heldEntries, 601);
    assert.equal(s.usage('p', T0 + 9_999 * 100).requests, 600);
    s.sweep(T0 + 10_000 * 100 + RATE_WINDOW_MS);
    assert.equal(s.heldEntries, 0);
  });
});

describe('RedisStateStore on a real redis-server', () => {
  let server: RedisServer;
  let n = 0;
  const stores: RedisStateStore[] = [];
  // a generous command timeout: on a loaded machine a slow reply must not turn into the local fallback
  const fresh = async (prefix = `t${n++}:`): Promise<RedisStateStore> => {
    const store = new RedisStateStore({ redis: server.url, keyPrefix: prefix, commandTimeoutMs: 10_000 });
    stores.push(store);
    assert.equal(await store.ready(), true);
    return store;
  };

  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    for (const s of stores) await s.close();
    await server.stop();
  });

  for (const [name, run] of Object.entries(cases)) test(name, async () => run(await fresh()));

  test('routers with the same prefix share every kind of state; another prefix shares none', async () => {
    const a = await fresh('shared:');
    const b = await fresh('shared:');
    const other = await fresh('other:');
    assert.equal((await a.tryAcquire('p', { rpm: 1 }, 7, T0)).granted, true);
    assert.equal((await b.tryAcquire('p', { rpm: 1 }, 7, T0)).granted, false);
    assert.equal((await other.tryAcquire('p', { rpm: 1 }, 7, T0)).granted, true);
    await a.addSpend([B1], 3, T0);
    await a.setCooldown('p', T0 + 500, T0);
    await a.setCircuit('q', { state: 'open', until: T0 + 700 }, T0);
    assert.ok((await a.tryAcquireProbe('q', 1000, T0)) !== null);
    assert.equal(await b.tryAcquireProbe('q', 1000, T0), null);
    const snap = await b.read(b.createQuery({ providers: ['p', 'q'], budgets: [B1] }), T0 + 1);
    assert.equal(snap.providers[0]!.usage.tokens, 7);
    assert.equal(snap.providers[0]!.cooldownUntil, T0 + 500);
    assert.deepEqual(snap.providers[1]!.circuit, { state: 'open', until: T0 + 700 });
    assert.deepEqual(snap.budgetSpend, [3]);
    const none = await other.read(other.createQuery({ providers: ['p', 'q'], budgets: [B1] }), T0 + 1);
    assert.equal(none.providers[0]!.cooldownUntil, 0);
    assert.deepEqual(none.budgetSpend, [0]);
  });

  test('every key it writes has an expiry, and pruning keeps the window small', async () => {
    const s = await fresh('ttl:');
    const r = (await s.tryAcquire('p', { rpm: 1000 }, 5, T0)).reservation!;
    await s.settle(r, 9, T0 + 1);
    for (let i = 0; i < 50; i++) await s.tryAcquire('p', { rpm: 1000 }, 1, T0 + i);
    await s.addSpend([B1, B2], 1, T0);
    await s.setCooldown('p', T0 + 1000, T0);
    await s.setCircuit('p', { state: 'open', until: T0 + 1000 }, T0);
    await s.tryAcquireProbe('p', 1000, T0);
    const { Redis } = await import('ioredis');
    const raw = new Redis(server.url);
    try {
      const keys = (await raw.keys('ttl:*')).sort();
      assert.deepEqual(keys, ['ttl:budget:600000:team', 'ttl:budget:60000:daily', 'ttl:circuit:p', 'ttl:cooldown:p', 'ttl:probe:p', 'ttl:rate-tokens:p', 'ttl:rate:p']);
      for (const k of keys) {
        const pttl = await raw.pttl(k);
        assert.ok(pttl > 0, `${k} expires (pttl ${pttl})`);
      }
      assert.ok((await raw.pttl('ttl:rate:p')) <= RATE_WINDOW_MS + 60_000);
      await s.read(s.createQuery({ providers: ['p'] }), T0 + RATE_WINDOW_MS + 100);
      assert.equal(await raw.zcard('ttl:rate:p'), 0);
      assert.deepEqual(await raw.hgetall('ttl:rate-tokens:p'), { '#sum': '0' });
      for (let i = 0; i < 70; i++) await s.addSpend([B1], 0.01, T0 + i * 1000);
      assert.ok((await raw.hlen('ttl:budget:60000:daily')) <= 61, 'buckets older than the window are deleted');
    } finally {
      raw.disconnect();
    }
  });

  test('read is one command on the server (one round trip), whatever the number of candidates and budgets', async () => {
    const s = await fresh();
    const q = s.createQuery({ providers: ['a', 'b', 'c', 'd', 'e'], budgets: [B1, B2] });
    await s.read(q, T0);
    const { Redis } = await import('ioredis');
    const raw = new Redis(server.url);
    const monitor = await raw.monitor();
    try {
      const fromClients: string[] = [];
      let sawPing!: () => void;
      const pinged = new Promise<void>((r) => (sawPing = r));
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source === 'lua') return;
        if (args[0]!.toLowerCase() === 'ping') sawPing();
        else fromClients.push(args[0]!.toLowerCase());
      });
      await s.read(q, T0 + 1);
      await raw.ping();
      await pinged; // the monitor feed is in execution order: the read came before
      assert.deepEqual(fromClients, ['evalsha']);
    } finally {
      monitor.disconnect();
      raw.disconnect();
    }
  });

  test('the local mirror of a busy provider holds only the last minute too', async () => {
    const s = await fresh();
    for (let i = 0; i < 200; i++) assert.equal((await s.tryAcquire('p', { rpm: 1000 }, 1, T0 + i * 1000)).granted, true);
    assert.equal(s.local.heldEntries, 60);
  });

  test('accepts an existing ioredis client and leaves it open on close', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(server.url, { lazyConnect: true });
    const s = new RedisStateStore({ redis: client, keyPrefix: 'own:' });
    assert.equal(await s.ready(), true);
    assert.equal((await s.tryAcquire('p', { rpm: 1 }, 1, T0)).granted, true);
    assert.equal(s.online, true);
    await s.close();
    assert.equal(await client.ping(), 'PONG');
    assert.equal(client.listenerCount('error'), 0);
    client.disconnect();
  });
});
