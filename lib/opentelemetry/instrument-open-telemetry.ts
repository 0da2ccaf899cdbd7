import { createRequire } from 'node:module';
import { context, metrics, SpanStatusCode, trace, type Context, type MeterProvider, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { Observable, Subscription } from 'rxjs';
import { onlyKnownKeys } from '../config/checks.js';
import { ConfigurationError } from '../errors/llm-router-error.js';
import { ATTACH_EVENT_SINK, type EventSink, type EventSinkSource } from '../events/event-sink.js';
import { rx } from '../events/lazy-rxjs.js';
import type { AttemptEndEvent, AttemptStartEvent, Operation, RequestEndEvent, RequestStartEvent, RouterEvent, RouterEventType } from '../events/router-event.js';
import type { ChatMessage, FinishReason } from '../types/chat.js';
import { inputMessagesJson, outputMessagesJson } from './genai-content.js';
import { createGenAiInstruments, type GenAiInstruments } from './genai-instruments.js';
import { GenAiSeries } from './genai-series.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_INPUT_MESSAGES,
  ATTR_OUTPUT_MESSAGES,
  ATTR_RESPONSE_FINISH_REASONS,
  ATTR_RESPONSE_ID,
  ATTR_RESPONSE_MODEL,
  ATTR_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_ROUTER_ABANDONED,
  ATTR_ROUTER_ATTEMPT,
  ATTR_ROUTER_COST_USD,
  ATTR_ROUTER_PROVIDER,
  ATTR_ROUTER_REQUEST_ID,
  ATTR_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_USAGE_INPUT_TOKENS,
  ATTR_USAGE_OUTPUT_TOKENS,
  ATTR_USAGE_REASONING_OUTPUT_TOKENS,
} from './semconv.js';

/** Options of {@link instrumentOpenTelemetry}. */
export interface OpenTelemetryInstrumentationOptions {
  /** Where the GenAI metrics go. @default the global meter provider (`metrics.getMeterProvider()`), looked up again for every request */
  meterProvider?: MeterProvider;
  /** Where the attempt spans go. @default the global tracer provider (`trace.getTracerProvider()`) */
  tracerProvider?: TracerProvider;
  /**
   * Record prompts and completions on the spans (`gen_ai.input.messages`, `gen_ai.output.messages`).
   * They are likely to hold personal data: turn this on only where the telemetry store may keep it.
   * @default false
   */
  captureContent?: boolean;
}

const OPTION_KEYS = ['meterProvider', 'tracerProvider', 'captureContent'] as const satisfies ReadonlyArray<keyof OpenTelemetryInstrumentationOptions>;

/** Anything with a router's `events$`: an `LlmRouter` or a `Client`. */
export interface OpenTelemetryEventSource {
  readonly events$: Observable<RouterEvent>;
}

/** The instrumentation scope of the meter and the tracer. */
export const INSTRUMENTATION_SCOPE = 'llm-api-router';

/** Requests tracked at once; past it the oldest is forgotten (its open span is dropped, never exported). */
const MAX_OPEN_REQUESTS = 10_000;
/** Attribute series kept; past it each attempt builds its attributes afresh. */
const MAX_SERIES = 2_000;
/** `gen_ai.response.finish_reasons` of an attempt with one finish reason (the SDK copies the array it is given). */
const ONE_REASON = new Map<FinishReason, string[]>();

interface TrackedRequest {
  /** The context that was active when the caller called `create()`: the parent of every attempt span. */
  readonly parent: Context;
  readonly messages: readonly ChatMessage[] | undefined;
  inputJson: string | undefined;
  span: Span | undefined;
  series: GenAiSeries | undefined;
}

/**
 * Exports a router's (or `Client`'s) events as OpenTelemetry GenAI metrics and spans: one CLIENT span
 * per provider attempt, a child of the span that was active when `create()` was called. Unsubscribe the
 * returned subscription to stop.
 */
export function instrumentOpenTelemetry(source: OpenTelemetryEventSource, options: OpenTelemetryInstrumentationOptions = {}): Subscription {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError('options', 'must be an object');
  onlyKnownKeys(options as Record<string, unknown>, OPTION_KEYS, 'options', 'instrumentOpenTelemetry');
  const instrumentation = new GenAiInstrumentation(options);
  const attachSink = (source as Partial<EventSinkSource>)[ATTACH_EVENT_SINK];
  let subscription: Subscription;
  if (typeof attachSink === 'function') {
    subscription = new (rx().Subscription)();
    const sink: EventSink = { types: HANDLED_TYPES, next: (event) => instrumentation.handle(event), complete: () => subscription.unsubscribe() };
    subscription.add(attachSink.call(source, sink));
  } else {
    subscription = source.events$.subscribe((event) => instrumentation.handle(event));
  }
  subscription.add(() => instrumentation.clear());
  return subscription;
}

