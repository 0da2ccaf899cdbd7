import type { LlmRouterError } from '../errors/llm-router-error.js';
import type { ChatCompletionChunk, FinishReason, RoutedChatCompletionStream, Usage } from '../types/chat.js';
import type { Attempt } from './attempt.js';
import type { BufferedIterator } from './first-content.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });


/**
 * The stream handed to the caller: yields the provider's chunks (each stamped with the request id),
 * notes time to first token, usage and finish reason, and reports exactly one end — finished, cut (the
 * typed error is thrown to the consumer), or abandoned (the consumer stopped early, or the router
 * closed; the connection is released).
 */
export class RoutedStream implements RoutedChatCompletionStream {
  readonly requestId: string;
  readonly provider: string;
  readonly model: string;
  // Released once the stream has ended (see #end), as are #iterator and #first.
  #attempt: Attempt | undefined;
  #source: AsyncIterable<ChatCompletionChunk> | undefined;
  #iterator: AsyncIterator<ChatCompletionChunk> | undefined = undefined;
  #consumed = false;
  #finished = false;
  #ended = false;
  #abandoned = false;
  #usage: Usage | null = null;
  #finishReason: FinishReason | null = null;
  #ttftMs: number | null = null;
  #first: ChatCompletionChunk | undefined = undefined;

  constructor(attempt: Attempt, source: AsyncIterable<ChatCompletionChunk>) {
    this.requestId = attempt.run.requestId;
    this.provider = attempt.target.slot.provider.name;
    this.model = attempt.target.model;
    this.#attempt = attempt;
    this.#source = source;
    attempt.host.openStreams.add(this);
  }

  /** Stops the stream and releases its connection; recorded as abandoned. */
  abort(): void {
    if (this.#ended) return;
    this.#abandoned = true;
    this.#attempt!.controller.abort();
    this.#end(undefined, true);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ChatCompletionChunk> {
    if (this.#consumed) throw new TypeError('a stream can be iterated only once');
    this.#consumed = true;
    this.#iterator = this.#source?.[Symbol.asyncIterator]();
    const iterator: AsyncIterableIterator<ChatCompletionChunk> = {
      next: () => this.#next(),
      return: () => this.#return(),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** The chunks as a web `ReadableStream`; cancelling it abandons the stream, as breaking out of a loop does. */
  toReadableStream(): ReadableStream<ChatCompletionChunk> {
    const iterator = this[Symbol.asyncIterator]();
    return new ReadableStream<ChatCompletionChunk>(
      {
        async pull(controller) {
          const result = await iterator.next();
          if (result.done === true) controller.close();
          else controller.enqueue(result.value);
        },
        async cancel() {
          await iterator.return!();
        },
      },
      { highWaterMark: 0 },
    );
  }

  #next(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.#finished || this.#ended) return Promise.resolve(DONE);
    const iterator = this.#iterator as BufferedIterator;
    // A chunk already decoded (most of them: a network read brings several) is handed on without a promise chain.
    const buffered = iterator.takeBuffered?.();
    if (buffered !== undefined) return Promise.resolve(this.#onResult(buffered));
    return iterator.next().then(this.#onResult, this.#onError);
  }

  async #return(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.#finished) return DONE;
    this.#finished = true;
    try {
      await this.#iterator?.return?.();
    } finally {
      this.#end(undefined, true);
    }
    return DONE;
  }

  readonly #onResult = (result: IteratorResult<ChatCompletionChunk>): IteratorResult<ChatCompletionChunk> | Promise<IteratorResult<ChatCompletionChunk>> => {
    if (result.done === true) {
      this.#finished = true;
      this.#end(undefined, false);
      return DONE;
    }
    try {
      const chunk = result.value;
      chunk.requestId = this.requestId;
      if (this.#first === undefined) {
        this.#first = chunk;
        const a = this.#attempt!;
        this.#ttftMs = performance.now() - a.startedAt;
        a.host.reporter.firstChunk(a.run, a.target, a.number, this.#ttftMs);
      }
      if (chunk.usage != null) this.#usage = chunk.usage;
      const choice = chunk.choices[0];
      if (choice !== undefined && choice.finishReason !== null) this.#finishReason = choice.finishReason;
      return result;
    } catch (e) {
      return Promise.resolve(this.#iterator?.return?.()).then(
        () => this.#onError(e),
        () => this.#onError(e),
      );
    }
  };

  readonly #onError = (e: unknown): IteratorResult<ChatCompletionChunk> => {
    this.#finished = true;
    if (this.#abandoned) {
      this.#end(undefined, true);
      return DONE;
    }
    const error = this.#attempt!.controller.classify(e, true);
    this.#end(error, false);
    throw error;
  };

  /**
   * Reports the end once, then lets go of the attempt and the chunks (and of the source once it is read
   * out): a stream object outlives its end in the open-streams set's old tables until a full collection,
   * and must not keep its request alive, and promoted, through them.
   */
  #end(error: LlmRouterError | undefined, abandoned: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    const attempt = this.#attempt!;
    attempt.host.openStreams.delete(this);
    attempt.streamEnded(error, this.#usage, this.#ttftMs, this.#finishReason, abandoned, this.#first);
    this.#attempt = undefined;
    this.#first = undefined;
    this.#usage = null;
    if (this.#finished) {
      this.#source = undefined;
      this.#iterator = undefined;
    }
  }
}
