import { StringDecoder } from 'node:string_decoder';
import type { AbortEmitter, Abortable } from './abort-emitter.js';
import { abortReasonOf, hookSignal, unhookSignal } from './call-signal.js';
import { findRawHeader, parseRawHeaders, type ParsedHeaders, type RawHeaders } from './raw-headers.js';
import type { EventStreamHandlers, TextEventSplitter } from './text-events.js';

/** Response headers, lower-cased, repeated ones as arrays. */
export type StreamHeaders = ParsedHeaders;

/** The body of a streamed answer: read whole as text (an error answer), or as the items its events decode to. */
export interface StreamBody {
  text(): Promise<string>;
  events<E, T>(splitter: TextEventSplitter<E>, handlers: EventStreamHandlers<E, T>): AsyncIterableIterator<T> & StreamItems<T>;
}

/** An iterator that may hand over an item it already holds without a promise (see `takeBuffered`). */
export interface StreamItems<T> {
  takeBuffered(): IteratorResult<T> | undefined;
}

/** A streamed answer's status line and headers, with its body still to come. */
export interface StreamHead {
  readonly statusCode: number;
  /** Every header (parsed on first read). */
  readonly headers: StreamHeaders;
  /** The first value of one header, by its lower-case name, without parsing the others. */
  header(name: string): string | undefined;
  readonly body: StreamBody;
}


const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
/** Raw bytes held while nobody reads them yet; past this the connection waits. */
const HELD_BYTES = 64 * 1024;
/** Decoded items not taken yet; past this the connection waits. */
const HELD_ITEMS = 1024;

interface Waiter<T> {
  readonly promise: Promise<IteratorResult<T>>;
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

function released(): Error {
  return Object.assign(new Error('stream released by its reader'), { code: 'UND_ERR_ABORTED' });
}

/**
 * One streamed HTTP call as an undici dispatch handler: the answer's head resolves `head`, and its body is
 * split and decoded as its bytes arrive, straight from undici's callbacks (no body stream, no promise per
 * network read), into items taken by the iterator (`events`) or collected as text (`text`). The signal aborts
 * the call before or during its body; the connection waits while too much is held unread.
 */
export class StreamCall<E, T> implements StreamBody, StreamHead, AsyncIterableIterator<T>, StreamItems<T>, Abortable {
  statusCode = 0;
  private rawHeaders: RawHeaders = [];
  private parsedHeaders: StreamHeaders | undefined = undefined;
  readonly head: Promise<StreamHead>;
  private resolveHead!: (head: StreamHead) => void;
  private rejectHead!: (error: unknown) => void;
  private abortCall: ((error: Error) => void) | undefined = undefined;
  private abortReason: { value: unknown } | undefined = undefined;
  private resumeCall: (() => void) | undefined = undefined;
  private paused = false;
  private headed = false;
  /** undici is done with the call (completed or failed). */
  private settled = false;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private mode: 0 | 1 | 2 = 0; // 0 unread, 1 text, 2 events
  private textWaiter: { resolve(text: string): void; reject(error: unknown): void } | undefined = undefined;
  private splitter: TextEventSplitter<E> | undefined = undefined;
  private handlers: EventStreamHandlers<E, T> | undefined = undefined;
  private utf8: StringDecoder | undefined = undefined;
  private readonly events_: E[] = [];
  private readonly items: T[] = [];
  private next_ = 0;
  private error: { value: unknown } | undefined = undefined;
  private bodyError: { value: unknown } | undefined = undefined;
  private bodyEnded = false;
  private finished = false;
  private waiter: Waiter<T> | undefined = undefined;
  /** The listener given to a signal other than a free `AbortEmitter` (which calls `abortWith` itself). */
  private readonly onAbort: (() => void) | undefined = undefined;

  constructor(private readonly signal: AbortSignal | AbortEmitter | undefined) {
    this.head = new Promise<StreamHead>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    if (signal === undefined) return;
    if (signal.aborted) this.abortReason = { value: abortReasonOf(signal) };
    else this.onAbort = hookSignal(signal, this);
  }

  /** The signal fired: the call ends with its reason (at once, or when it gets a connection). */
  abortWith(_reason: unknown): void {
    this.abortCall_(abortReasonOf(this.signal!));
  }

  get body(): StreamBody {
    return this;
  }

  get headers(): StreamHeaders {
    return (this.parsedHeaders ??= parseRawHeaders(this.rawHeaders));
  }

  header(name: string): string | undefined {
    return findRawHeader(this.rawHeaders, name);
  }

  // ---- undici's dispatch handler

