import type { LlmRouterError } from '../errors/llm-router-error.js';
import type { RateLimitSnapshot } from '../events/router-event.js';
import type { ChatCompletionChoice, ChatCompletionChunk, FinishReason, Usage } from '../types/chat.js';
import type { AttemptController } from './attempt-controller.js';
import { attemptSettled } from './provider-slot.js';
import type { AttemptOutcome, Reporter } from './reporter.js';
import type { RequestRun, Target } from './request-run.js';
import { RoutedStream } from './routed-stream.js';

/** What an attempt needs of the router around it. */
export interface AttemptHost {
  readonly reporter: Reporter;
  /** The streams handed out and not ended yet (ended by `close()`). */
  readonly openStreams: Set<RoutedStream>;
}

/**
 * One call to a provider, from its start to its one end: answered, failed, or handed out as a stream
 * that ends later. Every end goes through `finish`, which updates the provider's state, adds the
 * attempt's time to the request's, and reports it. The attempt is its own outcome once it ended, so
 * reporting an end allocates nothing.
 */
export class Attempt implements AttemptOutcome {
  error: LlmRouterError | undefined = undefined;
  latencyMs = 0;
  usage: Usage | null = null;
  ttftMs: number | null = null;
  finishReason: FinishReason | null = null;
  abandoned = false;
  responseId: string | null = null;
  responseModel: string | null = null;
  choices: readonly ChatCompletionChoice[] | null = null;

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

  get rateLimit(): RateLimitSnapshot | null {
    return this.controller.rateLimit ?? null;
  }

  /** A non-streamed answer: ends the attempt and the request. */
  answered(
    usage: Usage,
    finishReason: FinishReason | null,
    responseId: string | null,
    responseModel: string | null,
    choices: readonly ChatCompletionChoice[] | null,
  ): void {
    this.controller.dispose();
    this.usage = usage;
    this.finishReason = finishReason;
    this.responseId = responseId;
    this.responseModel = responseModel;
    this.choices = choices;
    const now = this.finish(undefined);
    this.host.reporter.requestEnded(this.run, null, usage, now);
  }

  /** A stream the provider accepted: handed to the caller, ending the attempt when it ends. */
  streamed(source: AsyncIterable<ChatCompletionChunk>): RoutedStream {
    this.controller.clearTimer();
    return new RoutedStream(this, source);
  }

  /** A stream's end: finished, cut (`error`) or abandoned; ends the request too. */
  streamEnded(error: LlmRouterError | undefined, usage: Usage | null, ttftMs: number | null, finishReason: FinishReason | null, abandoned: boolean, first: ChatCompletionChunk | undefined): void {
    this.controller.dispose();
    this.usage = usage;
    this.ttftMs = ttftMs;
    this.finishReason = finishReason;
    this.abandoned = abandoned;
    this.responseId = first?.id ?? null;
    this.responseModel = first?.model ?? null;
    const now = this.finish(error);
    this.host.reporter.requestEnded(this.run, error ?? null, usage, now);
  }

  /** A failed call: ends the attempt and returns its typed error (the request goes on or fails). */
  failed(thrown: unknown): LlmRouterError {
    this.controller.dispose();
    const error = this.controller.classify(thrown, false);
    this.finish(error);
    return error;
  }

  /** Returns the router clock's time of the end. */
  private finish(error: LlmRouterError | undefined): number {
    const latencyMs = performance.now() - this.startedAt;
    this.error = error;
    this.latencyMs = latencyMs;
    this.run.providerMs += latencyMs;
    attemptSettled(this.target.slot, error);
    return this.host.reporter.attemptEnded(this.run, this.target, this.number, this);
  }
}
