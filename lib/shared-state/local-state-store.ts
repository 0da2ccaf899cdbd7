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
  readonly prefix = randomBytes(6).toString('hex');
  private n = 0;
  next(): string {
    return this.prefix + (this.n++).toString(36);
  }
}

/** Everything kept about one provider. */
class ProviderSlot {
  readonly log: RateLog;
  cooldownUntil = 0;
  circuit: CircuitRecord = CLOSED_CIRCUIT;
  probe: ProbeLease | null = null;
  constructor(provider: string, idPrefix: string) {
    this.log = new RateLog(provider, idPrefix);
  }
}

/** A query of the local store: the providers' slots and budgets' windows resolved once. */
class LocalStateQuery implements StateQuery {
  constructor(
    readonly providers: readonly string[],
    readonly budgets: readonly BudgetKey[],
    readonly slots: readonly ProviderSlot[],
    readonly windows: readonly SpendWindow[],
    readonly owner: LocalStateStore,
  ) {}
}

/**
 * The router's state in this process. Every method answers synchronously in O(1) (amortised); memory
 * is bounded by the providers and budgets named and by the requests granted in one rate window.
 * Also the mirror and fallback of `RedisStateStore`.
 */
export class LocalStateStore implements RouterStateStore {
  readonly kind = 'local' as const;
  private readonly slots = new Map<string, ProviderSlot>();
  private readonly budgets = new Map<string, SpendWindow>();
  private readonly ids = new IdSource();

  tryAcquire(provider: string, limits: RateLimits, tokens: number, now: number): AcquireResult {
    const log = this.slot(provider).log;
    log.prune(now);
    const units = wholeTokens(tokens);
    const refusedBy = log.check(limits, units);
    if (refusedBy !== null) {
      const oldest = log.oldestAt();
      return { granted: false, refusedBy, requests: log.requests, tokens: log.tokens, retryAt: oldest === null ? Infinity : oldest + RATE_WINDOW_MS, reservation: null };
    }
    const reservation = log.add(now, units);
    return { granted: true, refusedBy: null, requests: log.requests, tokens: log.tokens, retryAt: 0, reservation };
  }

  /** Counts a request granted elsewhere (the Redis store's mirror), without checking limits. */
  recordGrant(reservation: Reservation): void {
    const log = this.slot(reservation.provider).log;
    log.prune(reservation.at);
    log.addIndexed(reservation.id, reservation.at, reservation.tokens);
  }

  /** Rate-window entries held in memory, over all providers (for memory checks). */
  get heldEntries(): number {
    let n = 0;
    for (const slot of this.slots.values()) n += slot.log.held;
    return n;
  }

  settle(reservation: Reservation, tokens: number, _now?: number): void {
    this.slots.get(reservation.provider)?.log.settle(reservation, wholeTokens(tokens));
  }

  release(reservation: Reservation, _now?: number): void {
    this.slots.get(reservation.provider)?.log.release(reservation);
  }

  usage(provider: string, now: number): RateUsage {
    const slot = this.slots.get(provider);
    if (slot === undefined) return { requests: 0, tokens: 0, oldestAt: null };
    slot.log.prune(now);
    return slot.log.usage();
  }

  addSpend(budgets: readonly BudgetKey[], usd: number, now: number): number[] {
    if (!Number.isFinite(usd)) usd = 0;
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
    this.slot(provider).cooldownUntil = until;
    return until;
  }

  cooldownUntil(provider: string, now: number): number {
    const slot = this.slots.get(provider);
    return slot === undefined ? 0 : cooldownOf(slot, now);
  }

  setCircuit(provider: string, record: CircuitRecord, _now?: number): void {
    const slot = record.state === 'closed' ? this.slots.get(provider) : this.slot(provider);
    if (slot !== undefined) slot.circuit = record.state === 'closed' ? CLOSED_CIRCUIT : { state: record.state, until: record.until };
  }

