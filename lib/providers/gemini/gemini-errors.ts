import { httpStatusOf, type WireError } from '../provider-errors.js';

/** Google's `{ error: { code, message, status, details } }` (also inside an array), from a text. */
export function googleErrorOf(text: string): any {
  try {
    const json = JSON.parse(text);
    return (Array.isArray(json) ? json[0] : json)?.error;
  } catch {
    return undefined;
  }
}

/** `RetryInfo.retryDelay` ("34.4s") of an error's details, in milliseconds. */
export function googleRetryDelayMs(error: any): number | undefined {
  const details = error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    const delay = d?.retryDelay;
    if (typeof delay !== 'string') continue;
    const m = /^(\d+(?:\.\d+)?)s$/.exec(delay.trim());
    if (m !== null) return Math.round(Number(m[1]) * 1000);
  }
  return undefined;
}

/** Whether Google refused the key (400 `API_KEY_INVALID`): an authentication failure. */
export function isInvalidKey(error: any): boolean {
  return Array.isArray(error?.details) && error.details.some((d: any) => d?.reason === 'API_KEY_INVALID');
}

/** `STATUS: message` of a Google error. */
export function googleErrorMessage(error: any): string | undefined {
  if (typeof error?.message !== 'string') return undefined;
  return typeof error.status === 'string' ? `${error.status}: ${error.message}` : error.message;
}

/**
 * Finish reasons of a candidate that failed rather than answered: the model wrote a function call the
 * parser refused, called a tool it was not given, called too many, or the response could not be read.
 * Gemini sends them with a 200 and no usable content; read as `stop` they were empty successful answers.
 */
const FAILED_FINISH: ReadonlySet<string> = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS', 'MALFORMED_RESPONSE']);

/** The failure of a candidate that finished with one of `FAILED_FINISH`, as a 500 (a fault of the model's, retried like one). */
function failedCandidate(json: Record<string, any>): WireError | undefined {
  const candidate = Array.isArray(json.candidates) ? json.candidates[0] : undefined;
  const reason = candidate?.finishReason;
  if (typeof reason !== 'string' || !FAILED_FINISH.has(reason)) return undefined;
  const detail = typeof candidate.finishMessage === 'string' ? `: ${candidate.finishMessage}` : '';
  return { status: 500, message: `finishReason ${reason}${detail}` };
}

/** The error of a Gemini body or stream event, typed by its `code`, with its retry delay; or a failed candidate's. */
export function geminiWireError(json: Record<string, any>): WireError | undefined {
  const error = json.error;
  if (error == null) return failedCandidate(json);
  if (typeof error === 'string') return { status: 500, message: error };
  const status = isInvalidKey(error) ? 401 : (httpStatusOf(error.code) ?? 500);
  return { status, message: googleErrorMessage(error) ?? 'unknown error', retryAfterMs: googleRetryDelayMs(error) };
}
