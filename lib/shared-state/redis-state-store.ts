import { IdSource, LocalStateStore, wholeTokens } from './local-state-store.js';
import { RedisConnection, type RedisClientLike, type RedisConnectionOptions } from './redis-connection.js';
import { CIRCUIT_TTL_MS, EXPIRY_GRACE_MS, RATE_KEY_TTL_MS, RedisKeys, ttlArg } from './redis-keys.js';
import { bucketIndex, bucketMsOf } from './spend-window.js';
import {
  BUDGET_BUCKETS,
  CLOSED_CIRCUIT,
  RATE_WINDOW_MS,
  type AcquireResult,
  type AttemptOutcome,
  type BudgetKey,
  type CircuitRecord,
  type MaybePromise,
  type ProbeLease,
  type ProviderStateView,
  type RateLimits,
  type RateUsage,
  type Reservation,
  type RouterStateStore,
  type StateQuery,
  type StateQuerySpec,
  type StateSnapshot,
} from './router-state-store.js';

/** Options of `RedisStateStore`. */
export interface RedisStateStoreOptions extends RedisConnectionOptions {
  /** Prefix of every key; routers with the same prefix share their state. @default 'llm-router:' */
  keyPrefix?: string;
  /** The local mirror and fallback. @default a new `LocalStateStore` */
  local?: LocalStateStore;
}

interface ProviderKeys {
  rate: string;
  rateTokens: string;
  cooldown: string;
  circuit: string;
  probe: string;
}

/** A query of this store: its KEYS computed once. */
class RedisStateQuery implements StateQuery {
  constructor(
    readonly providers: readonly string[],
    readonly budgets: readonly BudgetKey[],
    readonly keys: readonly string[],
    readonly bucketMs: readonly number[],
    /** The same query on the local mirror. */
    readonly local: StateQuery,
    readonly owner: RedisStateStore,
  ) {}
}

/**
 * Router state shared over Redis by every router using the same `keyPrefix` (see `RedisKeys` for the
 * keys and their expiry). Each operation is one Lua script (atomic on the server, no read-then-write)
 * or one pipeline; `read` gets everything a request's routing needs in one round trip.
 *
 * Every answer also goes to a `LocalStateStore` mirror (own grants, spend, cool-downs and circuits;
 * cool-downs and circuits read from Redis too). While Redis is unreachable or a command fails or
 * times out, the mirror answers instead: no operation throws, rejects or waits longer than the
 * command timeout. Writes made during an outage stay local; counters then cover this process only.
 *
 * Client: ioredis, an optional peer loaded with `import()` only when a URL is given. Chosen over
 * node-redis for `defineCommand` (a Lua script becomes a method, sent as EVALSHA with the EVAL
 * fallback handled per connection, also inside pipelines), automatic pipelining of the commands of one
 * tick, control of the offline queue (`enableOfflineQueue: false` fails fast instead of queueing
 * behind a dead connection), `commandTimeout` and `maxRetriesPerRequest`, background reconnection,
 * and its maturity (long-lived, widely deployed, maintained under the redis organisation). A Redis
 * Cluster client is not supported (the scripts touch keys of several providers).
 */
export class RedisStateStore implements RouterStateStore {
  readonly kind = 'redis' as const;
  readonly local: LocalStateStore;
  private readonly keys: RedisKeys;
  private readonly conn: RedisConnection;
  private readonly ids = new IdSource();
  private readonly providerKeys = new Map<string, ProviderKeys>();

  constructor(options: RedisStateStoreOptions) {
    this.keys = new RedisKeys(options.keyPrefix);
    this.local = options.local ?? new LocalStateStore();
    this.conn = new RedisConnection(options);
  }

  /** Whether Redis answers at the moment. */
  get online(): boolean {
    return this.conn.online;
  }

  /** `true` if connected; else the outcome of the next connection attempt. Never rejects. */
  ready(): Promise<boolean> {
    return this.conn.ready();
  }

