import type { CircuitState } from '../events/router-event.js';

/** The window of `rpm` / `tpm` limits: a sliding 60 s. */
export const RATE_WINDOW_MS = 60_000;

/** Buckets per budget window: a spend leaves its budget between 59/60 and 60/60 of the window after it was made. */
export const BUDGET_BUCKETS = 60;

/** A value now (the local store) or later (the Redis store). Check with `instanceof Promise` to skip an `await`. */
export type MaybePromise<T> = T | Promise<T>;

/** The per-minute limits of one provider (`ProviderConfig.rpm` / `tpm`); an absent limit is not checked. */
export interface RateLimits {
  rpm?: number;
  tpm?: number;
}

/** A granted request in a provider's window: pass it to `settle` (actual tokens) or `release` (never sent). */
export interface Reservation {
  /** Unique across processes. */
  readonly id: string;
  readonly provider: string;
  /** The `now` of the grant; the request counts in the window until `at + RATE_WINDOW_MS`. */
  readonly at: number;
  /** Tokens counted for it: the estimate, then the actual count once settled. */
  readonly tokens: number;
}

/** The answer of `tryAcquire`. */
export interface AcquireResult {
  granted: boolean;
  /** Which limit refused it; `null` when granted. */
  refusedBy: 'rpm' | 'tpm' | null;
  /** Requests in the window, this one included when granted. */
  requests: number;
  /** Tokens in the window, this one's estimate included when granted. */
  tokens: number;
  /**
   * When refused: the earliest time the window can let something through (the oldest entry leaves it);
   * `Infinity` when the window is empty and the request alone exceeds the limit. `0` when granted.
   */
  retryAt: number;
  /** `null` when refused. */
  reservation: Reservation | null;
}

/** Requests and tokens of one provider in the sliding window ending now. */
export interface RateUsage {
  requests: number;
  tokens: number;
  /** Time of the oldest request still in the window (it leaves at `oldestAt + RATE_WINDOW_MS`); `null` when empty. */
  oldestAt: number | null;
}

/** A budget's identity in the shared state: spend is kept per name and window length. */
export interface BudgetKey {
  name: string;
  windowMs: number;
}

/** A provider's circuit as stored. An `open` circuit whose `until` has passed may be probed (half-open). */
export interface CircuitRecord {
  state: CircuitState;
  /** For `open`: the end of its cool-down; otherwise whatever the breaker stores (`0` for closed). */
  until: number;
}

/** The single probe of a half-open circuit, held by one router at a time. */
export interface ProbeLease {
  readonly provider: string;
  readonly token: string;
  /** The lease lapses at this time even if never released (a crashed holder). */
  readonly until: number;
}

/** What a request's routing needs: prepared once per candidate set by `createQuery`, read by `read`. */
export interface StateQuerySpec {
  providers: readonly string[];
  budgets?: readonly BudgetKey[];
}

/** A prepared query (keys computed once); read it with the store that created it. */
export interface StateQuery {
  readonly providers: readonly string[];
  readonly budgets: readonly BudgetKey[];
}

/** Shared state of one provider at `now`. */
export interface ProviderStateView {
  provider: string;
  /** End of the cool-down; `0` when none is running (an ended one reads as `0`). */
  cooldownUntil: number;
  circuit: CircuitRecord;
  usage: RateUsage;
}

/** The answer of `read`, in the order of the query. */
export interface StateSnapshot {
  providers: ProviderStateView[];
  /** USD spent in each budget's window ending now. */
  budgetSpend: number[];
}

/** What is recorded when an attempt ends, sent together (one pipeline on Redis). */
export interface AttemptOutcome {
  /** The attempt's reservation and its actual total tokens (from usage). */
  reservation?: Reservation | null;
  tokens?: number;
  /** The attempt's cost, added to every budget it matches. */
  spend?: { budgets: readonly BudgetKey[]; usd: number };
  /** A cool-down of `provider` until this time (a longer one running is kept). */
  cooldown?: { provider: string; until: number };
  /** A circuit transition. */
  circuit?: { provider: string; record: CircuitRecord };
}

