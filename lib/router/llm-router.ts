import type { Observable, Subscription } from 'rxjs';
import { type LlmRouterError, AbortError, BadRequestError, ConfigurationError, NoProviderAvailableError } from '../errors/llm-router-error.js';
import { EventBus } from '../events/event-bus.js';
import type { CircuitState, Operation, RouterEvent, RouterEventListeners, RouterEventType } from '../events/router-event.js';
import { HttpClient } from '../http/http-client.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { getMetricsCollector as getGlobalCollector } from '../metrics/global-collector.js';
import type { MetricsCollector } from '../metrics/metrics-collector.js';
import type { AggregatedMetrics, MetricsFilter, AggregatedMetricsFilter, ProviderComparison, RequestMetrics } from '../metrics/request-metrics.js';
import { createProvider } from '../providers/create-provider.js';
import type { Provider } from '../providers/provider.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionNonStreamingRequest,
  ChatCompletionRequest,
  ChatCompletionStream,
  ChatCompletionStreamingRequest,
  Usage,
} from '../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../types/embeddings.js';
import type { LlmRouterOptions } from '../types/provider-config.js';
import { AttemptController } from './attempt-controller.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { ProviderSlot } from './provider-slot.js';
import { allowsFallback, isProviderFault, isRetryable, retryDelay } from './retry-policy.js';
import { newRequestId } from './request-id.js';
import { RoutedStream } from './routed-stream.js';
import { createStrategy } from './strategies/create-strategy.js';
import type { RoutingStrategyImpl } from './strategies/routing-strategy.js';
import { DEFAULT_RETRY, resolveProviderConfig, resolveRetry, validateRouterOptions } from './validate-config.js';
import { validateChatRequest, validateEmbeddingsRequest } from './validate-request.js';
import { sleep } from '../util/sleep.js';

/** A provider and the model name sent to it for one request. */
interface Target {
  slot: ProviderSlot;
  model: string;
}

/** What an attempt asks of its provider. */
type AttemptKind = 'chat' | 'stream' | 'embeddings';

/** What one request carries through its attempts. */
interface RequestState {
  readonly requestId: string;
  readonly operation: Operation;
  readonly stream: boolean;
  readonly startedAt: number;
  attempts: number;
  readonly errors: LlmRouterError[];
}

/** A provider's routing state, for health checks and dashboards. */
export interface ProviderStatus {
  name: string;
  providerType: string;
  state: CircuitState;
  /** Whether the router would send it a request now (closed, or open with its cool-down over, or half-open with no probe out). */
  available: boolean;
  inFlight: number;
  /** Moving average latency of successful attempts, or null before the first. */
  latencyEwmaMs: number | null;
  defaultModel: string | null;
  models: string[];
}

const EWMA_ALPHA = 0.2;
/** Most model names whose targets are kept, so that arbitrary names cannot grow memory. */
const TARGET_CACHE_SIZE = 64;

/**
 * Routes chat completions and embeddings over several providers: validation, strategy order, retries
 * with backoff, fallback, circuit breaking, and a typed event for every moment of every request.
 */
export class LlmRouter {
  /** Every event of every request, as a hot rxjs Observable. A throwing subscriber is isolated. */
  readonly events$: Observable<RouterEvent>;
  readonly chat: {
    readonly completions: {
      create(request: ChatCompletionStreamingRequest): Promise<ChatCompletionStream>;
      create(request: ChatCompletionNonStreamingRequest): Promise<ChatCompletion>;
      create(request: ChatCompletionRequest): Promise<ChatCompletion | ChatCompletionStream>;
    };
  };
  readonly embeddings: { create(request: EmbeddingsRequest): Promise<EmbeddingsResponse> };