  tryAcquire(provider: string, limits: RateLimits, tokens: number, now: number): MaybePromise<AcquireResult> {
    const units = wholeTokens(tokens);
    const k = this.pkeys(provider);
    const id = this.ids.next();
    return this.exec(
      (c) => c.llmRouterAcquire(k.rate, k.rateTokens, String(now), String(now - RATE_WINDOW_MS), limitArg(limits.rpm), limitArg(limits.tpm), String(units), id, String(RATE_KEY_TTL_MS)),
      (r: unknown[]): AcquireResult => {
        const granted = r[0] === 1;
        const oldest = r[4] === '' ? null : Number(r[4]);
        const result: AcquireResult = {
          granted,
          refusedBy: granted ? null : r[1] === 1 ? 'rpm' : 'tpm',
          requests: Number(r[2]),
          tokens: Number(r[3]),
          retryAt: granted ? 0 : oldest === null ? Infinity : oldest + RATE_WINDOW_MS,
          reservation: granted ? { id, provider, at: now, tokens: units } : null,
        };
        if (result.reservation !== null) this.local.recordGrant(result.reservation);
        return result;
      },
      () => this.local.tryAcquire(provider, limits, units, now),
    );
  }

  settle(reservation: Reservation, tokens: number, now: number): MaybePromise<void> {
    const units = wholeTokens(tokens);
    this.local.settle(reservation, units, now);
    (reservation as { tokens: number }).tokens = units;
    const k = this.pkeys(reservation.provider);
    return this.exec((c) => c.llmRouterSettle(k.rate, k.rateTokens, reservation.id, String(units)), noop, noop);
  }

  release(reservation: Reservation, now: number): MaybePromise<void> {
    this.local.release(reservation, now);
    const k = this.pkeys(reservation.provider);
    return this.exec((c) => c.llmRouterRelease(k.rate, k.rateTokens, reservation.id), noop, noop);
  }

  usage(provider: string, now: number): MaybePromise<RateUsage> {
    return map(this.read(this.createQuery({ providers: [provider] }), now), (s) => s.providers[0]!.usage);
  }

  addSpend(budgets: readonly BudgetKey[], usd: number, now: number): MaybePromise<number[]> {
    const local = this.local.addSpend(budgets, usd, now);
    if (budgets.length === 0) return local;
    return this.exec((c) => c.llmRouterAddSpend(...this.spendArgs(budgets, usd, now)), toNumbers, () => local);
  }

  spend(budgets: readonly BudgetKey[], now: number): MaybePromise<number[]> {
    return map(this.read(this.createQuery({ providers: [], budgets }), now), (s) => s.budgetSpend);
  }

  setCooldown(provider: string, until: number, now: number): MaybePromise<number> {
    const local = this.local.setCooldown(provider, until, now);
    const key = this.pkeys(provider).cooldown;
    return this.exec(
      (c) => c.llmRouterCooldown(key, String(until), String(now), ttlArg(until - now + EXPIRY_GRACE_MS)),
      (r: unknown) => this.mergeCooldown(provider, Number(r), now),
      () => local,
    );
  }

  cooldownUntil(provider: string, now: number): MaybePromise<number> {
    const key = this.pkeys(provider).cooldown;
    return this.exec(
      (c) => c.get(key),
      (r: string | null) => this.mergeCooldown(provider, r === null ? 0 : Number(r), now),
      () => this.local.cooldownUntil(provider, now),
    );
  }

  setCircuit(provider: string, record: CircuitRecord, now: number): MaybePromise<void> {
    this.local.setCircuit(provider, record, now);
    const key = this.pkeys(provider).circuit;
    if (record.state === 'closed') return this.exec((c) => c.del(key), noop, noop);
    const value = `${record.state}|${record.until}`;
    return this.exec((c) => c.set(key, value, 'PX', ttlArg(Math.max(record.until - now, 0) + CIRCUIT_TTL_MS)), noop, noop);
  }

  circuit(provider: string, now: number): MaybePromise<CircuitRecord> {
    const key = this.pkeys(provider).circuit;
    return this.exec(
      (c) => c.get(key),
      (r: string | null) => this.mergeCircuit(provider, r ?? ''),
      () => this.local.circuit(provider, now),
    );
  }

  /**
   * The probe lease: the semantics of `SET key token NX PX ttl`, as a script so that the lease's end is
   * the router's `now + ttlMs` (a fake clock works; the key's own PX only collects it later).
   */
  tryAcquireProbe(provider: string, ttlMs: number, now: number): MaybePromise<ProbeLease | null> {
    const key = this.pkeys(provider).probe;
    const token = this.ids.next();
    const until = now + ttlMs;
    return this.exec(
      (c) => c.llmRouterProbe(key, token, String(now), String(until), ttlArg(ttlMs + EXPIRY_GRACE_MS)),
      (r: unknown) => (r === 1 ? { provider, token, until } : null),
      () => this.local.tryAcquireProbe(provider, ttlMs, now),
    );
  }

