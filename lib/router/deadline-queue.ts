/** Something with a deadline in a {@link DeadlineQueue}; the queue owns the link fields. */
export interface DeadlineEntry {
  /** `performance.now()` time at which `expire()` is called. */
  deadline: number;
  /** @internal */
  deadlinePrev: DeadlineEntry | undefined;
  /** @internal */
  deadlineNext: DeadlineEntry | undefined;
  /** @internal */
  deadlineQueued: boolean;
  expire(): void;
}

/** setTimeout's longest delay; a longer one would fire at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `expire()` on each entry whose deadline passes before it is removed, with one Node timer for all
 * of them: adding and removing an entry are O(1) for entries of equal timeout (they arrive in deadline
 * order) and allocate nothing, where a `setTimeout` per entry costs a Timeout, a timer list and ref
 * counting per call. The timer keeps the process alive only while entries are queued.
 */
export class DeadlineQueue {
  private head: DeadlineEntry | undefined;
  private tail: DeadlineEntry | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly onTimer = (): void => this.fire();

  add(entry: DeadlineEntry): void {
    const wasEmpty = this.head === undefined;
    let after = this.tail;
    while (after !== undefined && after.deadline > entry.deadline) after = after.deadlinePrev;
    entry.deadlinePrev = after;
    entry.deadlineNext = after === undefined ? this.head : after.deadlineNext;
    if (entry.deadlineNext === undefined) this.tail = entry;
    else entry.deadlineNext.deadlinePrev = entry;
    if (after === undefined) this.head = entry;
    else after.deadlineNext = entry;
    entry.deadlineQueued = true;
    if (this.timer === undefined || entry.deadline < this.timerAt) this.schedule(entry.deadline);
    else if (wasEmpty) this.timer.ref();
  }

  remove(entry: DeadlineEntry): void {
    if (!entry.deadlineQueued) return;
    entry.deadlineQueued = false;
    const { deadlinePrev: prev, deadlineNext: next } = entry;
    if (prev === undefined) this.head = next;
    else prev.deadlineNext = next;
    if (next === undefined) this.tail = prev;
    else next.deadlinePrev = prev;
    entry.deadlinePrev = entry.deadlineNext = undefined;
    if (this.head === undefined) this.timer?.unref();
  }

  private schedule(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.min(MAX_DELAY_MS, Math.max(0, Math.ceil(at - performance.now()))));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let entry = this.head;
    while (entry !== undefined && entry.deadline <= now) {
      this.remove(entry);
      entry.expire();
      entry = this.head;
    }
    if (entry !== undefined) this.schedule(entry.deadline);
  }
}