  onConnect(abort: (error: Error) => void): void {
    if (this.abortReason !== undefined) {
      abort(this.abortReason.value as Error);
      return;
    }
    this.abortCall = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true;
    this.statusCode = statusCode;
    this.rawHeaders = rawHeaders;
    this.resumeCall = resume;
    this.headed = true;
    this.resolveHead(this);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.mode === 2) {
      if (this.finished) return true;
      this.feed(chunk);
      if (this.waiter !== undefined) this.settle();
      if (this.items.length - this.next_ < HELD_ITEMS) return true;
    } else {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.mode === 1 || this.heldBytes < HELD_BYTES) return true;
    }
    this.paused = true;
    return false;
  }

  onComplete(): void {
    this.settle_();
    if (this.mode === 2) {
      if (this.finished) return;
      this.decodeRest();
      if (this.waiter !== undefined) this.settle();
    } else if (this.mode === 1) {
      this.textWaiter!.resolve(this.heldText());
    } else {
      this.bodyEnded = true;
    }
  }

  onError(error: unknown): void {
    this.settle_();
    if (!this.headed) {
      this.rejectHead(error);
      return;
    }
    // Finished: the reader stopped, or an event's error ends the stream and cancels the call from inside
    // `pull` (undici then calls this at once); the waiting reader is answered there, not here with DONE.
    if (this.finished || this.bodyEnded || this.bodyError !== undefined) return;
    this.bodyError = { value: error };
    if (this.mode === 1) this.textWaiter!.reject(error);
    else if (this.mode === 2 && this.waiter !== undefined) this.settle();
  }

  // ---- the body

  text(): Promise<string> {
    if (this.mode !== 0) return Promise.reject(new TypeError('the body was already read'));
    this.mode = 1;
    this.resume();
    if (this.bodyError !== undefined) return Promise.reject(this.bodyError.value);
    if (this.bodyEnded) return Promise.resolve(this.heldText());
    return new Promise<string>((resolve, reject) => {
      this.textWaiter = { resolve, reject };
    });
  }

  events<E2, T2>(splitter: TextEventSplitter<E2>, handlers: EventStreamHandlers<E2, T2>): AsyncIterableIterator<T2> & StreamItems<T2> {
    if (this.mode !== 0) throw new TypeError('the body was already read');
    const self = this as unknown as StreamCall<E2, T2>;
    self.mode = 2;
    self.splitter = splitter;
    self.handlers = handlers;
    const held = self.held;
    self.held = [];
    self.heldBytes = 0;
    for (let i = 0; i < held.length; i++) self.feed(held[i]!);
    if (self.bodyEnded) self.decodeRest();
    return self;
  }

  // ---- the iterator

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

  /** The next item if it is already decoded, else undefined (`next()` is the way to wait for one). */
  takeBuffered(): IteratorResult<T> | undefined {
    if (this.waiter !== undefined || this.next_ >= this.items.length) return undefined;
    return { value: this.items[this.next_++]!, done: false };
  }

  return(): Promise<IteratorResult<T>> {
    const release = !this.finished && !this.bodyEnded;
    this.finish();
    this.items.length = 0;
    this.next_ = 0;
    if (release) this.cancel();
    const waiting = this.waiter;
    if (waiting !== undefined) {
      this.waiter = undefined;
      waiting.resolve(DONE);
    }
    return Promise.resolve(DONE);
  }

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

  private pull(): IteratorResult<T> | undefined {
    if (this.next_ < this.items.length) return { value: this.items[this.next_++]!, done: false };
    this.items.length = 0;
    this.next_ = 0;
    if (this.finished) return DONE;
    if (this.error !== undefined) {
      this.finish();
      if (!this.bodyEnded) this.cancel();
      throw this.error.value;
    }
    if (this.bodyEnded) {
      this.finish();
      this.handlers!.end();
      return DONE;
    }
    if (this.bodyError !== undefined) {
      this.finish();
      throw this.bodyError.value;
    }
    this.resume();
    return undefined;
  }

  /** Splits and decodes one network chunk. */
  private feed(chunk: Buffer): void {
    let text: string;
    // A chunk that ends on an ASCII byte ends on a character boundary: no decoder is needed until one does not.
    if (this.utf8 === undefined && chunk.length > 0 && chunk[chunk.length - 1]! < 0x80) text = chunk.toString('utf8');
    else text = (this.utf8 ??= new StringDecoder('utf8')).write(chunk);
    this.splitter!.feed(text, this.events_);
    this.decodeEvents();
  }

  private decodeRest(): void {
    this.bodyEnded = true;
    const rest = this.utf8?.end() ?? '';
    if (rest.length > 0) this.splitter!.feed(rest, this.events_);
    this.splitter!.end(this.events_);
    this.decodeEvents();
  }

  private decodeEvents(): void {
    const events = this.events_;
    if (this.error !== undefined) {
      events.length = 0;
      return;
    }
    try {
      for (let i = 0; i < events.length; i++) {
        const out = this.handlers!.decode(events[i]!);
        if (out === undefined) continue;
        if (Array.isArray(out)) for (const item of out) this.items.push(item);
        else this.items.push(out);
      }
    } catch (error) {
      this.error = { value: error };
    }
    events.length = 0;
  }

  /** No more reading: gives the splitter back once. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.splitter?.release?.();
  }

  private heldText(): string {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    return held.length === 1 ? held[0]!.toString('utf8') : Buffer.concat(held).toString('utf8');
  }

  /** The connection may go on once what is held was taken. */
  private resume(): void {
    if (!this.paused || this.settled) return;
    this.paused = false;
    this.resumeCall?.();
  }

  /** The reader let go of a body still coming: the call is aborted (its connection closed). */
  private cancel(): void {
    if (this.settled) return;
    this.abortCall_(released());
  }

  private abortCall_(reason: unknown): void {
    if (this.settled) return;
    if (this.abortCall === undefined) {
      this.abortReason ??= { value: reason };
      return;
    }
    const abort = this.abortCall;
    this.abortCall = undefined;
    abort(reason as Error);
  }

  /** undici is done with the call: the signal is let go. */
  private settle_(): void {
    if (this.settled) return;
    this.settled = true;
    this.abortCall = undefined;
    unhookSignal(this.signal, this, this.onAbort);
  }
}
