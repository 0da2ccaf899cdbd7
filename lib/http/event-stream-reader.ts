import { StringDecoder } from 'node:string_decoder';

/** Splits decoded text into events as it arrives, synchronously (see `SseSplitter`, `NdjsonSplitter`). */
export interface TextEventSplitter<E> {
  /** Appends each event that `text` completes to `out`. */
  feed(text: string, out: E[]): void;
  /** The text ended: completes what is left into `out`. */
  end(out: E[]): void;
}

/** What the reader does with its stream's events. */
export interface EventStreamHandlers<E, T> {
  /** Maps one event to zero, one or several items; throws to end the stream with that error. */
  decode(event: E): T | T[] | undefined;
  /** Called once the body ended and every event was decoded; throws if the stream was incomplete. */
  end(): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Reads a body of UTF-8 text events (SSE, NDJSON) as the items they decode to, in order. Every event of a
 * network chunk is split and decoded at once; the items then resolve one by one without a promise chain per
 * item (an async generator per layer would add an await and a resolve to each). An error of a decoded event
 * is thrown after the items before it. `return()` releases the body.
 */
export class EventStreamReader<E, T> implements AsyncIterableIterator<T> {
  private readonly body: AsyncIterator<Buffer | string>;
  private readonly utf8 = new StringDecoder('utf8');
  private readonly events: E[] = [];
  private readonly items: T[] = [];
  private next_ = 0;
  private error: { value: unknown } | undefined;
  private bodyEnded = false;
  private finished = false;
  /** A read of the body in progress; a `next()` meanwhile waits for it, so that items keep their order. */
  private reading: Promise<IteratorResult<T>> | undefined;
  private readonly onBody = (result: IteratorResult<Buffer | string>): IteratorResult<T> | Promise<IteratorResult<T>> => {
    this.reading = undefined;
    if (result.done === true) {
      this.bodyEnded = true;
      const rest = this.utf8.end();
      if (rest.length > 0) this.splitter.feed(rest, this.events);
      this.splitter.end(this.events);
    } else {
      const value = result.value;
      this.splitter.feed(typeof value === 'string' ? value : this.utf8.write(value), this.events);
    }
    this.decodeEvents();
    return this.pull();
  };
  private readonly onBodyError = (error: unknown): never => {
    this.reading = undefined;
    this.finished = true;
    throw error;
  };

  constructor(
    body: AsyncIterable<Buffer | string>,
    private readonly splitter: TextEventSplitter<E>,
    private readonly handlers: EventStreamHandlers<E, T>,
  ) {
    this.body = body[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.reading !== undefined) return this.reading.then(() => this.next(), () => this.next());
    try {
      const result = this.pull();
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The next item if it is already decoded (no read of the body needed), else undefined: lets a wrapping
   * iterator hand it on without a promise of its own per item. `next()` stays the way to wait for one.
   */
  takeBuffered(): IteratorResult<T> | undefined {
    if (this.reading !== undefined || this.next_ >= this.items.length) return undefined;
    return { value: this.items[this.next_++]!, done: false };
  }

  async return(): Promise<IteratorResult<T>> {
    const release = !this.finished && !this.bodyEnded;
    this.finished = true;
    this.items.length = 0;
    this.next_ = 0;
    if (release) await this.body.return?.();
    return DONE;
  }

  /** The next item if one is decoded, the error or end if due, else a read of the body. */
  private pull(): IteratorResult<T> | Promise<IteratorResult<T>> {
    if (this.next_ < this.items.length) return { value: this.items[this.next_++]!, done: false };
    this.items.length = 0;
    this.next_ = 0;
    if (this.finished) return DONE;
    if (this.error !== undefined) {
      this.finished = true;
      const error = this.error.value;
      if (this.bodyEnded) throw error;
      const rethrow = (): never => {
        throw error;
      };
      return Promise.resolve(this.body.return?.()).then(rethrow, rethrow);
    }
    if (this.bodyEnded) {
      this.finished = true;
      this.handlers.end();
      return DONE;
    }
    return (this.reading = this.body.next().then(this.onBody, this.onBodyError));
  }

  private decodeEvents(): void {
    const events = this.events;
    try {
      for (let i = 0; i < events.length; i++) {
        const out = this.handlers.decode(events[i]!);
        if (out === undefined) continue;
        if (Array.isArray(out)) for (const item of out) this.items.push(item);
        else this.items.push(out);
      }
    } catch (error) {
      this.error = { value: error };
    }
    events.length = 0;
  }
}
