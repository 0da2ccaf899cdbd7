import { unknownField } from './unknown-field.js';
/** The four wire formats the mock provider server speaks. Azure and the OpenAI-compatible family count as `openai`. */
export type WireFormat = 'openai' | 'anthropic' | 'gemini' | 'ollama';

/**
 * A failure to inject into one answer. Fields combine: `delayMs` is waited first, then the first of
 * `hang`, `reset`, `status`, `malformedJson` that is set decides the answer; otherwise the normal answer
 * is sent with the stream faults (`cutAfterChunks`, `endWithoutTerminator`, `malformedChunk`,
 * `midStreamError`) and `contentFilter` applied, and `headers` added.
 *
 * A fault that sets any stream fault only ever applies to streaming requests; one that sets
 * `resetDuringBody`, only to non-streaming requests.
 */
export interface MockFault {
  /** Wait this long before answering (a slow provider, a client timeout). */
  delayMs?: number;
  /** Never answer; the request stays open until the client goes away or the server closes. */
  hang?: boolean;
  /** Destroy the connection (TCP reset) without sending any response. */
  reset?: boolean;
  /** Answer with this status; `body` defaults to the format's real error body for the status. */
  status?: number;
  /** The error body to send with `status` (an object is sent as JSON, a string as it is). */
  body?: unknown;
  /** Extra response headers, e.g. `{ 'retry-after': '2' }` or `{ 'retry-after-ms': '150' }`. */
  headers?: Record<string, string>;
  /** Answer 200 with a JSON body that is cut in the middle. */
  malformedJson?: boolean;
  /** Send the head and half of a non-streamed JSON answer, its full length announced, then reset the connection (non-streaming requests only). */
  resetDuringBody?: boolean;
  /** Send this many stream events (SSE events or NDJSON lines), then destroy the connection. */
  cutAfterChunks?: number;
  /** End the stream cleanly but without its terminator (`[DONE]`, `message_stop`, `done: true`, Gemini's final chunk). */
  endWithoutTerminator?: boolean;
  /** Send an event whose data is not JSON in the middle of the stream. */
  malformedChunk?: boolean;
  /**
   * Send the format's in-stream error event in the middle of the stream, then end it: Anthropic's
   * `event: error`, an OpenAI `data: {"error": …}` event, a Gemini `data: {"error": …}` event, an Ollama
   * `{"error": "…"}` line.
   */
  midStreamError?: boolean | { type?: string; message?: string };
  /**
   * Answer as if the provider's safety filter stopped the output: OpenAI `finish_reason: "content_filter"`,
   * Anthropic `stop_reason: "refusal"`, Gemini `finishReason: "SAFETY"`. Ollama has no such answer and ignores it.
   */
  contentFilter?: boolean;
}

/** Which requests a queued fault applies to; every given field must match. */
export interface MockFaultMatch {
  /** A string matches when the request path contains it; a RegExp is tested against the path. */
  path?: string | RegExp;
  format?: WireFormat;
  /** The model of the request (body `model`, Gemini's path model, Azure's deployment). */
  model?: string;
  /** Only streaming (`true`) or only non-streaming (`false`) requests. */
  stream?: boolean;
}

/** Options of {@link MockProviderServer.enqueueFault}. */
export interface EnqueueFaultOptions {
  /** How many matching requests receive the fault (default 1; `Infinity` for all). */
  times?: number;
  match?: MockFaultMatch;
}

const FAULT_FIELDS = [
  'delayMs', 'hang', 'reset', 'status', 'body', 'headers', 'malformedJson', 'resetDuringBody', 'cutAfterChunks', 'endWithoutTerminator',
  'malformedChunk', 'midStreamError', 'contentFilter',
] as const satisfies ReadonlyArray<keyof MockFault>;

/** The request header that carries a per-request fault as JSON, e.g. `x-mock-fault: {"status":503}`. */
export const MOCK_FAULT_HEADER = 'x-mock-fault';

/** The fields of a fault that change a stream, so that it only applies to streaming requests. */
function streamFields(fault: MockFault): string[] {
  const fields: string[] = [];
  if (fault.cutAfterChunks !== undefined) fields.push('cutAfterChunks');
  if (fault.endWithoutTerminator === true) fields.push('endWithoutTerminator');
  if (fault.malformedChunk === true) fields.push('malformedChunk');
  if (fault.midStreamError !== undefined && fault.midStreamError !== false) fields.push('midStreamError');
  return fields;
}

/** True when the fault changes a stream, so that it only applies to streaming requests. */
export function isStreamFault(fault: MockFault): boolean {
  return streamFields(fault).length > 0;
}

/** True when the fault cuts a JSON body, so that it only applies to non-streaming requests. */
export function isJsonBodyFault(fault: MockFault): boolean {
  return fault.resetDuringBody === true;
}

/** Why a (valid) fault cannot apply to a request that does or does not stream, or `undefined` when it can. */
export function faultMismatch(fault: MockFault, stream: boolean): string | undefined {
  if (stream) return isJsonBodyFault(fault) ? 'fault.resetDuringBody applies to non-streaming requests only' : undefined;
  const fields = streamFields(fault);
  return fields.length > 0 ? `fault.${fields[0]} applies to streaming requests only` : undefined;
}

/** Why a fault cannot be applied, or `undefined` when it can. */
export function faultProblem(fault: unknown): string | undefined {
  if (fault === null || typeof fault !== 'object' || Array.isArray(fault)) return 'a fault must be an object';
  const f = fault as Record<string, unknown>;
  const unknown = unknownField(f, FAULT_FIELDS, 'fault.', 'a fault field');
  if (unknown !== undefined) return unknown;
  if (f.status !== undefined && !(Number.isInteger(f.status) && (f.status as number) >= 100 && (f.status as number) <= 599)) {
    return 'fault.status must be an integer HTTP status (100-599)';
  }
  for (const name of ['delayMs', 'cutAfterChunks'] as const) {
    const value = f[name];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      return `fault.${name} must be a non-negative number`;
    }
  }
  if (f.headers !== undefined) {
    if (f.headers === null || typeof f.headers !== 'object') return 'fault.headers must be an object of strings';
    for (const value of Object.values(f.headers)) {
      if (typeof value !== 'string') return 'fault.headers must be an object of strings';
    }
  }
  const stream = streamFields(fault as MockFault);
  if (f.resetDuringBody === true && stream.length > 0) {
    return `fault.resetDuringBody (non-streamed answers) cannot be combined with fault.${stream[0]} (streams)`;
  }
  return undefined;
}
