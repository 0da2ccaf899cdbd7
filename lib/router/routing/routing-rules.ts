import { LATENCY_EWMA_ALPHA } from '../../config/defaults.js';
import type { BudgetConfig } from '../../config/router-options.js';
import { BudgetExceededError, type LlmRouterError, ProviderError, RateLimitError } from '../../errors/llm-router-error.js';
import type { CircuitState, RouteSkipReason } from '../../events/router-event.js';
import type { LocalStateStore } from '../../shared-state/local-state-store.js';
import type { RateLog } from '../../shared-state/rate-log.js';
import type { RedisStateStore } from '../../shared-state/redis-state-store.js';
import { RATE_WINDOW_MS, type AcquireResult, type StateQuery, type StateSnapshot } from '../../shared-state/router-state-store.js';
import type { ProviderSlot } from '../provider-slot.js';
import type { AttemptEndObserver, AttemptOutcome } from '../reporter.js';
import type { RequestRun, Target } from '../request-run.js';
import { BudgetBook, type Budget, type BudgetStatus } from './budget-book.js';
import type { RoutedRun } from './routed-run.js';

/**
 * The per-candidate rules of routing, and the state they read: circuits, cool-downs, `rpm`/`tpm`
 * windows and budgets. Every time comes from the router's `clock`.
 *
 * Without `sharedState` everything is in this process and every call answers synchronously. With it,
 * `refresh` reads the shared state of every provider and budget in one round trip before a request is
 * routed, `admit` takes a rate-window slot with an atomic script, and each attempt's end is written in
 * one pipeline (never awaited by the request).
 */
export class RoutingRules implements AttemptEndObserver {
  readonly budgets: BudgetBook;
  /** Whether requests need a token estimate (a provider has `tpm`). */
  readonly countsTokens: boolean;
  /** Whether `refresh` has anything to do (shared state, `rpm`/`tpm` limits or budgets). */
  readonly refreshes: boolean;
  private readonly limited: readonly ProviderSlot[];
  /** The local rate logs of `limited`, in the same order. */
  private readonly logs: readonly RateLog[];
  private readonly local: LocalStateStore;
  private readonly shared: RedisStateStore | undefined;
  private readonly query: StateQuery | undefined;

  constructor(
    private readonly slots: readonly ProviderSlot[],
    budgets: readonly BudgetConfig[],
    store: LocalStateStore | RedisStateStore,
    private readonly clock: () => number,
  ) {
    this.shared = store.kind === 'redis' ? store : undefined;
    this.local = store.kind === 'redis' ? store.local : store;
    this.budgets = new BudgetBook(budgets, this.local);
    this.limited = slots.filter((s) => s.limits !== undefined);
    this.logs = this.limited.map((s) => this.local.rateLogOf(s.provider.name));
    this.countsTokens = slots.some((s) => s.limits?.tpm !== undefined);
    this.refreshes = this.shared !== undefined || this.limited.length > 0 || this.budgets.all.length > 0;
    this.query = this.shared?.createQuery({ providers: slots.map((s) => s.provider.name), budgets: this.budgets.all.map((b) => b.key) });
  }

  /** Whether attempts' costs are needed (budgets count them). */
  get needsCost(): boolean {
    return this.budgets.all.length > 0;
  }

  /** The state store kind. */
  get kind(): 'local' | 'redis' {
    return this.shared === undefined ? 'local' : 'redis';
  }

  /**
   * Brings the routing view (slots' counts, cool-downs and shared circuits, budgets' spend) up to `now`.
   * `undefined` when done synchronously; else a promise that never rejects.
   */
  refresh(now: number): Promise<void> | undefined {
    if (this.shared === undefined) {
      for (let i = 0; i < this.limited.length; i++) {
        const slot = this.limited[i]!;
        const log = this.logs[i]!;
        log.prune(now);
        slot.usedRequests = log.requests;
        slot.usedTokens = log.tokens;
      }
      const budgets = this.budgets.all;
      for (let i = 0; i < budgets.length; i++) budgets[i]!.spent = budgets[i]!.window.read(now);
      return undefined;
    }
    const read = this.shared.read(this.query!, now);
    if (read instanceof Promise) return read.then((s) => this.apply(s));
    this.apply(read);
    return undefined;
  }

  private apply(snapshot: StateSnapshot): void {
    const views = snapshot.providers;
    for (let i = 0; i < views.length; i++) {
      const v = views[i]!;
      const slot = this.slots[i]!;
      if (v.cooldownUntil > slot.cooldownUntil!) slot.cooldownUntil = v.cooldownUntil;
      slot.sharedCircuitUntil = v.circuit.state === 'open' ? v.circuit.until : 0;
      slot.usedRequests = v.usage.requests;
      slot.usedTokens = v.usage.tokens;
      slot.rateFreesAt = v.usage.oldestAt === null ? 0 : v.usage.oldestAt + RATE_WINDOW_MS;
    }
    const budgets = this.budgets.all;
    for (let i = 0; i < budgets.length; i++) budgets[i]!.spent = snapshot.budgetSpend[i] ?? budgets[i]!.spent;
  }