/**
 * The event types read (see `GenAiInstrumentation.handle`). A router takes them as a sink: it then builds
 * no other event for this subscriber (an `events$` subscriber makes it build every type).
 */
const HANDLED_TYPES: readonly RouterEventType[] = ['request.start', 'attempt.start', 'attempt.end', 'request.end'];

class GenAiInstrumentation {
  private readonly tracer: Tracer;
  private readonly fixedMeterProvider: MeterProvider | undefined;
  private meterProvider: MeterProvider;
  private instruments: GenAiInstruments;
  private readonly captureContent: boolean;
  private readonly requests = new Map<string, TrackedRequest>();
  /** The series by operation, provider and model. */
  private readonly series = new Map<Operation, Map<string, Map<string, GenAiSeries>>>();
  private seriesCount = 0;

  constructor(options: OpenTelemetryInstrumentationOptions) {
    const version = packageVersion();
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE, version);
    this.fixedMeterProvider = options.meterProvider;
    this.meterProvider = options.meterProvider ?? metrics.getMeterProvider();
    this.instruments = createGenAiInstruments(this.meterProvider, INSTRUMENTATION_SCOPE, version);
    this.captureContent = options.captureContent === true;
  }

  handle(event: RouterEvent): void {
    switch (event.type) {
      case 'request.start':
        this.requestStarted(event);
        break;
      case 'attempt.start':
        this.attemptStarted(event);
        break;
      case 'attempt.end':
        this.attemptEnded(event);
        break;
      case 'request.end':
        this.requestEnded(event);
        break;
    }
  }

  clear(): void {
    this.requests.clear();
    this.series.clear();
    this.seriesCount = 0;
  }

  private requestStarted(event: RequestStartEvent): void {
    if (this.fixedMeterProvider === undefined) {
      const global = metrics.getMeterProvider();
      if (global !== this.meterProvider) {
        this.meterProvider = global;
        this.instruments = createGenAiInstruments(global, INSTRUMENTATION_SCOPE, packageVersion());
      }
    }
    this.track(event.requestId, this.captureContent && event.operation === 'chat' ? event.messages : undefined);
  }

  /** Forgets the request; an attempt span still open (its end was never reported) ends here. */
  private requestEnded(event: RequestEndEvent): void {
    const tracked = this.requests.get(event.requestId);
    if (tracked === undefined) return;
    this.requests.delete(event.requestId);
    const span = tracked.span;
    if (span === undefined) return;
    if (!event.success) {
      const errorType = event.errorType ?? '_OTHER';
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    }
    span.end();
  }

  private track(requestId: string, messages: readonly ChatMessage[] | undefined): TrackedRequest {
    const requests = this.requests;
    if (requests.size >= MAX_OPEN_REQUESTS) requests.delete(requests.keys().next().value!);
    const tracked: TrackedRequest = { parent: context.active(), messages, inputJson: undefined, span: undefined, series: undefined };
    requests.set(requestId, tracked);
    return tracked;
  }

  private attemptStarted(event: AttemptStartEvent): void {
    const tracked = this.requests.get(event.requestId) ?? this.track(event.requestId, undefined);
    const series = this.seriesOf(event.operation, event.providerType ?? event.provider, event.provider, event.model, event.serverAddress ?? null, event.serverPort ?? null);
    tracked.span?.end();
    const span = this.tracer.startSpan(series.spanName, series.spanOptions, tracked.parent);
    tracked.span = span;
    tracked.series = series;
    if (!span.isRecording()) return;
    span.setAttribute(ATTR_ROUTER_REQUEST_ID, event.requestId);
    span.setAttribute(ATTR_ROUTER_PROVIDER, event.provider);
    span.setAttribute(ATTR_ROUTER_ATTEMPT, event.attempt);
    if (tracked.messages !== undefined) {
      tracked.inputJson ??= inputMessagesJson(tracked.messages);
      span.setAttribute(ATTR_INPUT_MESSAGES, tracked.inputJson);
    }
  }

  private attemptEnded(event: AttemptEndEvent): void {
    const tracked = this.requests.get(event.requestId);
    const series =
      tracked?.series ?? this.seriesOf(event.operation, event.providerType ?? event.provider, event.provider, event.model, null, null);
    const responseModel = event.responseModel ?? null;
    const answered = series.answered(responseModel);
    const { duration, tokenUsage, timeToFirstChunk, timePerOutputChunk } = this.instruments;
    duration.record(event.latencyMs / 1000, event.success ? answered.answered : series.failed(event.errorType ?? '_OTHER'));
    const usage = event.usage;
    if (usage !== null) {
      tokenUsage.record(usage.promptTokens, answered.inputTokens);
      if (event.operation === 'chat') tokenUsage.record(usage.completionTokens, answered.outputTokens);
    }
    const ttftMs = event.ttftMs;
    if (event.stream && ttftMs !== null) {
      timeToFirstChunk.record(ttftMs / 1000, answered.answered);
      if (event.success && !event.abandoned && usage !== null && usage.completionTokens > 1 && event.latencyMs >= ttftMs) {
        timePerOutputChunk.record((event.latencyMs - ttftMs) / 1000 / (usage.completionTokens - 1), answered.answered);
      }
    }
    const span = tracked?.span;
    if (span === undefined) return;
    tracked!.span = undefined;
    if (span.isRecording()) this.describeEnd(span, event, responseModel, event.operation);
    span.end();
  }

  private describeEnd(span: Span, event: AttemptEndEvent, responseModel: string | null, operation: Operation): void {
    if (responseModel !== null && responseModel !== '') span.setAttribute(ATTR_RESPONSE_MODEL, responseModel);
    if (event.responseId != null && event.responseId !== '') span.setAttribute(ATTR_RESPONSE_ID, event.responseId);
    const usage = event.usage;
    if (usage !== null) {
      span.setAttribute(ATTR_USAGE_INPUT_TOKENS, usage.promptTokens);
      if (operation === 'chat') span.setAttribute(ATTR_USAGE_OUTPUT_TOKENS, usage.completionTokens);
      const prompt = usage.promptTokensDetails;
      if (prompt?.cachedTokens !== undefined) span.setAttribute(ATTR_USAGE_CACHE_READ_INPUT_TOKENS, prompt.cachedTokens);
      if (prompt?.cacheWriteTokens !== undefined) span.setAttribute(ATTR_USAGE_CACHE_CREATION_INPUT_TOKENS, prompt.cacheWriteTokens);
      const reasoning = usage.completionTokensDetails?.reasoningTokens;
      if (reasoning !== undefined) span.setAttribute(ATTR_USAGE_REASONING_OUTPUT_TOKENS, reasoning);
    }
    if (event.ttftMs !== null) span.setAttribute(ATTR_RESPONSE_TIME_TO_FIRST_CHUNK, event.ttftMs / 1000);
    const choices = event.choices ?? null;
    if (choices !== null && choices.length > 0) {
      const reasons: string[] = [];
      for (const choice of choices) if (choice.finishReason !== null) reasons.push(choice.finishReason);
      if (reasons.length > 0) span.setAttribute(ATTR_RESPONSE_FINISH_REASONS, reasons);
      if (this.captureContent) span.setAttribute(ATTR_OUTPUT_MESSAGES, outputMessagesJson(choices));
    } else if (event.finishReason !== null) {
      span.setAttribute(ATTR_RESPONSE_FINISH_REASONS, oneReason(event.finishReason));
    }
    if (event.costUsd != null) span.setAttribute(ATTR_ROUTER_COST_USD, event.costUsd);
    if (event.abandoned) span.setAttribute(ATTR_ROUTER_ABANDONED, true);
    if (!event.success) {
      const errorType = event.errorType ?? '_OTHER';
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      if (event.statusCode !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, event.statusCode);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    }
  }

  private seriesOf(operation: Operation, providerType: string, provider: string, model: string, serverAddress: string | null, serverPort: number | null): GenAiSeries {
    let byProvider = this.series.get(operation);
    if (byProvider === undefined) this.series.set(operation, (byProvider = new Map()));
    let byModel = byProvider.get(provider);
    if (byModel === undefined) byProvider.set(provider, (byModel = new Map()));
    const cached = byModel.get(model);
    if (cached !== undefined) return cached;
    const made = new GenAiSeries(operation, providerType, model, serverAddress, serverPort);
    if (this.seriesCount < MAX_SERIES) {
      byModel.set(model, made);
      this.seriesCount++;
    }
    return made;
  }
}

function oneReason(reason: FinishReason): string[] {
  let reasons = ONE_REASON.get(reason);
  if (reasons === undefined) ONE_REASON.set(reason, (reasons = Object.freeze([reason]) as string[]));
  return reasons;
}

let version: string | null | undefined;

/** This package's version, for the instrumentation scope. */
function packageVersion(): string | undefined {
  if (version === undefined) {
    try {
      const pkg = createRequire(import.meta.url)('../../../package.json') as { name?: unknown; version?: unknown };
      version = pkg.name === 'llm-api-router' && typeof pkg.version === 'string' ? pkg.version : null;
    } catch {
      version = null;
    }
  }
  return version ?? undefined;
}
