import type { AttemptEndEvent, AttemptStartEvent, RequestEndEvent } from './router-event.js';

// The events of every request, each with all its fields in the order a producer fills them: a producer
// takes a fresh one, or (for types only sinks read, see `EventBus.sinksOnly`) keeps one and refills it.
// Fields that take numbers outside V8's small integers (epoch-ms timestamps, fractional durations) start as
// NaN, not 0: a literal first made with a small integer there has its shape replaced by V8 when a kept frame
// is refilled with such a number, and every later optimization of the reporter's code that makes one is then
// aborted ("maps became deprecated"): a router whose sinks read events then ran at up to twice the CPU per
// request when a router without them had warmed that code up first.

export function attemptStartFrame(): AttemptStartEvent {
  return {
    type: 'attempt.start',
    requestId: '',
    timestamp: Number.NaN,
    metadata: undefined,
    operation: 'chat',
    provider: '',
    model: '',
    attempt: 0,
    stream: false,
    providerType: 'openai',
    serverAddress: null,
    serverPort: null,
  };
}

export function attemptEndFrame(): AttemptEndEvent {
  return {
    type: 'attempt.end',
    requestId: '',
    timestamp: Number.NaN,
    metadata: undefined,
    operation: 'chat',
    provider: '',
    model: '',
    attempt: 0,
    success: false,
    latencyMs: Number.NaN,
    statusCode: null,
    errorType: null,
    usage: null,
    stream: false,
    ttftMs: null,
    finishReason: null,
    abandoned: false,
    providerType: 'openai',
    costUsd: null,
    rateLimit: null,
    responseId: null,
    responseModel: null,
    choices: null,
  };
}

export function requestEndFrame(): RequestEndEvent {
  return {
    type: 'request.end',
    requestId: '',
    timestamp: Number.NaN,
    metadata: undefined,
    operation: 'chat',
    success: false,
    provider: null,
    model: null,
    latencyMs: Number.NaN,
    attempts: 0,
    errorType: null,
    usage: null,
    stream: false,
    requestedModel: null,
    statusCode: null,
    overheadMs: Number.NaN,
    costUsd: null,
  };
}
