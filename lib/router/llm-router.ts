import type { Observable, Subscription } from 'rxjs';
import type { ResolvedRouterConfig } from '../config/resolved-config.js';
import { resolveClientConfig, resolveRouterConfig } from '../config/resolve-router-config.js';
import type { ClientOptions, LlmRouterOptions } from '../config/router-options.js';
import { createCostCalculator } from '../cost/index.js';
import { EventBus } from '../events/event-bus.js';
import { ATTACH_EVENT_SINK, type EventSink } from '../events/event-sink.js';
import type { CircuitState, RouterEvent, RouterEventListeners, RouterEventType } from '../events/router-event.js';
import { HttpClient } from '../http/http-client.js';
import { getMetricsCollector as getGlobalCollector } from '../metrics/global-collector.js';
import type { MetricsCollector } from '../metrics/metrics-collector.js';
import type { AggregatedMetrics, AggregatedMetricsFilter, MetricsFilter, ProviderComparison, RequestMetrics } from '../metrics/request-metrics.js';
import { createProvider } from '../providers/create-provider.js';
import { createRouterStateStore } from '../shared-state/create-state-store.js';
import type {
  ChatCompletion,
  ChatCompletionNonStreamingRequest,
  ChatCompletionRequest,
  ChatCompletionStreamingRequest,
  RoutedChatCompletionStream,
} from '../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../types/embeddings.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { DeadlineQueue } from './deadline-queue.js';
import { CHAT, EMBEDDINGS, STREAM } from './operations.js';
import { createSlot, type ProviderSlot } from './provider-slot.js';
import { Reporter } from './reporter.js';
import { RequestRunner } from './request-runner.js';
import type { BudgetStatus } from './routing/budget-book.js';
import { RoutingRules } from './routing/routing-rules.js';
import { createStrategy } from './strategies/create-strategy.js';
import { TargetResolver } from './targets.js';

/** A provider's routing state, for health checks and dashboards. */
export interface ProviderStatus {
  name: string;
  providerType: string;
  state: CircuitState;
  /** Whether the router would send it a request now (closed, or open with its cool-down over, or half-open with no probe out). */
  available: boolean;
  inFlight: number;
  /** Moving average latency of successful attempts (time to first chunk for streams), or null before the first. */
  latencyEwmaMs: number | null;
  /** End of the provider's cool-down (router clock, ms) while one runs, else null. */
  cooldownUntil: number | null;
  /** Whether the provider is at its `rpm` or `tpm` limit (as of the latest count). */
  rateLimited: boolean;
  defaultModel: string | null;
  models: string[];
}

/** @internal Marks the options of a `Client` (one provider, named by its own fields). */
export const CLIENT_OPTIONS: unique symbol = Symbol('llm-api-router.client-options');

/** @internal What `Client` passes to `LlmRouter`. */
export interface ClientOptionsCarrier {
  readonly [CLIENT_OPTIONS]: ClientOptions;
}

function resolveOptions(options: LlmRouterOptions | ClientOptionsCarrier): ResolvedRouterConfig {
  if (typeof options === 'object' && options !== null && CLIENT_OPTIONS in options) return resolveClientConfig(options[CLIENT_OPTIONS]);
  return resolveRouterConfig(options as LlmRouterOptions);
}

