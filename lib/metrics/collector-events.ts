import type { Observable } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { EventSink } from '../events/event-sink.js';
import type { AttemptEndEvent, CircuitState, RequestEndEvent, RouterEvent, RouterEventType } from '../events/router-event.js';
import type { Logger } from '../logging/logger.js';
import type { RecordRequestInput } from './request-metrics.js';
import { AttemptRecord } from './storage/attempt-record.js';
import type { MetricsStore } from './storage/metrics-store.js';

/** Anything with a router's event stream: `LlmRouter`, `Client`, or a plain rxjs `Subject`'s holder. */
export interface MetricsEventSource {
  readonly events$: Observable<RouterEvent>;
  /**
   * The source's providers and their circuit states (as `LlmRouter.getProviderStatus()` gives them). When
   * present, `attach` seeds `llm_router_provider_state` and `llm_router_requests_in_flight` (0) for each
   * provider, so that dashboards see every provider before its first attempt or circuit change.
   */
  getProviderStatus?(): ReadonlyArray<{ readonly name: string; readonly state: CircuitState }>;
  /** The source's budgets and what is left in each, read at every export for `llm_router_budget_remaining_usd`. */
  getBudgetStatus?(): ReadonlyArray<{ readonly name: string; readonly remainingUsd: number }>;
}

/** The gauge value of each circuit state in `llm_router_provider_state`. */
export const PROVIDER_STATE_VALUES = Object.freeze({ closed: 0, half_open: 1, open: 2 } as const);

/** The attempts one attached source has started and not ended, for one provider. */
interface InFlightCount {
  n: number;
}

/** The event types the collector records. */
const RECORDED_TYPES: readonly RouterEventType[] = ['attempt.start', 'attempt.end', 'request.end', 'request.retry', 'request.fallback', 'provider.state'];

/**
 * One attached event source: its subscription and the attempts it has in flight per provider. It is the
 * rxjs observer of the source's `events$`, or the `EventSink` of a source that takes one (a router).
 */
export class Attachment implements EventSink {
  readonly types = RECORDED_TYPES;
  readonly inFlight = new Map<string, InFlightCount>();
  subscription: Subscription | undefined;
  /** Called when a sink's source closes. */
  onComplete: (() => void) | undefined = undefined;
  private lastProvider: string | undefined = undefined;
  private lastCount: InFlightCount | undefined = undefined;

  constructor(
    readonly source: MetricsEventSource,
    private readonly recorder: EventRecorder,
  ) {}

  next(event: RouterEvent): void {
    this.recorder.handle(event, this);
  }

  complete(): void {
    this.onComplete?.();
  }

  /** The in-flight count of a provider, made (at 0) on first use. */
  count(provider: string): InFlightCount {
    let count = this.find(provider);
    if (count === undefined) {
      this.inFlight.set(provider, (count = { n: 0 }));
      this.lastProvider = provider;
      this.lastCount = count;
    }
    return count;
  }

  /** The in-flight count of a provider, if it has one. */
  find(provider: string): InFlightCount | undefined {
    if (provider === this.lastProvider) return this.lastCount;
    const count = this.inFlight.get(provider);
    if (count !== undefined) {
      this.lastProvider = provider;
      this.lastCount = count;
    }
    return count;
  }
}

/**
 * Turns events and `recordRequest` arguments into the store's records. One `AttemptRecord` is filled again
 * and again, so recording an attempt allocates nothing.
 */
export class EventRecorder {
  private readonly record = new AttemptRecord();

  constructor(
    private readonly store: MetricsStore,
    private readonly exemplars: boolean,
    private readonly logger: Logger,
  ) {}

  handle(event: RouterEvent, attachment: Attachment): void {
    try {
      switch (event.type) {
        case 'attempt.end': {
          const inFlight = attachment.find(event.provider);
          if (inFlight !== undefined && inFlight.n > 0) inFlight.n--;
          this.attemptEnded(event);
          return;
        }
        case 'attempt.start':
          attachment.count(event.provider).n++;
          return;
        case 'request.end':
          this.requestEnded(event);
          return;
        case 'request.retry':
          this.store.retry(event.provider, event.model);
          return;
        case 'request.fallback':
          this.store.fallback(event.fromProvider, event.toProvider);
          return;
        case 'provider.state':
          this.setProviderState(event.provider, event.state);
          return;
        default:
          return;
      }
    } catch (error) {
      this.logger.error('llm-api-router metrics: failed to record an event', error);
    }
  }

  setProviderState(provider: string, state: CircuitState): void {
    if (Object.hasOwn(PROVIDER_STATE_VALUES, state)) this.store.providerState(provider, PROVIDER_STATE_VALUES[state]);
  }