  releaseProbe(lease: ProbeLease): MaybePromise<void> {
    this.local.releaseProbe(lease);
    const key = this.pkeys(lease.provider).probe;
    return this.exec((c) => c.llmRouterReleaseProbe(key, lease.token), noop, noop);
  }

  recordOutcome(outcome: AttemptOutcome, now: number): MaybePromise<number[]> {
    const local = this.local.recordOutcome(outcome, now);
    const { reservation, tokens, spend, cooldown, circuit } = outcome;
    const settleIt = reservation != null && tokens !== undefined;
    if (settleIt) (reservation as { tokens: number }).tokens = wholeTokens(tokens);
    const spendIt = spend !== undefined && spend.budgets.length > 0;
    if (!settleIt && !spendIt && cooldown === undefined && circuit === undefined) return local;
    let spendAt = -1;
    return this.exec(
      (c) => {
        const pl = c.pipeline();
        let n = 0;
        if (settleIt) {
          const k = this.pkeys(reservation.provider);
          pl.llmRouterSettle(k.rate, k.rateTokens, reservation.id, String(reservation.tokens));
          n++;
        }
        if (spendIt) {
          pl.llmRouterAddSpend(...this.spendArgs(spend.budgets, spend.usd, now));
          spendAt = n++;
        }
        if (cooldown !== undefined) {
          pl.llmRouterCooldown(this.pkeys(cooldown.provider).cooldown, String(cooldown.until), String(now), ttlArg(cooldown.until - now + EXPIRY_GRACE_MS));
        }
        if (circuit !== undefined) {
          const key = this.pkeys(circuit.provider).circuit;
          const r = circuit.record;
          if (r.state === 'closed') pl.del(key);
          else pl.set(key, `${r.state}|${r.until}`, 'PX', ttlArg(Math.max(r.until - now, 0) + CIRCUIT_TTL_MS));
        }
        return pl.exec();
      },
      (results: Array<[Error | null, unknown]>) => {
        for (const [err] of results) if (err) throw err;
        return spendAt < 0 ? local : toNumbers(results[spendAt]![1]);
      },
      () => local,
    );
  }

  createQuery(spec: StateQuerySpec): StateQuery {
    const budgets = spec.budgets === undefined ? [] : spec.budgets.map((b) => ({ name: b.name, windowMs: b.windowMs }));
    const keys: string[] = [];
    for (const p of spec.providers) {
      const k = this.pkeys(p);
      keys.push(k.rate, k.rateTokens, k.cooldown, k.circuit);
    }
    for (const b of budgets) keys.push(this.keys.budget(b.name, b.windowMs));
    return new RedisStateQuery([...spec.providers], budgets, keys, budgets.map((b) => bucketMsOf(b.windowMs)), this.local.createQuery({ providers: spec.providers, budgets }), this);
  }

  read(query: StateQuery, now: number): MaybePromise<StateSnapshot> {
    const q = query instanceof RedisStateQuery && query.owner === this ? query : (this.createQuery(query) as RedisStateQuery);
    return this.exec(
      (c) => {
        const args: Array<string | number> = [q.keys.length, ...q.keys, q.providers.length, String(now - RATE_WINDOW_MS)];
        for (const ms of q.bucketMs) {
          const idx = bucketIndex(now, ms);
          args.push(String(idx), String(idx - BUDGET_BUCKETS + 1));
        }
        return c.llmRouterRead(...args);
      },
      (r: unknown[]) => this.parseRead(q, r, now),
      () => this.local.read(q.local, now),
    );
  }

  /** Quits the connection if this store opened it (a client passed in is left open). */
  close(): Promise<void> {
    return this.conn.close();
  }

