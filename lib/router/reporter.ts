import type { LlmRouterError } from '../errors/llm-router-error.js';
import type { CostCalculator } from '../cost/index.js';
import { EVENT_BIT, type EventBus } from '../events/event-bus.js';
import { attemptEndFrame, attemptStartFrame, requestEndFrame } from '../events/event-frames.js';
import type { AttemptEndEvent, AttemptStartEvent, CircuitState, RateLimitSnapshot, RequestEndEvent, RouteSkipReason } from '../events/router-event.js';
import type { SafeLogger } from '../logging/logger.js';
import type { ChatCompletionChoice, FinishReason, Usage } from '../types/chat.js';
import type { ProviderSlot } from './provider-slot.js';
import type { RequestRun, Target } from './request-run.js';


/** How one attempt ended: answered, failed, or (for streams) finished, cut or abandoned. */
export interface AttemptOutcome {
  readonly error: LlmRouterError | undefined;
  readonly latencyMs: number;
  readonly usage: Usage | null;
  readonly ttftMs: number | null;
  readonly finishReason: FinishReason | null;
  readonly abandoned: boolean;
  readonly rateLimit: RateLimitSnapshot | null;
  readonly responseId: string | null;
  readonly responseModel: string | null;
  readonly choices: readonly ChatCompletionChoice[] | null;
}

/** Told of every attempt's end (with its cost when `needsCost`, and the router clock's `now`) before its event is built. */
export interface AttemptEndObserver {
  readonly needsCost: boolean;
  attemptEnded(run: RequestRun, target: Target, outcome: AttemptOutcome, costUsd: number | null, now: number): void;
}

/** The providers a request's candidates leave out (they do not serve its model or operation). */
export interface OtherProviders {
  others(targets: readonly Target[]): ProviderSlot[];
}

/**
 * Turns each moment of a request into its event and its log line. Builds nothing when nobody listens
 * and no logger was given; a throwing listener or logger never reaches the request.
 */
export class Reporter {
  /** How many providers the router has (set by the router): fewer candidates means some do not serve the request. */
  providerCount = 0;
  /** The events refilled for the types only sinks read (see `EventBus.sinksOnly`). */
  private readonly frames: { attemptStart?: AttemptStartEvent; attemptEnd?: AttemptEndEvent; requestEnd?: RequestEndEvent } = {};

  constructor(
    private readonly bus: EventBus,
    private readonly logger: SafeLogger,
    private readonly logging: boolean,
    private readonly clock: () => number,
    private readonly cost: CostCalculator,
    private readonly observer?: AttemptEndObserver,
  ) {}

  /** Whether somebody reads the events of `bit` (see `EVENT_BIT`). */
  private wants(bit: number): boolean {
    return (this.bus.wanted & bit) !== 0;
  }

  requestStarted(run: RequestRun, targets: readonly Target[]): void {
    if (!this.wants(EVENT_BIT['request.start'])) return;
    this.bus.emit({
      type: 'request.start',
      requestId: run.requestId,
      timestamp: this.clock(),
      metadata: run.metadata,
      operation: run.operation,
      model: run.model,
      stream: run.stream,
      candidates: targets.map((t) => t.slot.provider.name),
      messages: run.messages,
    });
  }

  /** The request's candidates in the order they will be tried, with why any is skipped; then those that do not serve it. */
  route(run: RequestRun, targets: readonly Target[], reasons: ReadonlyArray<RouteSkipReason | null> | undefined, resolver: OtherProviders): void {
    if (!this.wants(EVENT_BIT['request.route'])) return;
    const candidates: Array<{ provider: string; model: string; skipped: RouteSkipReason | null }> = [];
    for (let i = 0; i < targets.length; i++) candidates.push({ provider: targets[i]!.slot.provider.name, model: targets[i]!.model, skipped: reasons?.[i] ?? null });
    if (targets.length < this.providerCount) {
      for (const s of resolver.others(targets)) candidates.push({ provider: s.provider.name, model: run.requestedModel, skipped: 'model_not_served' });
    }
    this.bus.emit({ type: 'request.route', requestId: run.requestId, timestamp: this.clock(), metadata: run.metadata, candidates });
  }

  attemptStarted(run: RequestRun, target: Target, attempt: number, now: number): void {
    const { provider, endpoint } = target.slot;
    if (this.logging) this.logger.debug({ requestId: run.requestId, provider: provider.name, model: target.model, attempt }, 'llm-router: attempt');
    const bit = EVENT_BIT['attempt.start'];
    if (!this.wants(bit)) return;
    const e = (this.bus.sinksOnly & bit) !== 0 ? (this.frames.attemptStart ??= attemptStartFrame()) : attemptStartFrame();
    e.requestId = run.requestId;
    e.timestamp = now;
    e.metadata = run.metadata;
    e.operation = run.operation;
    e.provider = provider.name;
    e.model = target.model;
    e.attempt = attempt;
    e.stream = run.stream;
    e.providerType = provider.type;
    e.serverAddress = endpoint?.address ?? null;
    e.serverPort = endpoint?.port ?? null;
    this.bus.emit(e);
  }