  /**
   * Why `target` would be skipped now, claiming nothing. In order: `circuit_open` (its circuit, or one
   * opened by another router sharing the state), `cooling_down` (only on a first attempt, and only when
   * the request has another candidate), `budget_exceeded`, `rate_limited`.
   */
  check(run: RoutedRun, target: Target, first: boolean, now: number): RouteSkipReason | null {
    const slot = target.slot;
    const b = slot.breaker;
    if ((b !== undefined && !b.isAvailable()) || slot.sharedCircuitUntil! > now) return 'circuit_open';
    if (first && run.candidates > 1 && slot.cooldownUntil! > now) return 'cooling_down';
    if (run.budgets.length > 0 && BudgetBook.exhausted(run.budgets, slot.provider.name, target.model) !== undefined) return 'budget_exceeded';
    const limits = slot.limits;
    if (limits !== undefined) {
      if (limits.rpm !== undefined && slot.usedRequests! + 1 > limits.rpm) return 'rate_limited';
      if (limits.tpm !== undefined && slot.usedTokens! + run.estimatedTokens > limits.tpm) return 'rate_limited';
    }
    return null;
  }

  /** Each candidate's reason at routing time, or `undefined` when none is skipped (nothing allocated). */
  plan(run: RoutedRun, targets: readonly Target[], now: number): Array<RouteSkipReason | null> | undefined {
    let reasons: Array<RouteSkipReason | null> | undefined;
    for (let i = 0; i < targets.length; i++) {
      const r = this.check(run, targets[i]!, true, now);
      if (r === null) continue;
      reasons ??= new Array<RouteSkipReason | null>(targets.length).fill(null);
      reasons[i] = r;
    }
    return reasons;
  }

  /**
   * Lets an attempt go to `target` (`null`) or says why not. Takes a slot of the provider's rate
   * window (atomically across routers with `sharedState`) and claims a half-open circuit's probe.
   */
  admit(run: RoutedRun, target: Target, retry: number, now: number): RouteSkipReason | null | Promise<RouteSkipReason | null> {
    const reason = this.check(run, target, retry === 0, now);
    if (reason !== null) return reason;
    const slot = target.slot;
    const limits = slot.limits;
    if (limits === undefined) return claimCircuit(slot) ? null : 'circuit_open';
    const store = this.shared ?? this.local;
    const acquired = store.tryAcquire(slot.provider.name, limits, run.estimatedTokens, now);
    if (acquired instanceof Promise) return acquired.then((a) => this.acquired(run, slot, a, now));
    return this.acquired(run, slot, acquired, now);
  }

  private acquired(run: RoutedRun, slot: ProviderSlot, a: AcquireResult, now: number): RouteSkipReason | null {
    slot.usedRequests = a.requests;
    slot.usedTokens = a.tokens;
    if (!a.granted) {
      slot.rateFreesAt = a.retryAt;
      return 'rate_limited';
    }
    if (!claimCircuit(slot)) {
      void (this.shared ?? this.local).release(a.reservation!, now);
      return 'circuit_open';
    }
    run.reservation = a.reservation;
    return null;
  }

  /**
   * Records an attempt's end: latency (time to first chunk for streams), the cool-down of a 429 or 503
   * that gave a retry delay (a longer one running is kept), the actual tokens in the rate window, and
   * the cost in every budget that covers the attempt.
   */
  attemptEnded(request: RequestRun, target: Target, o: AttemptOutcome, costUsd: number | null, now: number): void {
    const run = request as RoutedRun;
    const slot = target.slot;
    const error = o.error;
    if (error === undefined) {
      const sample = run.stream && o.ttftMs !== null ? o.ttftMs : o.latencyMs;
      slot.latencyEwma = slot.latencyEwma === undefined ? sample : slot.latencyEwma + LATENCY_EWMA_ALPHA * (sample - slot.latencyEwma);
      slot.latencyMeasuredAt = now;
    }
    let cooldown: { provider: string; until: number } | undefined;
    const delay = error?.retryAfterMs;
    if (delay !== undefined && delay > 0 && (error!.statusCode === 429 || error!.statusCode === 503)) {
      const until = now + delay;
      if (until > slot.cooldownUntil!) slot.cooldownUntil = until;
      if (this.shared !== undefined) cooldown = { provider: slot.provider.name, until };
    }
    const reservation = run.reservation;
    run.reservation = null;
    const tokens = o.usage !== null ? o.usage.totalTokens : error !== undefined && !o.abandoned ? 0 : undefined;
    const budgets = costUsd !== null && costUsd > 0 ? run.budgets : undefined;
    if (this.shared === undefined) {
      if (reservation !== null && tokens !== undefined) this.local.settle(reservation, tokens);
      if (budgets !== undefined) {
        for (const b of budgets) if (BudgetBook.covers(b, slot.provider.name, target.model)) b.spent = b.window.add(costUsd!, now);
      }
      return;
    }
    const covered = budgets?.filter((b) => BudgetBook.covers(b, slot.provider.name, target.model));
    const spend = covered !== undefined && covered.length > 0 ? { budgets: covered.map((b) => b.key), usd: costUsd! } : undefined;
    if (reservation === null && spend === undefined && cooldown === undefined) return;
    const written = this.shared.recordOutcome({ reservation, tokens, spend, cooldown }, now);
    if (spend === undefined) return;
    const update = (totals: number[]): void => {
      for (let i = 0; i < covered!.length && i < totals.length; i++) covered![i]!.spent = totals[i]!;
    };
    if (written instanceof Promise) void written.then(update);
    else update(written);
  }

