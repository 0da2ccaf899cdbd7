import type { AbortEmitter, Abortable } from './abort-emitter.js';
import { abortReasonOf, hookSignal, unhookSignal } from './call-signal.js';
import { findRawHeader, parseRawHeaders, type ParsedHeaders, type RawHeaders } from './raw-headers.js';

/** A non-streamed answer, read whole. */
export interface HttpTextResponse {
  readonly statusCode: number;
  /** Every header, lower-cased names, repeated ones as arrays (undici's `parseHeaders`); parsed on first read. */
  readonly headers: ParsedHeaders;
  /** The body decoded as UTF-8 (a leading BOM skipped), as undici's `body.text()` reads it. */
  readonly text: string;
  /** What cut the body after the head arrived (`text` then holds nothing); undefined when it was read whole. */
  readonly bodyError: unknown;
  /** The first value of a header (`name` lower-case), without parsing the others. */
  header(name: string): string | undefined;
}

/**
 * One request dispatched to an undici pool with a handler that keeps the body's chunks and resolves once
 * the answer is complete: one promise per call, where `request()` and `body.text()` cost an AsyncResource,
 * a Readable, a parsed header object and two promises. Aborts like `request()` with a signal: the signal's
 * reason (or `RequestAbortedError`) once the request has a connection, which ends it.
 */
export class TextExchange implements HttpTextResponse, Abortable {
  readonly promise: Promise<HttpTextResponse>;
  statusCode = 0;
  text = '';
  bodyError: unknown = undefined;
  private resolve!: (value: HttpTextResponse) => void;
  private reject!: (error: unknown) => void;
  private raw: RawHeaders | null = null;
  private parsed: ParsedHeaders | undefined = undefined;
  /** The body's first chunk, and the others after it when there are more (most answers come in one). */
  private first: Buffer | null = null;
  private more: Buffer[] | null = null;
  private length = 0;
  private abortRequest: ((error: Error) => void) | null = null;
  private reason: Error | null = null;
  private settled = false;
  /** The listener given to a signal other than a free `AbortEmitter` (which calls `abortWith` itself). */
  private readonly onAbort: (() => void) | undefined;

  constructor(private readonly signal: AbortSignal | AbortEmitter | undefined) {
    this.promise = new Promise<HttpTextResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (signal === undefined) return;
    if (signal.aborted) this.reason = abortReasonOf(signal);
    else this.onAbort = hookSignal(signal, this);
  }

  /** The signal fired: the request ends with its reason (at once, or when it gets a connection). */
  abortWith(_reason: unknown): void {
    if (this.settled) return;
    this.reason = abortReasonOf(this.signal!);
    if (this.abortRequest !== null) this.abortRequest(this.reason);
  }

  get headers(): ParsedHeaders {
    return (this.parsed ??= this.raw === null ? {} : parseRawHeaders(this.raw));
  }

  header(name: string): string | undefined {
    return this.raw === null ? undefined : findRawHeader(this.raw, name);
  }

  onConnect(abort: (error: Error) => void): void {
    if (this.reason !== null) {
      abort(this.reason);
      return;
    }
    this.abortRequest = abort;
  }

  onHeaders(statusCode: number, raw: Buffer[]): boolean {
    if (statusCode < 200) return true;
    this.statusCode = statusCode;
    this.raw = raw;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.first === null) this.first = chunk;
    else (this.more ??= [this.first]).push(chunk);
    this.length += chunk.length;
    return true;
  }

  onComplete(): void {
    const first = this.first;
    if (first !== null && this.length > 0) {
      const buffer = this.more === null ? first : Buffer.concat(this.more, this.length);
      const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
      this.text = buffer.toString('utf8', start);
    }
    this.first = this.more = null;
    this.settle();
    this.resolve(this);
  }

  onError(error: Error): void {
    this.first = this.more = null;
    this.settle();
    if (this.raw === null) this.reject(error);
    else {
      this.bodyError = error;
      this.resolve(this);
    }
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.abortRequest = null;
    unhookSignal(this.signal, this, this.onAbort);
  }
}
