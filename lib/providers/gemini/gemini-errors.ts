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

/** The error of a Gemini body or stream event, typed by its `code`, with its retry delay. */
export function geminiWireError(json: Record<string, any>): WireError | undefined {
  const error = json.error;
  if (error == null) return undefined;
  if (typeof error === 'string') return { status: 500, message: error };
  const status = isInvalidKey(error) ? 401 : (httpStatusOf(error.code) ?? 500);
  return { status, message: googleErrorMessage(error) ?? 'unknown error', retryAfterMs: googleRetryDelayMs(error) };
}