  private parseRead(q: RedisStateQuery, r: unknown[], now: number): StateSnapshot {
    const np = q.providers.length;
    if (!Array.isArray(r) || r.length !== np * 5 + q.budgets.length) throw new Error('unexpected reply to the shared state read');
    const providers = new Array<ProviderStateView>(np);
    for (let i = 0; i < np; i++) {
      const p = q.providers[i]!;
      const o = i * 5;
      const cd = r[o + 3] === '' ? 0 : Number(r[o + 3]);
      providers[i] = {
        provider: p,
        cooldownUntil: this.mergeCooldown(p, cd, now),
        circuit: this.mergeCircuit(p, r[o + 4] as string),
        usage: { requests: Number(r[o]), tokens: Number(r[o + 1]), oldestAt: r[o + 2] === '' ? null : Number(r[o + 2]) },
      };
    }
    const budgetSpend = new Array<number>(q.budgets.length);
    for (let i = 0; i < budgetSpend.length; i++) budgetSpend[i] = Number(r[np * 5 + i]);
    return { providers, budgetSpend };
  }

  /** The cool-down Redis holds, also kept by the mirror; `0` if it ended. */
  private mergeCooldown(provider: string, until: number, now: number): number {
    if (!(until > now)) return 0;
    this.local.setCooldown(provider, until, now);
    return until;
  }

  /** The circuit Redis holds (`state|until`, '' = closed), also set on the mirror. */
  private mergeCircuit(provider: string, raw: string): CircuitRecord {
    const record = parseCircuit(raw);
    this.local.setCircuit(provider, record);
    return record;
  }

  private spendArgs(budgets: readonly BudgetKey[], usd: number, now: number): Array<string | number> {
    const args: Array<string | number> = [budgets.length];
    for (const b of budgets) args.push(this.keys.budget(b.name, b.windowMs));
    args.push(String(Number.isFinite(usd) ? usd : 0));
    for (const b of budgets) {
      const idx = bucketIndex(now, bucketMsOf(b.windowMs));
      args.push(String(idx), String(idx - BUDGET_BUCKETS + 1), ttlArg(b.windowMs + EXPIRY_GRACE_MS));
    }
    return args;
  }

  private pkeys(provider: string): ProviderKeys {
    let k = this.providerKeys.get(provider);
    if (k === undefined) {
      const K = this.keys;
      k = { rate: K.rate(provider), rateTokens: K.rateTokens(provider), cooldown: K.cooldown(provider), circuit: K.circuit(provider), probe: K.probe(provider) };
      this.providerKeys.set(provider, k);
    }
    return k;
  }

  /**
   * Sends one command or pipeline if Redis is connected (or once the first connection, still being made,
   * is), else answers from `fallback` at once; a failed, timed-out or malformed reply also answers from
   * `fallback`. Never rejects.
   */
  private exec<R, T>(send: (c: RedisClientLike) => Promise<R>, parse: (reply: R) => T, fallback: () => T): MaybePromise<T> {
    const c = this.conn.client;
    if (c !== null) return this.sendNow(c, send, parse, fallback);
    const first = this.conn.firstConnection();
    if (first === undefined) return fallback();
    return first.then(() => {
      const connected = this.conn.client;
      return connected === null ? fallback() : this.sendNow(connected, send, parse, fallback);
    });
  }

  private sendNow<R, T>(c: RedisClientLike, send: (c: RedisClientLike) => Promise<R>, parse: (reply: R) => T, fallback: () => T): MaybePromise<T> {
    let pending: Promise<R>;
    try {
      pending = this.conn.bound(send(c));
    } catch (e) {
      this.conn.failed(e);
      return fallback();
    }
    return pending.then(
      (reply) => {
        try {
          const value = parse(reply);
          this.conn.succeeded();
          return value;
        } catch (e) {
          this.conn.failed(e);
          return fallback();
        }
      },
      (e: unknown) => {
        this.conn.failed(e);
        return fallback();
      },
    );
  }
}

function parseCircuit(raw: string): CircuitRecord {
  const sep = raw.indexOf('|');
  if (sep < 0) return CLOSED_CIRCUIT;
  const state = raw.slice(0, sep);
  if (state !== 'open' && state !== 'half_open') return CLOSED_CIRCUIT;
  return { state, until: Number(raw.slice(sep + 1)) };
}

function limitArg(limit: number | undefined): string {
  return limit === undefined ? '' : String(limit);
}

function toNumbers(r: unknown): number[] {
  if (!Array.isArray(r)) throw new Error('unexpected reply to the shared state spend');
  return r.map(Number);
}

function noop(): void {}

function map<A, B>(value: MaybePromise<A>, f: (a: A) => B): MaybePromise<B> {
  return value instanceof Promise ? value.then(f) : f(value);
}
