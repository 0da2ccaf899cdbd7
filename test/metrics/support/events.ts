import type { Logger } from '../../../lib/logging/logger.js';
import type { AttemptEndEvent, AttemptStartEvent, RequestEndEvent, RouterEvent } from '../../../lib/events/router-event.js';

export const T0 = 1_700_000_000_000;

export function attemptStart(provider: string, model: string, requestId: string, attempt = 1): AttemptStartEvent {
  return { type: 'attempt.start', requestId, timestamp: T0, operation: 'chat', provider, model, attempt, stream: false, providerType: 'openai', serverAddress: null, serverPort: null };
}

export function attemptEnd(fields: Partial<AttemptEndEvent> & Pick<AttemptEndEvent, 'provider' | 'model' | 'latencyMs' | 'success'>): AttemptEndEvent {
  return {
    type: 'attempt.end',
    requestId: 'req',
    timestamp: T0,
    operation: 'chat',
    attempt: 1,
    statusCode: fields.success ? 200 : null,
    errorType: null,
    usage: null,
    stream: false,
    ttftMs: null,
    finishReason: fields.success ? 'stop' : null,
    abandoned: false,
    providerType: 'openai',
    costUsd: null,
    rateLimit: null,
    responseId: null,
    responseModel: null,
    choices: null,
    ...fields,
  };
}

export function retry(provider: string, model: string, requestId: string): RouterEvent {
  return { type: 'request.retry', requestId, timestamp: T0, provider, model, attempt: 1, delayMs: 500, errorType: 'RateLimitError', statusCode: 429 };
}

export function fallback(fromProvider: string, toProvider: string, requestId: string): RouterEvent {
  return { type: 'request.fallback', requestId, timestamp: T0, fromProvider, toProvider, errorType: 'ProviderError', statusCode: 503 };
}

export function providerState(provider: string, state: 'closed' | 'open' | 'half_open', previousState: 'closed' | 'open' | 'half_open'): RouterEvent {
  return { type: 'provider.state', requestId: '', timestamp: T0, provider, state, previousState, reason: 'test' };
}

/** A logger that keeps what it is told, to check what the collector logs. */
export class RecordingLogger implements Logger {
  readonly warnings: unknown[][] = [];
  readonly errors: unknown[][] = [];
  debug(): void {}
  info(): void {}
  warn(...args: unknown[]): void {
    this.warnings.push(args);
  }
  error(...args: unknown[]): void {
    this.errors.push(args);
  }
}

/** A `request.end` event; `fields` override the defaults (a successful non-streamed request). */
export function requestEnd(fields: Partial<RequestEndEvent> = {}): RequestEndEvent {
  return {
    type: 'request.end',
    requestId: 'req',
    timestamp: T0,
    operation: 'chat',
    success: true,
    provider: 'openai',
    model: 'gpt-4o',
    latencyMs: 100,
    attempts: 1,
    errorType: null,
    usage: null,
    stream: false,
    requestedModel: null,
    statusCode: null,
    overheadMs: 0,
    costUsd: null,
    ...fields,
  };
}
