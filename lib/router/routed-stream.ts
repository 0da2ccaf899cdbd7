import type { LlmRouterError } from '../errors/llm-router-error.js';
import type { ChatCompletionChunk, ChatCompletionStream, FinishReason, Usage } from '../types/chat.js';
import type { AttemptController } from './attempt-controller.js';

/** How a stream ended, reported once to the router. */
export interface StreamOutcome {
  error: LlmRouterError | undefined;
  usage: Usage | null;
  finishReason: FinishReason | null;
  /** Milliseconds from the attempt's start to the first chunk. */
  ttftMs: number | null;
  abandoned: boolean;
}

/** The router's side of a stream: first chunk and end. */
export interface StreamHooks {
  onFirstChunk(ttftMs: number): void;
  onEnd(outcome: StreamOutcome): void;
}

/**
 * The stream handed to the caller: yields the provider's chunks, notes time to first token, usage and
 * finish reason, and reports exactly one end — finished, cut (the typed error is thrown to the consumer),
 * or abandoned (the consumer stopped early; the connection is released).
 */
export class RoutedStream implements ChatCompletionStream {
  private consumed = false;
  private ended = false;
  /** @internal */
  abandonedByCaller = false;

  constructor(
    readonly requestId: string,
    readonly provider: string,
    readonly model: string,
    private readonly source: AsyncIterable<ChatCompletionChunk>,
    /** @internal */
    readonly controller: AttemptController,
    /** @internal */
    readonly startedAt: number,
    /** @internal */
    readonly hooks: StreamHooks,
  ) {}

  abort(): void {
    if (this.ended) return;
    this.abandonedByCaller = true;
    this.controller.abort();
    if (!this.consumed) this.end({ error: undefined, usage: null, finishReason: null, ttftMs: null, abandoned: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ChatCompletionChunk> {
    if (this.consumed) throw new TypeError('a stream can be iterated only once');
    this.consumed = true;
    return new RoutedStreamIterator(this, this.source[Symbol.asyncIterator]());
  }

  /** @internal Reports the stream's end once. */
  end(outcome: StreamOutcome): void {
    if (this.ended) return;
    this.ended = true;
    this.controller.dispose();
    this.hooks.onEnd(outcome);
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Iterates a `RoutedStream`. Written out rather than as an async generator: one promise per chunk instead
 * of a generator's await-and-resolve per chunk on top of the provider's own.
 */
class RoutedStreamIterator implements AsyncIterableIterator<ChatCompletionChunk> {
  private usage: Usage | null = null;
  private finishReason: FinishReason | null = null;
  private ttftMs: number | null = null;
  private finished = false;

  constructor(
    private readonly stream: RoutedStream,
    private readonly source: AsyncIterator<ChatCompletionChunk>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.finished) return Promise.resolve(DONE);
    return this.source.next().then(this.onResult, this.onError);
  }

  async return(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.finished) return DONE;
    this.finished = true;
    try {
      await this.source.return?.();
    } finally {
      this.finish(undefined, true);
    }
    return DONE;
  }

  private readonly onResult = (result: IteratorResult<ChatCompletionChunk>): IteratorResult<ChatCompletionChunk> | Promise<IteratorResult<ChatCompletionChunk>> => {
    if (result.done === true) {
      this.finished = true;
      this.finish(undefined, false);
      return DONE;
    }
    try {
      const chunk = result.value;
      if (this.ttftMs === null) {
        this.ttftMs = performance.now() - this.stream.startedAt;
        this.stream.hooks.onFirstChunk(this.ttftMs);
      }
      if (chunk.usage != null) this.usage = chunk.usage;
      const choice = chunk.choices[0];
      if (choice !== undefined && choice.finishReason !== null) this.finishReason = choice.finishReason;
      return result;
    } catch (e) {
      return Promise.resolve(this.source.return?.()).then(
        () => this.onError(e),
        () => this.onError(e),
      );
    }
  };

  private readonly onError = (e: unknown): IteratorResult<ChatCompletionChunk> => {
    this.finished = true;
    if (this.stream.abandonedByCaller) {
      this.finish(undefined, true);
      return DONE;
    }
    const error = this.stream.controller.classify(e, true);
    this.finish(error, false);
    throw error;
  };

  private finish(error: LlmRouterError | undefined, abandoned: boolean): void {
    this.stream.end({ error, usage: this.usage, finishReason: this.finishReason, ttftMs: this.ttftMs, abandoned });
  }
}
