import type { LlmRouterError } from '../errors/llm-router-error.js';
import type { ChatCompletionChoice, ChatCompletionChunk, FinishReason, Usage } from '../types/chat.js';
import type { AttemptController } from './attempt-controller.js';
import { attemptSettled } from './provider-slot.js';
import type { AttemptOutcome, Reporter } from './reporter.js';
import type { RequestRun, Target } from './request-run.js';
import { RoutedStream } from './routed-stream.js';

/** What an attempt needs of the router around it. */
export interface AttemptHost {
  readonly reporter: Reporter;
  readonly clock: () => number;
  /** The streams handed out and not ended yet (ended by `close()`). */
  readonly openStreams: Set<RoutedStream>;
}

/**
 * One call to a provider, from its start to its one end: answered, failed, or handed out as a stream
 * that ends later. Every end goes through `finish`, which updates the provider's state, adds the
 * attempt's time to the request's, and reports it.
 */
export class Attempt {
  constructor(
    readonly host: AttemptHost,
    readonly run: RequestRun,
    readonly target: Target,
    /** 1-based number within the request, across providers. */
    readonly number: number,
    readonly controller: AttemptController,
    /** `performance.now()` at the attempt's start. */
    readonly startedAt: number,
  ) {}

  /** A non-streamed answer: ends the attempt and the request. */
  answered(
    usage: Usage,
    finishReason: FinishReason | null,
    responseId: string | null,
    responseModel: string | null,
    choices: readonly ChatCompletionChoice[] | null,
  ): void {
    this.controller.dispose();
    this.finish(undefined, usage, null, finishReason, false, responseId, responseModel, choices);
    this.host.reporter.requestEnded(this.run, null, usage);
  }

  /** A stream the provider accepted: handed to the caller, ending the attempt when it ends. */
  streamed(source: AsyncIterable<ChatCompletionChunk>): RoutedStream {
    this.controller.clearTimer();
    return new RoutedStream(this, source);
  }

  /** A stream's end: finished, cut (`error`) or abandoned; ends the request too. */
  streamEnded(error: LlmRouterError | undefined, usage: Usage | null, ttftMs: number | null, finishReason: FinishReason | null, abandoned: boolean, first: ChatCompletionChunk | undefined): void {
    this.controller.dispose();
    this.finish(error, usage, ttftMs, finishReason, abandoned, first?.id ?? null, first?.model ?? null, null);
    this.host.reporter.requestEnded(this.run, error ?? null, usage);
  }

  /** A failed call: ends the attempt and returns its typed error (the request goes on or fails). */
  failed(thrown: unknown): LlmRouterError {
    this.controller.dispose();
    const error = this.controller.classify(thrown, false);
    this.finish(error, null, null, null, false, null, null, null);
    return error;
  }

  private finish(
    error: LlmRouterError | undefined,
    usage: Usage | null,
    ttftMs: number | null,
    finishReason: FinishReason | null,
    abandoned: boolean,
    responseId: string | null,
    responseModel: string | null,
    choices: readonly ChatCompletionChoice[] | null,
  ): void {
    const latencyMs = performance.now() - this.startedAt;
    this.run.providerMs += latencyMs;
    attemptSettled(this.target.slot, error, latencyMs, this.host.clock());
    if (!this.host.reporter.active) return;
    const outcome: AttemptOutcome = {
      error,
      latencyMs,
      usage,
      ttftMs,
      finishReason,
      abandoned,
      rateLimit: this.controller.rateLimit ?? null,
      responseId,
      responseModel,
      choices,
    };
    this.host.reporter.attemptEnded(this.run, this.target, this.number, outcome);
  }
}
