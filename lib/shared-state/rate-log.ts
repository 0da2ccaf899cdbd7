import { RATE_WINDOW_MS, type RateLimits, type RateUsage, type Reservation } from './router-state-store.js';

/** The log holding an entry (a symbol key: `JSON.stringify` of a reservation skips it). */
const OWNER = Symbol('rate-log');

/** One request in a window; it is its own `Reservation`. */
export class RateEntry implements Reservation {
  /** False once it left the window or was released. */
  live = true;
  readonly [OWNER]: RateLog;
  constructor(
    readonly id: string,
    readonly provider: string,
    readonly at: number,
    public tokens: number,
    log: RateLog,
  ) {
    this[OWNER] = log;
  }
}

/**
 * The sliding-window log of one provider: the requests of the last `RATE_WINDOW_MS` in time order (a
 * ring buffer) with their count and token total. Each entry is added and removed once, so every
 * operation is amortised O(1); memory is bounded by the requests granted in one window.
 */
export class RateLog {
  private ring: Array<RateEntry | undefined> = new Array(16);
  private head = 0;
  private size = 0;
  private count = 0;
  private sum = 0;
  private readonly byId = new Map<string, RateEntry>();

  constructor(readonly provider: string) {}

  /** Drops the entries that left the window ending at `now` (and released ones at the front). */
  prune(now: number): void {
    const cutoff = now - RATE_WINDOW_MS;
    while (this.size > 0) {
      const e = this.ring[this.head]!;
      if (e.live && e.at > cutoff) break;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) & (this.ring.length - 1);
      this.size--;
      if (e.live) this.drop(e);
    }
  }

  /** Whether one more request of `tokens` fits `limits` at `now`; `null` if it does, else the limit. */
  check(limits: RateLimits, tokens: number): 'rpm' | 'tpm' | null {
    if (limits.rpm !== undefined && this.count + 1 > limits.rpm) return 'rpm';
    if (limits.tpm !== undefined && this.sum + tokens > limits.tpm) return 'tpm';
    return null;
  }

  /**
   * Adds a granted request (no limit check). `indexed` for a grant decided elsewhere (the Redis
   * store's mirror), whose reservation is not this entry and is found again by id.
   */
  add(id: string, at: number, tokens: number, indexed = false): RateEntry {
    const e = new RateEntry(id, this.provider, at, tokens, this);
    if (this.size === this.ring.length) this.grow();
    this.ring[(this.head + this.size) & (this.ring.length - 1)] = e;
    this.size++;
    this.count++;
    this.sum += tokens;
    if (indexed) this.byId.set(id, e);
    return e;
  }

  settle(reservation: Reservation, tokens: number): void {
    const e = this.find(reservation);
    if (e === undefined) return;
    this.sum += tokens - e.tokens;
    e.tokens = tokens;
  }

  release(reservation: Reservation): void {
    const e = this.find(reservation);
    if (e !== undefined) this.drop(e);
  }

  private find(r: Reservation): RateEntry | undefined {
    if (r instanceof RateEntry && r[OWNER] === this) return r.live ? r : undefined;
    return this.byId.get(r.id);
  }

  get requests(): number {
    return this.count;
  }

  get tokens(): number {
    return this.sum;
  }

  /** Time of the oldest live entry, `null` when none (call after `prune`). */
  oldestAt(): number | null {
    for (let i = 0; i < this.size; i++) {
      const e = this.ring[(this.head + i) & (this.ring.length - 1)]!;
      if (e.live) return e.at;
    }
    return null;
  }

  usage(): RateUsage {
    return { requests: this.count, tokens: this.sum, oldestAt: this.oldestAt() };
  }

  /** Entries in the ring (live or released, not yet pruned). */
  get held(): number {
    return this.size;
  }

  private drop(e: RateEntry): void {
    e.live = false;
    this.count--;
    this.sum -= e.tokens;
    if (this.byId.size > 0) this.byId.delete(e.id);
  }

  private grow(): void {
    const next: Array<RateEntry | undefined> = new Array(this.ring.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.ring[(this.head + i) & (this.ring.length - 1)];
    this.ring = next;
    this.head = 0;
  }
}