  /** Writes a circuit change to the shared state (nothing without `sharedState`). */
  circuitChanged(slot: ProviderSlot, state: CircuitState): void {
    const shared = this.shared;
    if (shared === undefined || state === 'half_open') return;
    const now = this.clock();
    void shared.setCircuit(slot.provider.name, state === 'open' ? { state, until: slot.breaker?.openUntil ?? now } : { state: 'closed', until: 0 }, now);
  }

  /** Milliseconds until a candidate skipped for `reason` may be tried again; undefined when unknown. */
  availableIn(run: RoutedRun, target: Target, reason: RouteSkipReason, now: number): number | undefined {
    const slot = target.slot;
    switch (reason) {
      case 'circuit_open': {
        const until = Math.max(slot.breaker?.openUntil ?? 0, slot.sharedCircuitUntil!);
        return until > now ? until - now : undefined;
      }
      case 'cooling_down':
        return Math.max(0, slot.cooldownUntil! - now);
      case 'rate_limited': {
        let at = slot.rateFreesAt!;
        if (this.shared === undefined) {
          const oldest = this.logs[this.limited.indexOf(slot)]?.oldestAt() ?? null;
          at = oldest === null ? 0 : oldest + RATE_WINDOW_MS;
        }
        return Number.isFinite(at) && at > 0 ? Math.max(0, at - now) : undefined;
      }
      case 'budget_exceeded': {
        const b = BudgetBook.exhausted(run.budgets, slot.provider.name, target.model);
        return b === undefined ? undefined : BudgetBook.freesIn(b, now);
      }
      default:
        return undefined;
    }
  }

  /**
   * The error that stands for a skipped candidate: the provider's own latest failure when its circuit
   * or cool-down is why it is skipped, else one that says why (`RateLimitError` for its rate limit,
   * `BudgetExceededError` naming the budget).
   */
  skipError(run: RoutedRun, target: Target, reason: RouteSkipReason, now: number): LlmRouterError {
    const slot = target.slot;
    const name = slot.provider.name;
    const retryAfterMs = this.availableIn(run, target, reason, now);
    const opts = { provider: name, requestId: run.requestId, retryAfterMs };
    if ((reason === 'circuit_open' || reason === 'cooling_down') && slot.lastError !== undefined) return slot.lastError;
    switch (reason) {
      case 'budget_exceeded': {
        const b = BudgetBook.exhausted(run.budgets, name, target.model) as Budget;
        return budgetError(b, run.requestId, retryAfterMs);
      }
      case 'rate_limited': {
        const l = slot.limits!;
        const which = l.rpm !== undefined && slot.usedRequests! + 1 > l.rpm ? `rpm limit (${l.rpm} requests per minute)` : `tpm limit (${l.tpm} tokens per minute)`;
        return new RateLimitError(`${name} is at its ${which}`, opts);
      }
      case 'cooling_down':
        return new RateLimitError(`${name} is cooling down after a rate limit`, opts);
      default:
        return new ProviderError(`${name} is skipped: its circuit is open`, opts);
    }
  }

  getBudgetStatus(): BudgetStatus[] {
    if (this.shared === undefined) {
      const now = this.clock();
      for (const b of this.budgets.all) b.spent = b.window.read(now);
    }
    return this.budgets.status();
  }

  close(): Promise<void> {
    return this.shared?.close() ?? Promise.resolve();
  }
}

function claimCircuit(slot: ProviderSlot): boolean {
  return slot.breaker === undefined || slot.breaker.tryAcquire();
}

/** The `BudgetExceededError` of a spent budget. */
export function budgetError(b: Budget, requestId: string, retryAfterMs: number | undefined): BudgetExceededError {
  return new BudgetExceededError(b.name, `Budget "${b.name}" is spent: ${round(b.spent)} of ${b.limitUsd} USD in ${b.windowMs} ms`, { requestId, retryAfterMs });
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