  protected readonly logger: Logger;
  private readonly bus: EventBus;
  private readonly slots: ProviderSlot[];
  private readonly byName = new Map<string, ProviderSlot>();
  private readonly strategy: RoutingStrategyImpl;
  private readonly http: HttpClient;
  private readonly deadlines = new DeadlineQueue();
  /** The targets of a model while the strategy keeps the configured order (they never change then). */
  private readonly targetCache = new Map<string | undefined, Target[]>();
  private readonly collector: MetricsCollector | undefined;
  private readonly collectorSubscription: Subscription | undefined;
  private closed = false;

  constructor(options: LlmRouterOptions, fieldPrefix?: (index: number) => string) {
    if (typeof options !== 'object' || options === null) throw new ConfigurationError('options', 'must be an object');
    validateRouterOptions(options);
    this.logger = options.logger ?? silentLogger;
    this.bus = new EventBus((error) => this.logger.warn({ err: describeError(error) }, 'llm-router: an event listener threw'));
    this.events$ = this.bus.events$;
    const routerRetry = resolveRetry(options.retry, undefined, DEFAULT_RETRY, 'retry');
    const configs = options.providers.map((p, i) => resolveProviderConfig(p, fieldPrefix?.(i) ?? `providers[${i}]`, routerRetry));
    const connections = Math.max(...configs.map((c) => c.connections));
    this.http = new HttpClient(connections);
    const cb = options.circuitBreaker;
    this.slots = configs.map((config, index) => {
      if (this.byName.has(config.name)) {
        throw new ConfigurationError(`${fieldPrefix?.(index) ?? `providers[${index}]`}.name`, `duplicates "${config.name}"; provider names must be unique (set name)`);
      }
      const provider = createProvider(config, this.http);
      const breaker =
        cb === false ? undefined : new CircuitBreaker(cb ?? {}, (state, previous, reason) => this.onCircuit(config.name, state, previous, reason));
      const slot: ProviderSlot = { provider, breaker, index, latencyEwma: undefined, inFlight: 0 };
      this.byName.set(config.name, slot);
      return slot;
    });
    this.strategy = createStrategy(options.strategy ?? 'fallback');
    if (options.metricsEnabled !== false) {
      this.collector = options.metricsCollector ?? getGlobalCollector();
      this.collectorSubscription = this.collector.attach(this);
    }
    const create = (request: ChatCompletionRequest): Promise<ChatCompletion | ChatCompletionStream> =>
      request?.stream === true ? this.createStream(request) : this.createCompletion(request);
    this.chat = { completions: { create: create as LlmRouter['chat']['completions']['create'] } };
    this.embeddings = { create: (request) => this.createEmbeddings(request) };
  }

  /** Listens to one event type (eventemitter3 API, typed by event name). */
  on<T extends RouterEventType>(type: T, listener: RouterEventListeners[T]): this {
    this.bus.on(type, listener);
    return this;
  }

  once<T extends RouterEventType>(type: T, listener: RouterEventListeners[T]): this {
    this.bus.on(type, listener, true);
    return this;
  }

  off<T extends RouterEventType>(type: T, listener: RouterEventListeners[T]): this {
    this.bus.off(type, listener);
    return this;
  }

  /** The names of the providers, in configured order. */
  get providerNames(): string[] {
    return this.slots.map((s) => s.provider.name);
  }

  /** Each provider's circuit state, load and latency. */
  getProviderStatus(): ProviderStatus[] {
    return this.slots.map((s) => ({
      name: s.provider.name,
      providerType: s.provider.type,
      state: s.breaker?.current ?? 'closed',
      available: s.breaker?.isAvailable() ?? true,
      inFlight: s.inFlight,
      latencyEwmaMs: s.latencyEwma ?? null,
      defaultModel: s.provider.config.defaultModel ?? null,
      models: s.provider.config.models === undefined ? [] : [...s.provider.config.models.keys()],
    }));
  }

