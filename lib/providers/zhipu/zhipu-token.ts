import { createHmac } from 'node:crypto';

/** How long a signed token is valid. */
export const ZHIPU_TOKEN_TTL_MS = 3_600_000;
/** A cached token is replaced this long before it expires. */
export const ZHIPU_TOKEN_REFRESH_MS = 60_000;

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', sign_type: 'SIGN' })).toString('base64url');

/**
 * Signs Zhipu's HS256 JWT from an `id.secret` API key: header `{ alg: 'HS256', sign_type: 'SIGN' }`,
 * payload `{ api_key: id, exp, timestamp }` with both times in milliseconds.
 */
export function signZhipuToken(apiKey: string, now: number, ttlMs = ZHIPU_TOKEN_TTL_MS): string {
  const dot = apiKey.indexOf('.');
  const id = apiKey.slice(0, dot);
  const secret = apiKey.slice(dot + 1);
  const payload = Buffer.from(JSON.stringify({ api_key: id, exp: now + ttlMs, timestamp: now })).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}

/** Keeps one signed token and signs a new one shortly before it expires. */
export class ZhipuTokenCache {
  private token: string | undefined;
  private expiresAt = 0;

  constructor(
    private readonly apiKey: string,
    private readonly onToken: (token: string, previous: string | undefined) => void = () => {},
    private readonly now: () => number = Date.now,
    private readonly ttlMs = ZHIPU_TOKEN_TTL_MS,
  ) {}

  get(): string {
    const now = this.now();
    if (this.token === undefined || now >= this.expiresAt - Math.min(ZHIPU_TOKEN_REFRESH_MS, this.ttlMs / 2)) {
      const previous = this.token;
      this.token = signZhipuToken(this.apiKey, now, this.ttlMs);
      this.expiresAt = now + this.ttlMs;
      this.onToken(this.token, previous);
    }
    return this.token;
  }
}
