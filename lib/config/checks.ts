import { ConfigurationError } from '../errors/llm-router-error.js';

/** A plain object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What a configuration error may say about a value: numbers and booleans as they are, anything else
 * only by its kind, since a string in the wrong field may be a key.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** A finite number >= 0 (whole when `integer`), or undefined when absent. */
export function nonNegativeNumber(value: unknown, field: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new ConfigurationError(field, `must be a ${integer ? 'whole ' : ''}number >= 0, got ${describeValue(value)}`);
  }
  return value;
}

/** A finite number > 0, or undefined when absent. */
export function positiveNumber(value: unknown, field: string, integer = false): number | undefined {
  const n = nonNegativeNumber(value, field, integer);
  if (n === 0) throw new ConfigurationError(field, 'must be greater than 0, got 0');
  return n;
}

/** A non-empty string (not only blanks), or undefined when absent. */
export function nonEmptyString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigurationError(field, `must be a non-empty string, got ${describeValue(value)}`);
  return value;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What undici sends as a header value: tab, visible ASCII and Latin-1 (no line break, no control character). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers the HTTP client derives from the body and the connection itself; undici refuses each given by hand. */
const CLIENT_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect']);

/**
 * What keeps a header from being sent (undici would refuse it, failing every call as a network error): a name
 * that is not a token, a header the HTTP client sets itself, a value that is not a string of header
 * characters. `field` is where the headers are given; the value is never quoted (it may be a credential).
 */
export function headerProblem(name: string, value: unknown, field: string): { field: string; problem: string } | undefined {
  if (!HEADER_NAME.test(name)) return { field, problem: 'has an invalid header name' };
  if (CLIENT_HEADERS.has(name.toLowerCase())) return { field: `${field}.${name}`, problem: 'is set by the HTTP client from the body and connection; it cannot be given' };
  if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
    return { field: `${field}.${name}`, problem: 'must be a string of header characters (no line break or control character, Latin-1 only)' };
  }
  return undefined;
}

const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/** A header value without the leading and trailing whitespace that fetch strips too (a key file's final line break). */
export function trimHeaderValue(value: string): string {
  return value.replace(EDGE_WHITESPACE, '');
}

/**
 * Headers to send with every call to a provider, values trimmed as fetch trims them: an object of string
 * values undici accepts, or undefined when absent.
 */
export function headerRecord(value: unknown, field: string): Record<string, string> | undefined {
  const given = stringRecord(value, field);
  if (given === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const name in given) {
    const trimmed = trimHeaderValue(given[name]!);
    const bad = headerProblem(name, trimmed, field);
    if (bad !== undefined) throw new ConfigurationError(bad.field, bad.problem);
    headers[name] = trimmed;
  }
  return headers;
}

/** Whether a string can be sent in a header as it is. */
export function isHeaderValue(value: string): boolean {
  return HEADER_VALUE.test(value);
}

/** An object of string values, or undefined when absent. Neither keys nor values are quoted in errors. */
export function stringRecord(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new ConfigurationError(field, 'must be an object of string values');
  }
  return value as Record<string, string>;
}

/** A function, or undefined when absent. */
export function optionalFunction<F extends (...args: never[]) => unknown>(value: unknown, field: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigurationError(field, `must be a function, got ${describeValue(value)}`);
  return value as F;
}

/**
 * Throws a `ConfigurationError` for the first key of `value` (with a value) that is not in `known`: a
 * mistyped option name is not ignored. It names the key (`field.key`) and the option it most likely
 * meant. `owner` says whose option it is not (`LlmRouter`, `Client`, `providers[0]`, …).
 */
export function onlyKnownKeys(value: Record<string, unknown>, known: readonly string[], field: string, owner: string = field): void {
  const key = unknownKey(value, known);
  if (key === undefined) return;
  const { shown, hint } = describeUnknownKey(key, known);
  throw new ConfigurationError(field === '' ? shown : `${field}.${shown}`, `is not an option of ${owner}${hint}`);
}

/**
 * The first own key of `value` with a value (not `undefined`) that `known` lacks, or `undefined`. Allocates
 * nothing, so requests can be checked with it.
 */
export function unknownKey(value: object, known: ReadonlySet<string> | readonly string[]): string | undefined {
  const set = known instanceof Set;
  for (const key in value) {
    if ((set ? (known as ReadonlySet<string>).has(key) : (known as readonly string[]).includes(key)) || !Object.hasOwn(value, key)) continue;
    if ((value as Record<string, unknown>)[key] !== undefined) return key;
  }
  return undefined;
}

/** What an error says of a key that is not an option: the key (at most 60 characters) and `; did you mean <name>?` when one is likely. */
export function describeUnknownKey(key: string, known: Iterable<string>): { shown: string; hint: string } {
  const guess = closestName(key, [...known]);
  return { shown: key.length > 60 ? `${key.slice(0, 60)}…` : key, hint: guess === undefined ? '' : `; did you mean ${guess}?` };
}

/** The name of `names` that `key` most likely misspells: the same but for case, one containing the other, or a few edits away. */
function closestName(key: string, names: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const byCase = names.find((n) => n.toLowerCase() === lower);
  if (byCase !== undefined) return byCase;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.ceil(key.length / 3)) + 1;
  for (const name of names) {
    const d = editDistance(lower, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best ?? names.find((n) => n.toLowerCase().includes(lower) || lower.includes(n.toLowerCase()));
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