  /** The public model names the router serves (each provider's default model and `models` entries). */
  listModels(): Array<{ id: string; provider: string }> {
    const seen = new Set<string>();
    const out: Array<{ id: string; provider: string }> = [];
    for (const s of this.slots) {
      const c = s.provider.config;
      const names = c.models === undefined ? [] : [...c.models.keys()];
      if (c.defaultModel !== undefined) names.unshift(c.defaultModel);
      for (const id of names) {
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ id, provider: s.provider.name });
      }
    }
    return out;
  }

  // ---- metrics (delegated to the collector; empty when metrics are off)

  getMetricsCollector(): MetricsCollector | undefined {
    return this.collector;
  }

  getMetrics(filter?: MetricsFilter): RequestMetrics[] {
    return this.collector?.getMetrics(filter) ?? [];
  }

  getAggregatedMetrics(filter?: AggregatedMetricsFilter): AggregatedMetrics[] {
    return this.collector?.getAggregatedMetrics(filter) ?? [];
  }

  compareProviders(): ProviderComparison[] {
    return this.collector?.compareProviders() ?? [];
  }

  async exportMetricsPrometheus(): Promise<string> {
    return this.collector === undefined ? '' : this.collector.exportMetricsPrometheus();
  }

  /** Detaches from the collector, completes `events$`, and closes every connection pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.collectorSubscription?.unsubscribe();
    this.bus.close();
    await Promise.all(this.slots.map((s) => s.provider.close()));
    await this.http.close();
  }

  // ---- request path

  private createCompletion(request: ChatCompletionRequest): Promise<ChatCompletion> {
    return this.start(request, 'chat') as Promise<ChatCompletion>;
  }

  private createEmbeddings(request: EmbeddingsRequest): Promise<EmbeddingsResponse> {
    return this.start(request, 'embeddings') as Promise<EmbeddingsResponse>;
  }

  private createStream(request: ChatCompletionRequest): Promise<ChatCompletionStream> {
    return this.start(request, 'stream') as Promise<ChatCompletionStream>;
  }

  /** Validates a request, picks its targets and runs it; every failure is a rejection, never a throw. */
  private start(request: ChatCompletionRequest | EmbeddingsRequest, kind: AttemptKind): Promise<unknown> {
    let state: RequestState;
    let targets: Target[];
    try {
      if (kind === 'embeddings') validateEmbeddingsRequest(request as EmbeddingsRequest);
      else validateChatRequest(request as ChatCompletionRequest);
      state = this.begin(kind === 'embeddings' ? 'embeddings' : 'chat', kind === 'stream');
      targets = this.targets(request.model, state);
      if (kind === 'embeddings') {
        targets = targets.filter((t) => t.slot.provider.supportsEmbeddings);
        if (targets.length === 0) {
          throw new BadRequestError('Invalid request: no provider of this router has an embeddings API', { field: 'model', requestId: state.requestId });
        }
      }
      this.emitRequestStart(state, request.model, targets);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run(state, targets, request, kind);
  }

  /** Starts one call to a provider. */
  private callProvider(kind: AttemptKind, provider: Provider, request: ChatCompletionRequest | EmbeddingsRequest, ctx: AttemptController): Promise<unknown> {
    if (kind === 'chat') return provider.chat(request as ChatCompletionRequest, ctx);
    if (kind === 'stream') return provider.chatStream(request as ChatCompletionRequest, ctx);
    return provider.embeddings(request as EmbeddingsRequest, ctx);
  }

  /** Books a provider's answer and turns it into what the caller gets (a stream is booked when it ends). */
  private attemptAnswered(kind: AttemptKind, state: RequestState, target: Target, controller: AttemptController, attempt: number, t0: number, answer: unknown): unknown {
    if (kind === 'chat') {
      const result = answer as ChatCompletion;
      controller.dispose();
      this.attemptSucceeded(state, target, attempt, t0, result.usage, null, result.choices[0]?.finishReason ?? null, false);
      this.requestEnded(state, target, true, null, result.usage);
      return result;
    }
    if (kind === 'embeddings') {
      const result = answer as EmbeddingsResponse;
      controller.dispose();
      const usage: Usage = { promptTokens: result.usage.promptTokens, completionTokens: 0, totalTokens: result.usage.totalTokens };
      this.attemptSucceeded(state, target, attempt, t0, usage, null, null, false);
      this.requestEnded(state, target, true, null, usage);
      return result;
    }
    controller.clearTimer();
    return new RoutedStream(state.requestId, target.slot.provider.name, target.model, answer as AsyncIterable<ChatCompletionChunk>, controller, t0, {
      onFirstChunk: (ttftMs) => {
        if (this.bus.active) {
          this.bus.emit({
            type: 'stream.first_chunk',
            requestId: state.requestId,
            timestamp: Date.now(),
            provider: target.slot.provider.name,
            model: target.model,
            attempt,
            ttftMs,
          });
        }
      },
      onEnd: (o) => {
        if (o.error === undefined) {
          this.attemptSucceeded(state, target, attempt, t0, o.usage, o.ttftMs, o.finishReason, o.abandoned);
          this.requestEnded(state, target, true, null, o.usage);
        } else {
          this.attemptFailed(state, target, attempt, t0, o.error, o.ttftMs, o.usage);
          this.requestEnded(state, target, false, o.error, o.usage);
        }
      },
    });
  }

  private begin(operation: Operation, stream: boolean): RequestState {
    if (this.closed) throw new BadRequestError('Invalid request: the router is closed');
    return { requestId: newRequestId(), operation, stream, startedAt: performance.now(), attempts: 0, errors: [] };
  }

  /** The providers that serve the model, in strategy order, with the model name each is sent. */
  private targets(model: string | undefined, state: RequestState): Target[] {
    const ordered = this.strategy.order(this.slots);
    if (ordered === this.slots) {
      const cached = this.targetCache.get(model);
      if (cached !== undefined) return cached;
    }
    const out: Target[] = [];
    for (const slot of ordered) {
      const c = slot.provider.config;
      let target: string | undefined;
      if (model === undefined) target = c.defaultModel ?? (c.models === undefined ? undefined : c.models.values().next().value);
      else if (c.models === undefined) target = model;
      else target = c.models.get(model) ?? (hasValue(c.models, model) ? model : undefined);
      if (target !== undefined) out.push({ slot, model: target });
    }
    if (out.length === 0) {
      const reason =
        model === undefined ? 'is required: no provider has a defaultModel' : `"${model}" is not served by any provider (${this.providerNames.join(', ')})`;
      throw new BadRequestError(`Invalid request: model ${reason}`, { field: 'model', requestId: state.requestId });
    }
    if (ordered === this.slots && this.targetCache.size < TARGET_CACHE_SIZE) this.targetCache.set(model, out);
    return out;
  }

  private async run(state: RequestState, targets: Target[], request: ChatCompletionRequest | EmbeddingsRequest, kind: AttemptKind): Promise<unknown> {
    const { signal, timeoutMs } = request;
    let skipped: string[] | undefined;
    let previous: { target: Target; error: LlmRouterError } | undefined;
    for (let ti = 0; ti < targets.length; ti++) {
      const target = targets[ti]!;
      const { slot } = target;
      const name = slot.provider.name;
      const policy = slot.provider.config.retry;
      for (let retry = 0; ; retry++) {
        if (slot.breaker !== undefined && !slot.breaker.tryAcquire()) {
          (skipped ??= []).push(name);
          break;
        }
        if (previous !== undefined && previous.target !== target && retry === 0) this.emitFallback(state, previous.target, target, previous.error);
        const attempt = ++state.attempts;
        const t0 = performance.now();
        const limit = timeoutMs ?? slot.provider.config.timeoutMs;
        const controller = new AttemptController(name, state.requestId, target.model, limit, signal, this.deadlines, t0);
        slot.inFlight++;
        this.emitAttemptStart(state, target, attempt);
        let error: LlmRouterError;
        try {
          const answer = await this.callProvider(kind, slot.provider, request, controller);
          return this.attemptAnswered(kind, state, target, controller, attempt, t0, answer);
        } catch (e) {
          controller.dispose();
          error = controller.classify(e, false);
          this.attemptFailed(state, target, attempt, t0, error, null, null);
        }
        state.errors.push(error);
        previous = { target, error };
        if (!allowsFallback(error)) {
          this.requestEnded(state, target, false, error, null);
          throw error;
        }
        if (retry >= policy.maxRetries || !isRetryable(error, policy)) break;
        const delay = retryDelay(policy, retry, error.retryAfterMs);
        if (delay === undefined) break;
        this.emitRetry(state, target, attempt, delay, error);
        try {
          await sleep(delay, signal);
        } catch (cause) {
          const aborted = new AbortError('request aborted by the caller', { provider: name, requestId: state.requestId, cause });
          this.requestEnded(state, target, false, aborted, null);
          throw aborted;
        }
      }
    }
    const last = previous?.error;
    const tried = new Set(state.errors.map((e) => e.provider));
    if (tried.size === 1 && skipped === undefined && last !== undefined) {
      this.requestEnded(state, previous!.target, false, last, null);
      throw last;
    }
    const parts = state.errors.map((e) => `${e.provider ?? '?'}: ${e.name}${e.statusCode === undefined ? '' : ` ${e.statusCode}`}`);
    if (skipped !== undefined) parts.push(`cooling down: ${[...new Set(skipped)].join(', ')}`);
    const error = new NoProviderAvailableError(`No provider available (${parts.join('; ')})`, state.errors, {
      requestId: state.requestId,
      provider: last?.provider,
      statusCode: last?.statusCode,
      retryAfterMs: last?.retryAfterMs,
      cause: last,
    });
    this.requestEnded(state, previous?.target, false, error, null);
    throw error;
  }

  // ---- bookkeeping and events

  private attemptSucceeded(
    state: RequestState,
    target: Target,
    attempt: number,
    t0: number,
    usage: Usage | null,
    ttftMs: number | null,
    finishReason: ChatCompletion['choices'][number]['finishReason'],
    abandoned: boolean,
  ): void {
    const { slot } = target;
    const latencyMs = performance.now() - t0;
    slot.inFlight--;
    slot.latencyEwma = slot.latencyEwma === undefined ? latencyMs : slot.latencyEwma + EWMA_ALPHA * (latencyMs - slot.latencyEwma);
    slot.breaker?.onSuccess();
    if (this.logger !== silentLogger) {
      this.logger.debug(
        { requestId: state.requestId, provider: slot.provider.name, model: target.model, attempt, latencyMs, statusCode: 200, errorType: null },
        'llm-router: attempt succeeded',
      );
    }
    if (!this.bus.active) return;
    this.bus.emit({
      type: 'attempt.end',
      requestId: state.requestId,
      timestamp: Date.now(),
      operation: state.operation,
      provider: slot.provider.name,
      model: target.model,
      attempt,
      success: true,
      latencyMs,
      statusCode: 200,
      errorType: null,
      usage,
      stream: state.stream,
      ttftMs,
      finishReason,
      abandoned,
    });
  }

  private attemptFailed(
    state: RequestState,
    target: Target,
    attempt: number,
    t0: number,
    error: LlmRouterError,
    ttftMs: number | null,
    usage: Usage | null,
  ): void {
    const { slot } = target;
    const latencyMs = performance.now() - t0;
    slot.inFlight--;
    if (slot.breaker !== undefined) {
      if (isProviderFault(error)) slot.breaker.onFailure();
      else if (error.name === 'AbortError') slot.breaker.release();
      else slot.breaker.onSuccess();
    }
    if (this.logger !== silentLogger) {
      this.logger.warn(
        {
          requestId: state.requestId,
          provider: slot.provider.name,
          model: target.model,
          attempt,
          latencyMs,
          statusCode: error.statusCode ?? null,
          errorType: error.name,
          err: error.message,
        },
        'llm-router: attempt failed',
      );
    }
    if (!this.bus.active) return;
    this.bus.emit({
      type: 'attempt.end',
      requestId: state.requestId,
      timestamp: Date.now(),
      operation: state.operation,
      provider: slot.provider.name,
      model: target.model,
      attempt,
      success: false,
      latencyMs,
      statusCode: error.statusCode ?? null,
      errorType: error.name,
      usage,
      stream: state.stream,
      ttftMs,
      finishReason: null,
      abandoned: false,
    });
  }

  private requestEnded(state: RequestState, target: Target | undefined, success: boolean, error: LlmRouterError | null, usage: Usage | null): void {
    if (!this.bus.active) return;
    this.bus.emit({
      type: 'request.end',
      requestId: state.requestId,
      timestamp: Date.now(),
      operation: state.operation,
      success,
      provider: target?.slot.provider.name ?? null,
      model: target?.model ?? null,
      latencyMs: performance.now() - state.startedAt,
      attempts: state.attempts,
      errorType: error?.name ?? null,
      usage,
      stream: state.stream,
    });
  }

  private emitRequestStart(state: RequestState, model: string | undefined, targets: Target[]): void {
    if (!this.bus.active) return;
    this.bus.emit({
      type: 'request.start',
      requestId: state.requestId,
      timestamp: Date.now(),
      operation: state.operation,
      model: model ?? null,
      stream: state.stream,
      candidates: targets.map((t) => t.slot.provider.name),
    });
  }

  private emitAttemptStart(state: RequestState, target: Target, attempt: number): void {
    if (this.logger !== silentLogger) {
      this.logger.debug({ requestId: state.requestId, provider: target.slot.provider.name, model: target.model, attempt }, 'llm-router: attempt');
    }
    if (!this.bus.active) return;
    this.bus.emit({
      type: 'attempt.start',
      requestId: state.requestId,
      timestamp: Date.now(),
      operation: state.operation,
      provider: target.slot.provider.name,
      model: target.model,
      attempt,
      stream: state.stream,
    });
  }

  private emitRetry(state: RequestState, target: Target, attempt: number, delayMs: number, error: LlmRouterError): void {
    if (!this.bus.active) return;
    this.bus.emit({
      type: 'request.retry',
      requestId: state.requestId,
      timestamp: Date.now(),
      provider: target.slot.provider.name,
      model: target.model,
      attempt,
      delayMs,
      errorType: error.name,
      statusCode: error.statusCode ?? null,
    });
  }

  private emitFallback(state: RequestState, from: Target, to: Target, error: LlmRouterError): void {
    if (this.logger !== silentLogger) {
      this.logger.info(
        { requestId: state.requestId, provider: from.slot.provider.name, toProvider: to.slot.provider.name, errorType: error.name },
        'llm-router: falling back',
      );
    }
    if (!this.bus.active) return;
    this.bus.emit({
      type: 'request.fallback',
      requestId: state.requestId,
      timestamp: Date.now(),
      fromProvider: from.slot.provider.name,
      toProvider: to.slot.provider.name,
      errorType: error.name,
      statusCode: error.statusCode ?? null,
    });
  }

  private onCircuit(provider: string, state: CircuitState, previousState: CircuitState, reason: string): void {
    this.logger.warn({ provider, state, previousState, reason }, 'llm-router: circuit state changed');
    if (!this.bus.active) return;
    this.bus.emit({ type: 'provider.state', requestId: '', timestamp: Date.now(), provider, state, previousState, reason });
  }
}

function hasValue(map: ReadonlyMap<string, string>, value: string): boolean {
  for (const v of map.values()) if (v === value) return true;
  return false;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
