import { RATE_WINDOW_MS, type RateLimits, type RateUsage, type Reservation } from './router-state-store.js';

/** A request granted by a `RateLog`: its own `Reservation`, pointing at its place in the log. */
export class RateEntry implements Reservation {
  constructor(
    /** The log's sequence number of the entry (its place in the ring while it is held). */
    readonly seq: number,
    readonly provider: string,
    readonly at: number,
    public tokens: number,
    readonly log: RateLog,
    private readonly idPrefix: string,
  ) {}

  /** Unique per provider and store (`idPrefix` is random per store); built only when read. */
  get id(): string {
    return this.idPrefix + this.seq.toString(36);
  }

  /** False once it left the window or was released. */
  get live(): boolean {
    return this.log.holds(this.seq);
  }

  toJSON(): object {
    return { id: this.id, provider: this.provider, at: this.at, tokens: this.tokens, live: this.live };
  }
}

/**
 * The sliding-window log of one provider: the requests of the last `RATE_WINDOW_MS` in time order,
 * kept as numbers in a ring of typed arrays (grant time, tokens, live flag) with their count and token
 * total. Nothing per request outlives the call that made it except the returned reservation, so a
 * window of many thousand requests adds nothing for the garbage collector to trace. Each entry is added
 * and removed once: every operation is amortised O(1); memory is bounded by the requests of one window.
 */
export class RateLog {
  private at = new Float64Array(16);
  private tok = new Float64Array(16);
  private live = new Uint8Array(16);
  private mask = 15;
  /** Sequence number of the oldest entry held. */
  private headSeq = 0;
  private size = 0;
  private count = 0;
  private sum = 0;
  /** Entries granted elsewhere (the Redis store's mirror), by reservation id. */
  private readonly byId = new Map<string, number>();
  private readonly idOf = new Map<number, string>();

  constructor(
    readonly provider: string,
    private readonly idPrefix = '',
  ) {}

  /** Drops the entries that left the window ending at `now` (and released ones at the front). */
  prune(now: number): void {
    const cutoff = now - RATE_WINDOW_MS;
    while (this.size > 0) {
      const p = this.headSeq & this.mask;
      if (this.live[p] === 1 && this.at[p]! > cutoff) break;
      if (this.live[p] === 1) this.drop(this.headSeq);
      this.headSeq++;
      this.size--;
    }
  }

  /** Whether one more request of `tokens` fits `limits` at `now`; `null` if it does, else the limit. */
  check(limits: RateLimits, tokens: number): 'rpm' | 'tpm' | null {
    if (limits.rpm !== undefined && this.count + 1 > limits.rpm) return 'rpm';
    if (limits.tpm !== undefined && this.sum + tokens > limits.tpm) return 'tpm';
    return null;
  }

  /** Adds a granted request (no limit check) and returns its reservation. */
  add(at: number, tokens: number): RateEntry {
    return new RateEntry(this.push(at, tokens), this.provider, at, tokens, this, this.idPrefix);
  }

  /** Adds a request granted elsewhere (the Redis store's mirror), found again by its reservation's id. */
  addIndexed(id: string, at: number, tokens: number): void {
    const seq = this.push(at, tokens);
    this.byId.set(id, seq);
    this.idOf.set(seq, id);
  }

  settle(reservation: Reservation, tokens: number): void {
    const seq = this.find(reservation);
    if (seq < 0) return;
    const p = seq & this.mask;
    this.sum += tokens - this.tok[p]!;
    this.tok[p] = tokens;
    if (reservation instanceof RateEntry) reservation.tokens = tokens;
  }

  release(reservation: Reservation): void {
    const seq = this.find(reservation);
    if (seq >= 0) this.drop(seq);
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
      const p = (this.headSeq + i) & this.mask;
      if (this.live[p] === 1) return this.at[p]!;
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

  private push(at: number, tokens: number): number {
    if (this.size === this.at.length) this.grow();
    const seq = this.headSeq + this.size;
    const p = seq & this.mask;
    this.at[p] = at;
    this.tok[p] = tokens;
    this.live[p] = 1;
    this.size++;
    this.count++;
    this.sum += tokens;
    return seq;
  }

  /** Whether the entry `seq` is still counted. */
  holds(seq: number): boolean {
    return seq >= this.headSeq && seq < this.headSeq + this.size && this.live[seq & this.mask] === 1;
  }

  /** The live entry's sequence number, or -1. */
  private find(r: Reservation): number {
    let seq: number;
    if (r instanceof RateEntry && r.log === this) seq = r.seq;
    else {
      const s = this.byId.size > 0 ? this.byId.get(r.id) : undefined;
      if (s === undefined) return -1;
      seq = s;
    }
    return this.holds(seq) ? seq : -1;
  }

  private drop(seq: number): void {
    const p = seq & this.mask;
    this.live[p] = 0;
    this.count--;
    this.sum -= this.tok[p]!;
    if (this.idOf.size > 0) {
      const id = this.idOf.get(seq);
      if (id !== undefined) {
        this.idOf.delete(seq);
        this.byId.delete(id);
      }
    }
  }

  private grow(): void {
    const n = this.at.length * 2;
    const at = new Float64Array(n);
    const tok = new Float64Array(n);
    const live = new Uint8Array(n);
    const mask = n - 1;
    for (let i = 0; i < this.size; i++) {
      const seq = this.headSeq + i;
      const from = seq & this.mask;
      const to = seq & mask;
      at[to] = this.at[from]!;
      tok[to] = this.tok[from]!;
      live[to] = this.live[from]!;
    }
    this.at = at;
    this.tok = tok;
    this.live = live;
    this.mask = mask;
  }
}