  /** Reports an attempt's end (its cost is added to the request's); returns the router clock's time of it. */
  attemptEnded(run: RequestRun, target: Target, attempt: number, o: AttemptOutcome): number {
    const { provider } = target.slot;
    const error = o.error;
    const statusCode = error === undefined ? 200 : (error.statusCode ?? null);
    if (this.logging) {
      const fields = { requestId: run.requestId, provider: provider.name, model: target.model, attempt, latencyMs: o.latencyMs, statusCode };
      if (error === undefined) this.logger.debug({ ...fields, errorType: null }, 'llm-router: attempt succeeded');
      else this.logger.warn({ ...fields, errorType: error.name, err: error.message }, 'llm-router: attempt failed');
    }
    const observer = this.observer;
    const bit = EVENT_BIT['attempt.end'];
    const active = this.wants(bit);
    const costUsd = active || observer?.needsCost === true ? this.cost(provider.type, target.model, o.usage) : null;
    if (costUsd !== null) run.costUsd = (run.costUsd ?? 0) + costUsd;
    const now = this.clock();
    observer?.attemptEnded(run, target, o, costUsd, now);
    if (!active) return now;
    const e = (this.bus.sinksOnly & bit) !== 0 ? (this.frames.attemptEnd ??= attemptEndFrame()) : attemptEndFrame();
    e.requestId = run.requestId;
    e.timestamp = now;
    e.metadata = run.metadata;
    e.operation = run.operation;
    e.provider = provider.name;
    e.model = target.model;
    e.attempt = attempt;
    e.success = error === undefined;
    e.latencyMs = o.latencyMs;
    e.statusCode = statusCode;
    e.errorType = error?.name ?? null;
    e.usage = o.usage;
    e.stream = run.stream;
    e.ttftMs = o.ttftMs;
    e.finishReason = o.finishReason;
    e.abandoned = o.abandoned;
    e.providerType = provider.type;
    e.costUsd = costUsd;
    e.rateLimit = o.rateLimit;
    e.responseId = o.responseId;
    e.responseModel = o.responseModel;
    e.choices = o.choices;
    this.bus.emit(e);
    return now;
  }

  firstChunk(run: RequestRun, target: Target, attempt: number, ttftMs: number): void {
    if (!this.wants(EVENT_BIT['stream.first_chunk'])) return;
    this.bus.emit({
      type: 'stream.first_chunk',
      requestId: run.requestId,
      timestamp: this.clock(),
      metadata: run.metadata,
      provider: target.slot.provider.name,
      model: target.model,
      attempt,
      ttftMs,
    });
  }

  retry(run: RequestRun, target: Target, attempt: number, delayMs: number, error: LlmRouterError): void {
    if (this.logging) {
      this.logger.info(
        { requestId: run.requestId, provider: target.slot.provider.name, model: target.model, attempt, delayMs, errorType: error.name },
        'llm-router: retrying',
      );
    }
    if (!this.wants(EVENT_BIT['request.retry'])) return;
    this.bus.emit({
      type: 'request.retry',
      requestId: run.requestId,
      timestamp: this.clock(),
      metadata: run.metadata,
      provider: target.slot.provider.name,
      model: target.model,
      attempt,
      delayMs,
      errorType: error.name,
      statusCode: error.statusCode ?? null,
    });
  }

  fallback(run: RequestRun, from: Target, to: Target, error: LlmRouterError): void {
    if (this.logging) {
      this.logger.info(
        { requestId: run.requestId, provider: from.slot.provider.name, toProvider: to.slot.provider.name, errorType: error.name },
        'llm-router: falling back',
      );
    }
    if (!this.wants(EVENT_BIT['request.fallback'])) return;
    this.bus.emit({
      type: 'request.fallback',
      requestId: run.requestId,
      timestamp: this.clock(),
      metadata: run.metadata,
      fromProvider: from.slot.provider.name,
      toProvider: to.slot.provider.name,
      errorType: error.name,
      statusCode: error.statusCode ?? null,
    });
  }

  /** Reports the request's end once: answered (`error` null) or failed for good; `now` is the router clock's time, when the caller just read it. */
  requestEnded(run: RequestRun, error: LlmRouterError | null, usage: Usage | null, now?: number): void {
    if (run.ended) return;
    run.ended = true;
    const bit = EVENT_BIT['request.end'];
    if (!this.wants(bit)) return;
    const latencyMs = performance.now() - run.startedAt;
    const target = run.last;
    const e = (this.bus.sinksOnly & bit) !== 0 ? (this.frames.requestEnd ??= requestEndFrame()) : requestEndFrame();
    e.requestId = run.requestId;
    e.timestamp = now ?? this.clock();
    e.metadata = run.metadata;
    e.operation = run.operation;
    e.success = error === null;
    e.provider = target?.slot.provider.name ?? null;
    e.model = target?.model ?? null;
    e.latencyMs = latencyMs;
    e.attempts = run.attempts;
    e.errorType = error?.name ?? null;
    e.usage = usage;
    e.stream = run.stream;
    e.requestedModel = run.requestedModel;
    e.statusCode = error?.statusCode ?? null;
    e.overheadMs = Math.max(0, latencyMs - run.providerMs - run.sleptMs);
    e.costUsd = run.costUsd;
    this.bus.emit(e);
  }

  circuit(provider: string, state: CircuitState, previousState: CircuitState, reason: string): void {
    this.logger.warn({ provider, state, previousState, reason }, 'llm-router: circuit state changed');
    if (!this.wants(EVENT_BIT['provider.state'])) return;
    this.bus.emit({ type: 'provider.state', requestId: '', timestamp: this.clock(), provider, state, previousState, reason });
  }
}