  /** Records one attempt exactly as an `attempt.end` event would. Throws a `TypeError` on invalid input. */
  recordInput(input: RecordRequestInput, now: () => number): void {
    if (input === null || typeof input !== 'object') throw new TypeError('recordRequest: expected an object');
    const { provider, model, latencyMs, success } = input;
    if (typeof provider !== 'string' || provider === '') throw new TypeError('recordRequest: provider must be a non-empty string');
    if (typeof model !== 'string' || model === '') throw new TypeError('recordRequest: model must be a non-empty string');
    if (typeof latencyMs !== 'number' || !(latencyMs >= 0) || latencyMs === Number.POSITIVE_INFINITY) {
      throw new TypeError('recordRequest: latencyMs must be a finite non-negative number');
    }
    if (typeof success !== 'boolean') throw new TypeError('recordRequest: success must be a boolean');
    const prompt = countField('promptTokens', input.promptTokens);
    const completion = countField('completionTokens', input.completionTokens);
    let total = countField('totalTokens', input.totalTokens);
    if (total !== total && prompt === prompt && completion === completion) total = prompt + completion;
    const statusCode = input.statusCode ?? -1;
    if (!Number.isInteger(statusCode)) throw new TypeError('recordRequest: statusCode must be an integer');
    const attempt = input.attempt ?? 0;
    if (!Number.isInteger(attempt) || attempt < 0) throw new TypeError('recordRequest: attempt must be a positive integer');
    const ttft = countField('ttftMs', input.ttftMs);
    const cached = countField('cachedPromptTokens', input.cachedPromptTokens);
    const cacheWrite = countField('cacheWriteTokens', input.cacheWriteTokens);
    const reasoning = countField('reasoningTokens', input.reasoningTokens);
    const cost = countField('costUsd', input.costUsd);
    const metadata = input.metadata ?? null;
    if (metadata !== null && (typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string'))) {
      throw new TypeError('recordRequest: metadata must be an object of strings');
    }
    const ts = input.timestamp;
    const timestamp = ts === undefined ? now() : typeof ts === 'number' ? ts : ts instanceof Date ? ts.getTime() : Number.NaN;
    if (!Number.isFinite(timestamp)) throw new TypeError('recordRequest: timestamp must be a Date or a number of milliseconds');
    const errorType = input.errorType ?? null;
    const stream = input.stream === true;
    const requestId = input.requestId ?? null;
    // Every field read first: nothing may run between filling the shared record and using it.
    const series = this.store.series(provider, model);
    const r = this.record;
    r.provider = provider;
    r.model = model;
    r.timestamp = timestamp;
    r.latencyMs = latencyMs;
    r.success = success;
    r.statusCode = statusCode;
    r.errorType = errorType;
    r.promptTokens = prompt;
    r.completionTokens = completion;
    r.totalTokens = total;
    r.cachedPromptTokens = cached;
    r.cacheWriteTokens = cacheWrite;
    r.reasoningTokens = reasoning;
    r.costUsd = cost;
    r.stream = stream;
    r.requestId = requestId;
    r.attempt = attempt;
    r.ttftMs = ttft;
    r.metadata = metadata;
    this.store.recordAttempt(series, r);
  }

  private attemptEnded(event: AttemptEndEvent): void {
    const { provider, model } = event;
    // The series first: it may log (once), and nothing may run between filling the record and using it.
    const series = this.store.series(provider, model);
    const r = this.record;
    r.provider = provider;
    r.model = model;
    r.timestamp = event.timestamp;
    const latencyMs = event.latencyMs;
    r.latencyMs = latencyMs >= 0 && latencyMs < Number.POSITIVE_INFINITY ? latencyMs : 0;
    r.success = event.success;
    r.statusCode = event.statusCode ?? -1;
    r.errorType = event.errorType ?? null;
    const usage = event.usage;
    if (usage == null) {
      r.promptTokens = r.completionTokens = r.totalTokens = Number.NaN;
      r.cachedPromptTokens = r.cacheWriteTokens = r.reasoningTokens = Number.NaN;
    } else {
      r.promptTokens = usage.promptTokens ?? Number.NaN;
      r.completionTokens = usage.completionTokens ?? Number.NaN;
      r.totalTokens = usage.totalTokens ?? Number.NaN;
      const prompt = usage.promptTokensDetails;
      r.cachedPromptTokens = count(prompt?.cachedTokens);
      r.cacheWriteTokens = count(prompt?.cacheWriteTokens);
      r.reasoningTokens = count(usage.completionTokensDetails?.reasoningTokens);
    }
    r.costUsd = count(event.costUsd);
    r.stream = event.stream;
    r.requestId = event.requestId ?? null;
    r.attempt = event.attempt ?? 0;
    r.ttftMs = event.ttftMs ?? Number.NaN;
    r.metadata = event.metadata ?? null;
    this.store.recordAttempt(series, r);
    const rateLimit = event.rateLimit;
    if (rateLimit != null) {
      const requests = count(rateLimit.remainingRequests);
      const tokens = count(rateLimit.remainingTokens);
      if (requests === requests) this.store.rateLimit(provider, 'requests', requests);
      if (tokens === tokens) this.store.rateLimit(provider, 'tokens', tokens);
    }
  }

  private requestEnded(event: RequestEndEvent): void {
    const latencyMs = event.latencyMs;
    const success = event.success;
    this.store.recordRoutedRequest(
      event.requestedModel ?? event.model ?? 'unknown',
      success ? event.provider : null,
      success ? 'success' : (event.errorType ?? 'Error'),
      latencyMs >= 0 && latencyMs < Number.POSITIVE_INFINITY ? latencyMs : 0,
      event.overheadMs ?? Number.NaN,
      this.exemplars ? (event.requestId ?? null) : null,
      event.timestamp,
      event.metadata,
    );
  }
}

/** A count or amount from an event: NaN when absent or not a finite non-negative number. */
function count(value: number | null | undefined): number {
  return typeof value === 'number' && value >= 0 && value < Number.POSITIVE_INFINITY ? value : Number.NaN;
}

function countField(field: string, value: number | null | undefined): number {
  if (value === undefined || value === null) return Number.NaN;
  if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
    throw new TypeError(`recordRequest: ${field} must be a finite non-negative number`);
  }
  return value;
}
