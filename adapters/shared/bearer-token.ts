import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigurationError } from 'llm-api-router';

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Builds a check of an `Authorization` header against a bearer token. The comparison runs in
 * constant time (SHA-256 digests through `timingSafeEqual`), so neither the token nor its length leaks
 * through response timing.
 */
export function createBearerTokenVerifier(token: unknown, field: string): (authorization: string | string[] | undefined) => boolean {
  if (typeof token !== 'string' || token.length === 0 || /\s/.test(token)) {
    throw new ConfigurationError(field, 'must be a non-empty string without whitespace');
  }
  const expected = digest(token);
  return (authorization) => {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const match = header === undefined ? null : BEARER.exec(header);
    const candidate = digest(match === null ? '' : match[1]!);
    return timingSafeEqual(candidate, expected) && match !== null;
  };
}

/** The `WWW-Authenticate` challenge sent with a 401 (RFC 6750). */
export const BEARER_CHALLENGE = 'Bearer realm="metrics"';
