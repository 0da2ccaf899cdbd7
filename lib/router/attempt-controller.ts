import {
  AbortError,
  LlmRouterError,
  NetworkError,
  ProviderError,
  StreamError,
  TimeoutError,
} from '../errors/llm-router-error.js';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * The signal of one attempt: fires on the caller's abort or on the attempt's timeout, and turns whatever
 * the provider threw into the router's typed error.
 */
export class AttemptController {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private callerAborted = false;
  private readonly onCallerAbort = (): void => {
    this.callerAborted = true;
    this.controller.abort(this.callerSignal?.reason);
  };

  constructor(
    private readonly provider: string,
    private readonly requestId: string,
    private readonly timeoutMs: number,
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    if (callerSignal !== undefined) {
      if (callerSignal.aborted) this.onCallerAbort();
      else callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new TimeoutError(this.timeoutMessage(), { provider, requestId }));
    }, timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops the attempt's overall timer (a stream then relies on its idle timeout). */
  clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Aborts the attempt (e.g. a consumer abandoning its stream). */
  abort(): void {
    this.controller.abort(new AbortError('stream abandoned by the consumer', { provider: this.provider, requestId: this.requestId }));
  }

  /** Ends the attempt: stops the timer and unhooks the caller's signal. */
  dispose(): void {
    this.clearTimer();
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
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
