import type { RateLimitSnapshot } from '../events/router-event.js';

type Headers = Record<string, string | string[] | undefined>;

const REQUESTS = ['x-ratelimit-remaining-requests', 'anthropic-ratelimit-requests-remaining'] as const;
const TOKENS = ['x-ratelimit-remaining-tokens', 'anthropic-ratelimit-tokens-remaining'] as const;

function read(headers: Headers, names: readonly string[]): number | null {
  for (const name of names) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    const n = Number(value);
    if (value.trim() !== '' && Number.isFinite(n) && n >= 0) return n;
  }
  return null;
}

/**
 * What an answer's rate-limit headers say is left: OpenAI and most of its family
 * (`x-ratelimit-remaining-requests` / `-tokens`), Anthropic (`anthropic-ratelimit-requests-remaining` /
 * `-tokens-remaining`); null when the answer carries neither.
 */
export function rateLimitOf(headers: Headers): RateLimitSnapshot | null {
  const remainingRequests = read(headers, REQUESTS);
  const remainingTokens = read(headers, TOKENS);
  if (remainingRequests === null && remainingTokens === null) return null;
  return { remainingRequests, remainingTokens };
}