  circuit(provider: string, _now?: number): CircuitRecord {
    return this.slots.get(provider)?.circuit ?? CLOSED_CIRCUIT;
  }

  tryAcquireProbe(provider: string, ttlMs: number, now: number): ProbeLease | null {
    const slot = this.slot(provider);
    if (slot.probe !== null && slot.probe.until > now) return null;
    return (slot.probe = { provider, token: this.ids.next(), until: now + ttlMs });
  }

  releaseProbe(lease: ProbeLease): void {
    const slot = this.slots.get(lease.provider);
    if (slot !== undefined && slot.probe?.token === lease.token) slot.probe = null;
  }

  recordOutcome(outcome: AttemptOutcome, now: number): number[] {
    if (outcome.reservation != null && outcome.tokens !== undefined) this.settle(outcome.reservation, outcome.tokens, now);
    if (outcome.cooldown !== undefined) this.setCooldown(outcome.cooldown.provider, outcome.cooldown.until, now);
    if (outcome.circuit !== undefined) this.setCircuit(outcome.circuit.provider, outcome.circuit.record, now);
    return outcome.spend === undefined ? [] : this.addSpend(outcome.spend.budgets, outcome.spend.usd, now);
  }

  createQuery(spec: StateQuerySpec): StateQuery {
    const budgets = spec.budgets === undefined ? [] : spec.budgets.map((b) => ({ name: b.name, windowMs: b.windowMs }));
    return new LocalStateQuery(
      [...spec.providers],
      budgets,
      spec.providers.map((p) => this.slot(p)),
      budgets.map((b) => this.window(b)),
      this,
    );
  }

  read(query: StateQuery, now: number): StateSnapshot {
    const q = query instanceof LocalStateQuery && query.owner === this ? query : (this.createQuery(query) as LocalStateQuery);
    const n = q.slots.length;
    const providers = new Array<ProviderStateView>(n);
    for (let i = 0; i < n; i++) {
      const slot = q.slots[i]!;
      slot.log.prune(now);
      providers[i] = { provider: q.providers[i]!, cooldownUntil: cooldownOf(slot, now), circuit: slot.circuit, usage: slot.log.usage() };
    }
    const budgetSpend = new Array<number>(q.windows.length);
    for (let i = 0; i < budgetSpend.length; i++) budgetSpend[i] = q.windows[i]!.read(now);
    return { providers, budgetSpend };
  }

  /** Prunes every rate window (an idle provider's window otherwise keeps its last minute until touched). */
  sweep(now: number): void {
    for (const slot of this.slots.values()) {
      slot.log.prune(now);
      cooldownOf(slot, now);
      if (slot.probe !== null && slot.probe.until <= now) slot.probe = null;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The rate window of `provider` (created empty on first use), for readers that prune and count it themselves. */
  rateLogOf(provider: string): RateLog {
    return this.slot(provider).log;
  }

  /** The spend window of `budget` (created empty on first use). */
  spendWindowOf(budget: BudgetKey): SpendWindow {
    return this.window(budget);
  }

  private slot(provider: string): ProviderSlot {
    let slot = this.slots.get(provider);
    if (slot === undefined) this.slots.set(provider, (slot = new ProviderSlot(provider, this.ids.prefix)));
    return slot;
  }

  private window(budget: BudgetKey): SpendWindow {
    const id = budgetId(budget);
    let w = this.budgets.get(id);
    if (w === undefined) this.budgets.set(id, (w = new SpendWindow(budget.windowMs)));
    return w;
  }
}

function cooldownOf(slot: ProviderSlot, now: number): number {
  if (slot.cooldownUntil > now) return slot.cooldownUntil;
  slot.cooldownUntil = 0;
  return 0;
}

function budgetId(b: BudgetKey): string {
  return `${b.windowMs}:${b.name}`;
}

/** Token counts are whole and never negative (the Redis script counts with HINCRBY). */
export function wholeTokens(tokens: number): number {
  return Number.isFinite(tokens) && tokens > 0 ? Math.round(tokens) : 0;
}
