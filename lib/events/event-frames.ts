import type { AttemptEndEvent, AttemptStartEvent, RequestEndEvent } from './router-event.js';

// The events of every request, each with all its fields in the order a producer fills them: a producer
// takes a fresh one, or (for types only sinks read, see `EventBus.sinksOnly`) keeps one and refills it.

export function attemptStartFrame(): AttemptStartEvent {
  return {
    type: 'attempt.start',
    requestId: '',
    timestamp: 0,
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
    timestamp: 0,
    metadata: undefined,
    operation: 'chat',
    provider: '',
    model: '',
    attempt: 0,
    success: false,
    latencyMs: 0,
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
    timestamp: 0,
    metadata: undefined,
    operation: 'chat',
    success: false,
    provider: null,
    model: null,
    latencyMs: 0,
    attempts: 0,
    errorType: null,
    usage: null,
    stream: false,
    requestedModel: null,
    statusCode: null,
    overheadMs: 0,
    costUsd: null,
  };
}
