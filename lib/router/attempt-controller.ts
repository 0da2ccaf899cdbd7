import {
  AbortError,
  LlmRouterError,
  NetworkError,
  ProviderError,
  StreamError,
  TimeoutError,
} from '../errors/llm-router-error.js';
import type { RateLimitSnapshot } from '../events/router-event.js';
import { AbortEmitter } from '../http/abort-emitter.js';
import type { AttemptContext } from '../providers/provider.js';
import type { DeadlineEntry, DeadlineQueue } from './deadline-queue.js';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * One attempt: its context for the provider, and its signal, which fires on the caller's abort or on the
 * attempt's timeout. Turns whatever the provider threw into the router's typed error.
 *
 * The signal is an `AbortEmitter` that undici takes as it is; a Node `AbortSignal` is created only when a
 * provider reads `signal`.
 */
export class AttemptController extends AbortEmitter implements AttemptContext, DeadlineEntry {
  readonly deadline: number;
  deadlinePrev: DeadlineEntry | undefined = undefined;
  deadlineNext: DeadlineEntry | undefined = undefined;
  deadlineQueued = false;
  /** The request's own headers, for the provider to merge over its configured ones. */
  headers: Record<string, string> | undefined = undefined;
  /** Set by the provider from the answer's rate-limit headers. */
  rateLimit: RateLimitSnapshot | null | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private timedOut = false;
  private callerAborted = false;
  private readonly onCallerAbort: (() => void) | undefined = undefined;

  /** `startedAt` is the attempt's `performance.now()` start; its timeout runs on `deadlines`. */
  constructor(
    private readonly provider: string,
    readonly requestId: string,
    readonly model: string,
    readonly timeoutMs: number,
    private readonly callerSignal: AbortSignal | undefined,
    private readonly deadlines: DeadlineQueue,
    startedAt: number,
  ) {
    super();
    if (callerSignal !== undefined) {
      this.onCallerAbort = () => {
        this.callerAborted = true;
        this.fire(callerSignal.reason);
      };
      if (callerSignal.aborted) this.onCallerAbort();
      else callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    this.deadline = startedAt + timeoutMs;
    deadlines.add(this);
  }

  /** Called by the deadline queue when the attempt's timeout passes. */
  expire(): void {
    this.timedOut = true;
    this.fire(new TimeoutError(this.timeoutMessage(), { provider: this.provider, requestId: this.requestId }));
  }

  /** A Node `AbortSignal` that follows this attempt, created on first use. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** The attempt's signal in the form undici takes (see `AbortEmitter`). */
  get httpSignal(): AbortEmitter {
    return this;
  }

  protected override fire(reason: unknown): void {
    if (this.aborted) return;
    this.controller?.abort(reason);
    super.fire(reason);
  }

  /** Stops the attempt's overall timer (a stream then relies on its idle timeout). */
  clearTimer(): void {
    this.deadlines.remove(this);
  }

  /** Aborts the attempt (e.g. a consumer abandoning its stream). */
  abort(): void {
    this.fire(new AbortError('stream abandoned by the consumer', { provider: this.provider, requestId: this.requestId }));
  }

  /** Ends the attempt: stops the timer and unhooks the caller's signal. */
  dispose(): void {
    this.clearTimer();
    if (this.onCallerAbort !== undefined) this.callerSignal!.removeEventListener('abort', this.onCallerAbort);
  }

  /** The typed error of a failure; `streaming` is true once a stream had been accepted. */
  classify(error: unknown, streaming: boolean): LlmRouterError {
    const opts = { provider: this.provider, requestId: this.requestId, cause: error };
    if (this.callerAborted) return new AbortError('request aborted by the caller', opts);
    if (this.timedOut) return new TimeoutError(this.timeoutMessage(), opts);
    if (error instanceof LlmRouterError) {
      if (error.requestId === undefined) error.requestId = this.requestId;
      return error;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
      return new TimeoutError(`${this.provider} was idle for more than ${this.timeoutMs} ms`, opts);
    }
    const detail = error instanceof Error ? `${typeof code === 'string' ? `${code}: ` : ''}${error.message}` : String(error);
    if (streaming) return new StreamError(`${this.provider} stream was cut: ${detail}`, opts);
    if (typeof code === 'string') {
      return new NetworkError(`${this.provider} could not be reached: ${detail}`, opts);
    }
    return new ProviderError(`${this.provider} failed: ${detail}`, opts);
  }

  private timeoutMessage(): string {
    return `${this.provider} did not answer within ${this.timeoutMs} ms`;
  }
}
