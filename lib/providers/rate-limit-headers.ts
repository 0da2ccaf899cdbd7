import type { RateLimitSnapshot } from '../events/router-event.js';

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

function readFrom(source: HeaderSource, names: readonly string[]): number | null {
  for (const name of names) {
    const n = remaining(source.header(name));
    if (n !== null) return n;
  }
  return null;
}

/**
 * What an answer's rate-limit headers say is left: OpenAI and most of its family
 * (`x-ratelimit-remaining-requests` / `-tokens`), Anthropic (`anthropic-ratelimit-requests-remaining` /
 * `-tokens-remaining`); null when the answer carries neither.
 */
export function rateLimitFrom(source: HeaderSource): RateLimitSnapshot | null {
  const remainingRequests = readFrom(source, REQUESTS);
  const remainingTokens = readFrom(source, TOKENS);
  if (remainingRequests === null && remainingTokens === null) return null;
  return { remainingRequests, remainingTokens };
}
