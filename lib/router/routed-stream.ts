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
  private abandonedByCaller = false;

  constructor(
    readonly requestId: string,
    readonly provider: string,
    readonly model: string,
    private readonly source: AsyncIterable<ChatCompletionChunk>,
    private readonly controller: AttemptController,
    private readonly startedAt: number,
    private readonly hooks: StreamHooks,
  ) {}

  abort(): void {
    if (this.ended) return;
    this.abandonedByCaller = true;
    this.controller.abort();
    if (!this.consumed) this.end({ error: undefined, usage: null, finishReason: null, ttftMs: null, abandoned: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk> {
    if (this.consumed) throw new TypeError('a stream can be iterated only once');
    this.consumed = true;
    return this.iterate();
  }

  private async *iterate(): AsyncGenerator<ChatCompletionChunk> {
    let usage: Usage | null = null;
    let finishReason: FinishReason | null = null;
    let ttftMs: number | null = null;
    let completed = false;
    let error: LlmRouterError | undefined;
    try {
      for await (const chunk of this.source) {
        if (ttftMs === null) {
          ttftMs = performance.now() - this.startedAt;
          this.hooks.onFirstChunk(ttftMs);
        }
        if (chunk.usage != null) usage = chunk.usage;
        const choice = chunk.choices[0];
        if (choice !== undefined && choice.finishReason !== null) finishReason = choice.finishReason;
        yield chunk;
      }
      completed = true;
    } catch (e) {
      if (!this.abandonedByCaller) {
        error = this.controller.classify(e, true);
        throw error;
      }
    } finally {
      this.end({ error, usage, finishReason, ttftMs, abandoned: !completed && error === undefined });
    }
  }

  private end(outcome: StreamOutcome): void {
    if (this.ended) return;
    this.ended = true;
    this.controller.dispose();
    this.hooks.onEnd(outcome);
  }
}
