import type { RateLimitSnapshot } from '../events/router-event.js';

type Headers = Record<string, string | string[] | undefined>;

/** An answer whose headers are read one at a time (first value, lower-case name). */
export interface HeaderSource {
  header(name: string): string | undefined;
}

const REQUESTS = ['x-ratelimit-remaining-requests', 'anthropic-ratelimit-requests-remaining'] as const;
const TOKENS = ['x-ratelimit-remaining-tokens', 'anthropic-ratelimit-tokens-remaining'] as const;

function remaining(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : null;
}

function read(headers: Headers, names: readonly string[]): number | null {
  for (const name of names) {
    const raw = headers[name];
    const n = remaining(Array.isArray(raw) ? raw[0] : raw);
    if (n !== null) return n;
  }
  return null;
}

function readFrom(source: HeaderSource, names: readonly string[]): number | null {
  for (const name of names) {
    const n = remaining(source.header(name));
    if (n !== null) return n;
  }
  return null;
}

function snapshot(remainingRequests: number | null, remainingTokens: number | null): RateLimitSnapshot | null {
  if (remainingRequests === null && remainingTokens === null) return null;
  return { remainingRequests, remainingTokens };
}

/**
 * What an answer's rate-limit headers say is left: OpenAI and most of its family
 * (`x-ratelimit-remaining-requests` / `-tokens`), Anthropic (`anthropic-ratelimit-requests-remaining` /
 * `-tokens-remaining`); null when the answer carries neither.
 */
export function rateLimitOf(headers: Headers): RateLimitSnapshot | null {
  return snapshot(read(headers, REQUESTS), read(headers, TOKENS));
}

/** {@link rateLimitOf} of an answer read header by header. */
export function rateLimitFrom(source: HeaderSource): RateLimitSnapshot | null {
  return snapshot(readFrom(source, REQUESTS), readFrom(source, TOKENS));
}