function isRateLimited(s: ProviderSlot): boolean {
  const l = s.limits;
  if (l === undefined) return false;
  return (l.rpm !== undefined && s.usedRequests! >= l.rpm) || (l.tpm !== undefined && s.usedTokens! >= l.tpm);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Routes chat completions and embeddings over several providers: validation, strategy order, retries
 * with backoff, fallback, circuit breaking, and a typed event for every moment of every request.
 */
export class LlmRouter {
  /** Every event of every request, as a hot rxjs Observable. A throwing subscriber is isolated. */
  readonly events$: Observable<RouterEvent>;
  readonly chat: {
    readonly completions: {
      create(request: ChatCompletionStreamingRequest): Promise<RoutedChatCompletionStream>;
      create(request: ChatCompletionNonStreamingRequest): Promise<ChatCompletion>;
      create(request: ChatCompletionRequest): Promise<ChatCompletion | RoutedChatCompletionStream>;
    };
  };
  readonly embeddings: { create(request: EmbeddingsRequest): Promise<EmbeddingsResponse> };

  readonly #bus: EventBus;
  readonly #slots: ProviderSlot[];
  readonly #http: HttpClient;
  readonly #runner: RequestRunner;
  readonly #rules: RoutingRules;
  readonly #clock: () => number;
  readonly #collector: MetricsCollector | undefined;
  readonly #collectorSubscription: Subscription | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: LlmRouterOptions) {
    const config = resolveOptions(options);
    const { logger, clock } = config;
    this.#bus = new EventBus((error) => logger.warn({ err: describeError(error) }, 'llm-router: an event listener threw'));
    this.events$ = this.#bus.events$;
    this.#clock = clock;
    const cost = createCostCalculator(config.prices, { clock });
    this.#http = new HttpClient(Math.max(...config.providers.map((c) => c.connections)));
    const cb = config.circuitBreaker;
    const store = createRouterStateStore(config.sharedState, {
      warn: (message, fields) => logger.warn(fields ?? {}, `llm-router: ${message}`),
      info: (message, fields) => logger.info(fields ?? {}, `llm-router: ${message}`),
    });
    let rules: RoutingRules | undefined;
    let reporter: Reporter | undefined;
    this.#slots = config.providers.map((c, index) => {
      const provider = createProvider(c, this.#http);
      const breaker =
        cb === undefined
          ? undefined
          : new CircuitBreaker(
              cb,
              (s, previous, reason) => {
                rules?.circuitChanged(slot, s);
                reporter?.circuit(c.name, s, previous, reason);
              },
              clock,
            );
      const slot = createSlot(provider, breaker, index);
      return slot;
    });
    rules = this.#rules = new RoutingRules(this.#slots, config.budgets, store, clock);
    reporter = new Reporter(this.#bus, logger, config.logging, clock, cost, rules);
    reporter.providerCount = this.#slots.length;
    const targets = new TargetResolver(this.#slots, createStrategy(config.strategy, { cost }));
    this.#runner = new RequestRunner(reporter, clock, targets, new DeadlineQueue(), rules, config.strategy === 'lowest-cost');
    if (config.metricsEnabled) {
      this.#collector = (config.metricsCollector as MetricsCollector | undefined) ?? getGlobalCollector();
      this.#collectorSubscription = this.#collector.attach(this);
    }
    const runner = this.#runner;
    const create = (request: ChatCompletionRequest): Promise<ChatCompletion | RoutedChatCompletionStream> =>
      request?.stream === true ? runner.execute(STREAM, request) : runner.execute(CHAT, request);
    this.chat = { completions: { create: create as LlmRouter['chat']['completions']['create'] } };
    this.embeddings = { create: (request) => runner.execute(EMBEDDINGS, request) };
  }

  /** Listens to one event type (eventemitter3 API, typed by event name). */
  on<T extends RouterEventType>(type: T, listener: RouterEventListeners[T]): this {
    this.#bus.on(type, listener);
    return this;
  }

  once<T extends RouterEventType>(type: T, listener: RouterEventListeners[T]): this {
    this.#bus.on(type, listener, true);
    return this;
  }

  off<T extends RouterEventType>(type: T, listener: RouterEventListeners[T]): this {
    this.#bus.off(type, listener);
    return this;
  }

  /** @internal The collector's direct path to the events (see `EventSink`). */
  [ATTACH_EVENT_SINK](sink: EventSink): () => void {
    return this.#bus.addSink(sink);
  }

  /** The names of the providers, in configured order. */
  get providerNames(): string[] {
    return this.#slots.map((s) => s.provider.name);
  }

  /** Each provider's circuit state, load and latency. */
  getProviderStatus(): ProviderStatus[] {
    const now = this.#clock();
    if (this.#rules.kind === 'local') this.#rules.refresh(now);
    return this.#slots.map((s) => ({
      name: s.provider.name,
      providerType: s.provider.type,
      state: s.breaker?.current ?? 'closed',
      available: s.breaker?.isAvailable() ?? true,
      inFlight: s.inFlight,
      latencyEwmaMs: s.latencyEwma ?? null,
      cooldownUntil: s.cooldownUntil! > now ? s.cooldownUntil! : null,
      rateLimited: isRateLimited(s),
      defaultModel: s.provider.config.defaultModel ?? null,
      models: s.provider.config.models === undefined ? [] : [...s.provider.config.models.keys()],
    }));
  }

  /** The public model names the router serves (each provider's default model and `models` entries). */
  listModels(): Array<{ id: string; provider: string }> {
    const seen = new Set<string>();
    const out: Array<{ id: string; provider: string }> = [];
    for (const s of this.#slots) {
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

  /**
   * Each budget's limit and spend in its window ending now (with `sharedState`: the shared spend as of
   * the latest request). Read by the collector for `llm_router_budget_remaining_usd`.
   */
  getBudgetStatus(): BudgetStatus[] {
    return this.#rules.getBudgetStatus();
  }

  // ---- metrics (delegated to the collector; empty when metrics are off)

  getMetricsCollector(): MetricsCollector | undefined {
    return this.#collector;
  }

  getMetrics(filter?: MetricsFilter): RequestMetrics[] {
    return this.#collector?.getMetrics(filter) ?? [];
  }

  getAggregatedMetrics(filter?: AggregatedMetricsFilter): AggregatedMetrics[] {
    return this.#collector?.getAggregatedMetrics(filter) ?? [];
  }

  compareProviders(): ProviderComparison[] {
    return this.#collector?.compareProviders() ?? [];
  }

  async exportMetricsPrometheus(): Promise<string> {
    return this.#collector === undefined ? '' : this.#collector.exportMetricsPrometheus();
  }

  /**
   * Ends every stream still open (recorded as abandoned), detaches from the collector, completes
   * `events$`, and closes every connection pool. New requests are refused from the first call on.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#runner.closed = true;
    this.#runner.abandonOpenStreams();
    this.#collectorSubscription?.unsubscribe();
    this.#bus.close();
    await Promise.all(this.#slots.map((s) => s.provider.close()));
    await this.#http.close();
    await this.#rules.close();
  }
}