/**
 * The router's state that may be shared between processes: per-minute request/token windows, budget
 * spend, cool-downs, circuit states and half-open probes. Every method takes the router's `clock()` as
 * `now`; no implementation reads a clock of its own. `LocalStateStore` answers synchronously;
 * `RedisStateStore` answers with promises that never reject (on any Redis failure it answers from
 * its local mirror), or synchronously while Redis is down. So a caller either awaits every answer
 * (`await` accepts both) or skips the await on the hot path:
 *
 * ```ts
 * const r = store.tryAcquire(name, { rpm, tpm }, estimate, clock());
 * const result = r instanceof Promise ? await r : r;
 * ```
 *
 * Writes (`settle`, `release`, `addSpend`, `setCooldown`, `setCircuit`, `releaseProbe`,
 * `recordOutcome`) may be left un-awaited: they never reject.
 */
export interface RouterStateStore {
  readonly kind: 'local' | 'redis';
  /** Atomically counts one request of `tokens` (estimated) tokens against `limits`, or refuses it without counting. */
  tryAcquire(provider: string, limits: RateLimits, tokens: number, now: number): MaybePromise<AcquireResult>;
  /** Replaces a reservation's tokens by the actual count (the window's total moves by the difference). */
  settle(reservation: Reservation, tokens: number, now: number): MaybePromise<void>;
  /** Removes a reservation whose request never reached the provider. */
  release(reservation: Reservation, now: number): MaybePromise<void>;
  usage(provider: string, now: number): MaybePromise<RateUsage>;
  /** Adds `usd` to each budget (a non-finite amount counts as 0); answers each one's spend in its window ending now. */
  addSpend(budgets: readonly BudgetKey[], usd: number, now: number): MaybePromise<number[]>;
  spend(budgets: readonly BudgetKey[], now: number): MaybePromise<number[]>;
  /** Cools `provider` down until `until`, keeping a longer cool-down already running; answers the one in force. */
  setCooldown(provider: string, until: number, now: number): MaybePromise<number>;
  /** End of `provider`'s cool-down, `0` when none runs at `now`. */
  cooldownUntil(provider: string, now: number): MaybePromise<number>;
  setCircuit(provider: string, record: CircuitRecord, now: number): MaybePromise<void>;
  /** The stored circuit; `{ state: 'closed', until: 0 }` when none. */
  circuit(provider: string, now: number): MaybePromise<CircuitRecord>;
  /** Claims the half-open probe of `provider` for `ttlMs`; `null` while another holder's lease runs. */
  tryAcquireProbe(provider: string, ttlMs: number, now: number): MaybePromise<ProbeLease | null>;
  /** Gives a probe back (only the holder's own lease is removed). */
  releaseProbe(lease: ProbeLease): MaybePromise<void>;
  /** Records an attempt's end: settle, spend, cool-down and circuit together. Answers the budgets' spend. */
  recordOutcome(outcome: AttemptOutcome, now: number): MaybePromise<number[]>;
  createQuery(spec: StateQuerySpec): StateQuery;
  /** Everything routing needs for a request's candidates, in one call (one round trip on Redis). */
  read(query: StateQuery, now: number): MaybePromise<StateSnapshot>;
  close(): Promise<void>;
}

/**
 * Share of a provider's per-minute limits still free, from 0 (a limit reached) to 1 (idle); the
 * smaller of the rpm and tpm shares. `1` when it has no limits. For the `usage-based` strategy.
 */
export function rateHeadroom(usage: RateUsage, limits: RateLimits): number {
  let h = 1;
  if (limits.rpm !== undefined) h = Math.min(h, limits.rpm > 0 ? 1 - usage.requests / limits.rpm : 0);
  if (limits.tpm !== undefined) h = Math.min(h, limits.tpm > 0 ? 1 - usage.tokens / limits.tpm : 0);
  return h < 0 ? 0 : h;
}

export const CLOSED_CIRCUIT: Readonly<CircuitRecord> = Object.freeze({ state: 'closed', until: 0 });
