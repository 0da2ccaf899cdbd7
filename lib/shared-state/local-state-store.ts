import { randomBytes } from 'node:crypto';
import { RateLog } from './rate-log.js';
import { SpendWindow } from './spend-window.js';
import {
  CLOSED_CIRCUIT,
  RATE_WINDOW_MS,
  type AcquireResult,
  type AttemptOutcome,
  type BudgetKey,
  type CircuitRecord,
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

/** Makes ids unique across processes: a random prefix per store and a counter. */
export class IdSource {
  private readonly prefix = randomBytes(6).toString('hex');
  private n = 0;
  next(): string {
    return this.prefix + (this.n++).toString(36);
  }
}

const EMPTY_USAGE: Readonly<RateUsage> = Object.freeze({ requests: 0, tokens: 0, oldestAt: null });

/**
 * The router's state in this process. Every method answers synchronously in O(1) (amortised); memory
 * is bounded by the configured providers and budgets and by the requests granted in one rate window.
 * Also the mirror and fallback of `RedisStateStore`.
 */
export class LocalStateStore implements RouterStateStore {
  readonly kind = 'local' as const;
  private readonly logs = new Map<string, RateLog>();
  private readonly budgets = new Map<string, SpendWindow>();
  private readonly cooldowns = new Map<string, number>();
  private readonly circuits = new Map<string, CircuitRecord>();
  private readonly probes = new Map<string, ProbeLease>();
  private readonly ids = new IdSource();

  tryAcquire(provider: string, limits: RateLimits, tokens: number, now: number): AcquireResult {
    const log = this.log(provider);
    log.prune(now);
    const units = wholeTokens(tokens);
    const refusedBy = log.check(limits, units);
    if (refusedBy !== null) {
      const oldest = log.oldestAt();
      return { granted: false, refusedBy, requests: log.requests, tokens: log.tokens, retryAt: oldest === null ? Infinity : oldest + RATE_WINDOW_MS, reservation: null };
    }
    const reservation = log.add(this.ids.next(), now, units);
    return { granted: true, refusedBy: null, requests: log.requests, tokens: log.tokens, retryAt: 0, reservation };
  }

  /** Counts a request granted elsewhere (the Redis store's mirror), without checking limits. */
  recordGrant(reservation: Reservation): void {
    this.log(reservation.provider).add(reservation.id, reservation.at, reservation.tokens);
  }

  settle(reservation: Reservation, tokens: number, _now?: number): void {
    const units = wholeTokens(tokens);
    this.logs.get(reservation.provider)?.settle(reservation.id, units);
  }

  release(reservation: Reservation, _now?: number): void {
    this.logs.get(reservation.provider)?.release(reservation.id);
  }

  usage(provider: string, now: number): RateUsage {
    const log = this.logs.get(provider);
    if (log === undefined) return { ...EMPTY_USAGE };
    log.prune(now);
    return log.usage();
  }

  addSpend(budgets: readonly BudgetKey[], usd: number, now: number): number[] {
    const out = new Array<number>(budgets.length);
    for (let i = 0; i < budgets.length; i++) out[i] = this.window(budgets[i]!).add(usd, now);
    return out;
  }

  spend(budgets: readonly BudgetKey[], now: number): number[] {
    const out = new Array<number>(budgets.length);
    for (let i = 0; i < budgets.length; i++) out[i] = this.spendOf(budgets[i]!, now);
    return out;
  }

  /** Spend of one budget in its window ending at `now`. */
  spendOf(budget: BudgetKey, now: number): number {
    return this.budgets.get(budgetId(budget))?.read(now) ?? 0;
  }

  setCooldown(provider: string, until: number, now: number): number {
    const current = this.cooldownUntil(provider, now);
    if (until <= now || until <= current) return current;
    this.cooldowns.set(provider, until);
    return until;
  }

  cooldownUntil(provider: string, now: number): number {
    const until = this.cooldowns.get(provider);
    if (until === undefined) return 0;
    if (until > now) return until;
    this.cooldowns.delete(provider);
    return 0;
  }

  setCircuit(provider: string, record: CircuitRecord, _now?: number): void {
    if (record.state === 'closed') this.circuits.delete(provider);
    else this.circuits.set(provider, { state: record.state, until: record.until });
  }

  circuit(provider: string, _now?: number): CircuitRecord {
    return this.circuits.get(provider) ?? CLOSED_CIRCUIT;
  }

  tryAcquireProbe(provider: string, ttlMs: number, now: number): ProbeLease | null {
    const held = this.probes.get(provider);
    if (held !== undefined && held.until > now) return null;
    const lease: ProbeLease = { provider, token: this.ids.next(), until: now + ttlMs };
    this.probes.set(provider, lease);
    return lease;
  }

  releaseProbe(lease: ProbeLease): void {
    if (this.probes.get(lease.provider)?.token === lease.token) this.probes.delete(lease.provider);
  }

  recordOutcome(outcome: AttemptOutcome, now: number): number[] {
    if (outcome.reservation != null && outcome.tokens !== undefined) this.settle(outcome.reservation, outcome.tokens, now);
    if (outcome.cooldown !== undefined) this.setCooldown(outcome.cooldown.provider, outcome.cooldown.until, now);
    if (outcome.circuit !== undefined) this.setCircuit(outcome.circuit.provider, outcome.circuit.record, now);
    return outcome.spend === undefined ? [] : this.addSpend(outcome.spend.budgets, outcome.spend.usd, now);
  }

  createQuery(spec: StateQuerySpec): StateQuery {
    return { providers: [...spec.providers], budgets: spec.budgets === undefined ? [] : spec.budgets.map((b) => ({ name: b.name, windowMs: b.windowMs })) };
  }

  read(query: StateQuery, now: number): StateSnapshot {
    const providers = new Array<ProviderStateView>(query.providers.length);
    for (let i = 0; i < providers.length; i++) {
      const p = query.providers[i]!;
      providers[i] = { provider: p, cooldownUntil: this.cooldownUntil(p, now), circuit: this.circuit(p), usage: this.usage(p, now) };
    }
    return { providers, budgetSpend: this.spend(query.budgets, now) };
  }

  /** Drops rate logs that emptied, so providers no longer used free their memory. */
  sweep(now: number): void {
    for (const [p, log] of this.logs) {
      log.prune(now);
      if (log.empty) this.logs.delete(p);
    }
    for (const [p, until] of this.cooldowns) if (until <= now) this.cooldowns.delete(p);
    for (const [p, lease] of this.probes) if (lease.until <= now) this.probes.delete(p);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private log(provider: string): RateLog {
    let log = this.logs.get(provider);
    if (log === undefined) this.logs.set(provider, (log = new RateLog(provider)));
    return log;
  }

  private window(budget: BudgetKey): SpendWindow {
    const id = budgetId(budget);
    let w = this.budgets.get(id);
    if (w === undefined) this.budgets.set(id, (w = new SpendWindow(budget.windowMs)));
    return w;
  }
}

function budgetId(b: BudgetKey): string {
  return `${b.windowMs}:${b.name}`;
}

/** Token counts are whole and never negative (the Redis script counts with HINCRBY). */
export function wholeTokens(tokens: number): number {
  return Number.isFinite(tokens) && tokens > 0 ? Math.round(tokens) : 0;
}
