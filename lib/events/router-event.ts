import type { ChatCompletionChoice, ChatMessage, FinishReason, Usage } from '../types/chat.js';
import type { ProviderType } from '../config/provider-config.js';

/** What a request asks for. */
export type Operation = 'chat' | 'embeddings';

/** Circuit state of a provider. */
export type CircuitState = 'closed' | 'open' | 'half_open';

interface EventBase {
  /** Shared by every event of one request. */
  requestId: string;
  /** Milliseconds since the epoch (the router's `clock`). */
  timestamp: number;
  /**
   * The request's `metadata` (the caller's object, not a copy), on every event of a request that has
   * it; `undefined` when the request had none, and on `provider.state`, which belongs to no request.
   */
  metadata?: Readonly<Record<string, string>>;
}

/** What a provider's rate-limit response headers said was left. */
export interface RateLimitSnapshot {
  remainingRequests: number | null;
  remainingTokens: number | null;
}

/** Why the router will not try a candidate for this request. */
export type RouteSkipReason = 'circuit_open' | 'cooling_down' | 'rate_limited' | 'budget_exceeded' | 'model_not_served';

/** A request entered the router (after validation). */
export interface RequestStartEvent extends EventBase {
  type: 'request.start';
  operation: Operation;
  /** The model the caller asked for, if any. */
  model: string | null;
  stream: boolean;
  /** Provider names in the order the strategy will try them. */
  candidates: string[];
  /** The messages of a chat request (a reference, not a copy), for sinks that capture content; undefined for embeddings. */
  messages: readonly ChatMessage[] | undefined;
}

/** Once per request, before its first attempt: the candidates in the order they will be tried, and why any is skipped. */
export interface RequestRouteEvent extends EventBase {
  type: 'request.route';
  candidates: Array<{ provider: string; model: string; skipped: RouteSkipReason | null }>;
}

/** One call to a provider is about to be made. */
export interface AttemptStartEvent extends EventBase {
  type: 'attempt.start';
  operation: Operation;
  provider: string;
  /** The model sent to the provider. */
  model: string;
  /** 1-based number of this attempt within the request, across providers. */
  attempt: number;
  stream: boolean;
  providerType: ProviderType;
  /** Host and port the attempt is sent to (null for in-process providers). */
  serverAddress: string | null;
  serverPort: number | null;
}

/** One call to a provider ended: answered, failed, or (for streams) finished, was cut or abandoned. */
export interface AttemptEndEvent extends EventBase {
  type: 'attempt.end';
  operation: Operation;
  provider: string;
  model: string;
  attempt: number;
  success: boolean;
  latencyMs: number;
  /** The HTTP status, when the provider answered. */
  statusCode: number | null;
  /** The error's class name on failure. */
  errorType: string | null;
  usage: Usage | null;
  stream: boolean;
  /** Time to first chunk, for streams that yielded one. */
  ttftMs: number | null;
  finishReason: FinishReason | null;
  /** A stream the consumer stopped reading before it ended. */
  abandoned: boolean;
  providerType: ProviderType;
  /** What the attempt cost in USD; null when the model has no known price or no usage. */
  costUsd: number | null;
  /** The provider's rate-limit headers on this answer. */
  rateLimit: RateLimitSnapshot | null;
  /** The provider's id of the completion. */
  responseId: string | null;
  /** The model the provider answered with. */
  responseModel: string | null;
  /** The choices of a non-streamed chat answer (a reference), for sinks that capture content. */
  choices: readonly ChatCompletionChoice[] | null;
}

/** A failed attempt will be retried on the same provider after `delayMs`. */
export interface RequestRetryEvent extends EventBase {
  type: 'request.retry';
  provider: string;
  model: string;
  /** The attempt that failed. */
  attempt: number;
  delayMs: number;
  errorType: string;
  statusCode: number | null;
}

/** The router moves on from one provider to the next candidate. */
export interface RequestFallbackEvent extends EventBase {
  type: 'request.fallback';
  fromProvider: string;
  toProvider: string;
  errorType: string;
  statusCode: number | null;
}

/** A stream produced its first chunk. */
export interface StreamFirstChunkEvent extends EventBase {
  type: 'stream.first_chunk';
  provider: string;
  model: string;
  attempt: number;
  ttftMs: number;
}

/** A request left the router: answered (for streams, when the stream ended) or failed for good. */
export interface RequestEndEvent extends EventBase {
  type: 'request.end';
  operation: Operation;
  success: boolean;
  /** The provider that answered, or the last one tried. */
  provider: string | null;
  model: string | null;
  latencyMs: number;
  attempts: number;
  errorType: string | null;
  usage: Usage | null;
  stream: boolean;
  /** The model the caller asked for, or the first candidate's default model. */
  requestedModel: string | null;
  /** The HTTP status of the final failure, when there was one. */
  statusCode: number | null;
  /** Time spent in the router itself: end to end, less provider waits and backoff sleeps. */
  overheadMs: number;
  /** Sum of the attempts' costs; null when none had a known cost. */
  costUsd: number | null;
}

/** A provider's circuit changed state. */
export interface ProviderStateEvent extends EventBase {
  type: 'provider.state';
  provider: string;
  state: CircuitState;
  previousState: CircuitState;
  /** Why it changed, e.g. `5 consecutive failures`. */
  reason: string;
}

/** Every event a router emits, discriminated by `type`. */
export type RouterEvent =
  | RequestStartEvent
  | RequestRouteEvent
  | AttemptStartEvent
  | AttemptEndEvent
  | RequestRetryEvent
  | RequestFallbackEvent
  | StreamFirstChunkEvent
  | RequestEndEvent
  | ProviderStateEvent;

export type RouterEventType = RouterEvent['type'];

/** The event of a given type. */
export type RouterEventOf<T extends RouterEventType> = Extract<RouterEvent, { type: T }>;

/** Listener map for the typed `on/once/off` API. */
export type RouterEventListeners = { [T in RouterEventType]: (event: RouterEventOf<T>) => void };
