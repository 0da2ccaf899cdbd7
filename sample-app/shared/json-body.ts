import { ApiError, invalidRequest } from './api-error.js';

/** The deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a request body as JSON: the bytes must be valid UTF-8 (a byte sequence that is not is a 400,
 * never silently replaced by U+FFFD), the text valid JSON, nested at most `MAX_JSON_DEPTH` deep.
 */
export function parseJsonBody(body: string | Uint8Array): unknown {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    try {
      text = utf8.decode(body);
    } catch {
      throw invalidRequest('The request body is not valid UTF-8.', null, 'invalid_encoding');
    }
  }
  if (text.trim() === '') throw invalidRequest('The request body is empty; expected a JSON object.', null, 'invalid_json');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalidRequest(`We could not parse the JSON body of your request. (${(e as Error).message.slice(0, 200)})`, null, 'invalid_json');
  }
  if (depthExceeds(json, MAX_JSON_DEPTH)) throw invalidRequest(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`, null, 'invalid_json');
  return json;
}

/** Whether arrays and objects nest deeper than `max` (walked without recursion). */
function depthExceeds(root: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * Refuses (415) a body whose `Content-Type` names a charset other than UTF-8: the body is read as
 * UTF-8, so a Latin-1 or UTF-16 body would be misread rather than refused. No charset is UTF-8 (JSON's
 * only encoding, RFC 8259).
 */
export function assertUtf8Charset(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  if (m === null || /^utf-?8$/i.test(m[1]!)) return;
  throw new ApiError(415, `The request body must be UTF-8 JSON; got charset ${m[1]!.slice(0, 40)}.`, 'invalid_request_error', 'unsupported_media_type');
}
