import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

/** Splits decoded text into events as it arrives, synchronously (see `SseSplitter`, `NdjsonSplitter`). */
export interface TextEventSplitter<E> {
  /** Appends each event that `text` completes to `out`. */
  feed(text: string, out: E[]): void;
  /** The text ended: completes what is left into `out`. */
  end(out: E[]): void;
  /** The reader is done with it (it may be reused elsewhere). */
  release?(): void;
}

/** What the reader does with its stream's events. */
export interface EventStreamHandlers<E, T> {
  /** Maps one event to zero, one or several items; throws to end the stream with that error. */
  decode(event: E): T | T[] | undefined;
  /** Called once the body ended and every event was decoded; throws if the stream was incomplete. */
  end(): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A `next()` waiting for the body. */
interface Waiter<T> {
  readonly promise: Promise<IteratorResult<T>>;
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

/** The body has no more data and its end was received (its 'end' event is then due on the next tick). */
function atEnd(body: Readable): boolean {
  return body.readableLength === 0 && (body as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * Reads a body of UTF-8 text events (SSE, NDJSON) as the items they decode to, in order. Every event of a
 * network chunk is split and decoded at once; the items then resolve one by one without a promise chain per
 * item. The body is read straight from its `readable`/`end`/`error`/`close` events, only when the items run
 * out (the body's own backpressure holds): a Node async iterator over it would add an async generator and
 * its end-of-stream watcher per stream, and a promise per read. An error of a decoded event is thrown after
 * the items before it, as is an error of the body. `return()` releases the body.
 */
export class EventStreamReader<E, T> implements AsyncIterableIterator<T> {
  private readonly utf8 = new StringDecoder('utf8');
  private readonly events: E[] = [];
  private readonly items: T[] = [];
  private next_ = 0;
  /** The error of a decoded event, thrown once the items before it are taken. */
  private error: { value: unknown } | undefined = undefined;
  /** The body failed (or closed before its end). */
  private bodyError: { value: unknown } | undefined = undefined;
  /** The body ended and its rest was decoded. */
  private bodyEnded = false;
  private finished = false;
  private waiter: Waiter<T> | undefined = undefined;

  private readonly onReadable = (): void => {
    if (this.waiter !== undefined) this.settle();
  };
  private readonly onEnd = (): void => {
    if (this.bodyEnded || this.finished) return;
    this.decodeRest();
    if (this.waiter !== undefined) this.settle();
  };
  private readonly onError = (error: unknown): void => {
    if (this.bodyError === undefined && !this.bodyEnded) this.bodyError = { value: error };
    if (this.waiter !== undefined) this.settle();
  };
  private readonly onClose = (): void => {
    if (this.bodyError === undefined && !this.bodyEnded) this.bodyError = { value: prematureClose() };
    if (this.waiter !== undefined) this.settle();
  };

  constructor(
    private readonly body: Readable,
    private readonly splitter: TextEventSplitter<E>,
    private readonly handlers: EventStreamHandlers<E, T>,
  ) {
    // Listened to from the start, so that an error of a body never read (a request aborted before its
    // stream was iterated) is not an unhandled 'error' event.
    body.on('readable', this.onReadable);
    body.on('end', this.onEnd);
    body.on('error', this.onError);
    body.on('close', this.onClose);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    const waiting = this.waiter;
    if (waiting !== undefined) return waiting.promise.then(() => this.next(), () => this.next());
    try {
      const result = this.pull();
      if (result !== undefined) return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
    let resolve!: (result: IteratorResult<T>) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<IteratorResult<T>>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.waiter = { promise, resolve, reject };
    return promise;
  }

  /**
   * The next item if it is already decoded (no read of the body needed), else undefined: lets a wrapping
   * iterator hand it on without a promise of its own per item. `next()` stays the way to wait for one.
   */
  takeBuffered(): IteratorResult<T> | undefined {
    if (this.waiter !== undefined || this.next_ >= this.items.length) return undefined;
    return { value: this.items[this.next_++]!, done: false };
  }

  return(): Promise<IteratorResult<T>> {
    const release = !this.finished && !this.bodyEnded;
    this.finish();
    this.items.length = 0;
    this.next_ = 0;
    if (release) this.body.destroy();
    const waiting = this.waiter;
    if (waiting !== undefined) {
      this.waiter = undefined;
      waiting.resolve(DONE);
    }
    return Promise.resolve(DONE);
  }

  /** Answers the waiting `next()` once the body brought an item, its end or an error. */
  private settle(): void {
    const waiting = this.waiter!;
    let result: IteratorResult<T> | undefined;
    try {
      result = this.pull();
    } catch (error) {
      this.waiter = undefined;
      waiting.reject(error);
      return;
    }
    if (result === undefined) return;
    this.waiter = undefined;
    waiting.resolve(result);
  }

  /** The next item if one is decoded, the error or end if due, else undefined (the body has nothing yet). */
  private pull(): IteratorResult<T> | undefined {
    const body = this.body;
    for (;;) {
      if (this.next_ < this.items.length) return { value: this.items[this.next_++]!, done: false };
      this.items.length = 0;
      this.next_ = 0;
      if (this.finished) return DONE;
      if (this.error !== undefined) {
        this.finish();
        if (!this.bodyEnded) body.destroy();
        throw this.error.value;
      }
      if (this.bodyEnded) {
        this.finish();
        this.handlers.end();
        return DONE;
      }
      if (this.bodyError !== undefined) {
        this.finish();
        throw this.bodyError.value;
      }
      const chunk: Buffer | string | null = body.destroyed ? null : body.read();
      if (chunk === null) {
        if (!atEnd(body)) return undefined;
        // The body's end is already in (most answers come in one network read): no wait for its 'end' event.
        this.decodeRest();
        continue;
      }
      this.splitter.feed(typeof chunk === 'string' ? chunk : this.utf8.write(chunk), this.events);
      this.decodeEvents();
    }
  }

  /** The body ended: decodes what is left of its text. */
  private decodeRest(): void {
    this.bodyEnded = true;
    const rest = this.utf8.end();
    if (rest.length > 0) this.splitter.feed(rest, this.events);
    this.splitter.end(this.events);
    this.decodeEvents();
  }

  /** No more reading: gives the splitter back once. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.splitter.release?.();
  }

  /** Decodes the events split so far; none after an event that failed. */
  private decodeEvents(): void {
    const events = this.events;
    if (this.error !== undefined) {
      events.length = 0;
      return;
    }
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
