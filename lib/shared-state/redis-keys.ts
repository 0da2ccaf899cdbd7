import { RATE_WINDOW_MS } from './router-state-store.js';

/** Default prefix of every key. */
export const DEFAULT_KEY_PREFIX = 'llm-router:';

/**
 * Added to every expiry: covers clock skew between machines and clocks that run apart from the Redis
 * server's (expiry is Redis' own, every decision compares the stored times with the router's `now`).
 */
export const EXPIRY_GRACE_MS = 60_000;

/** How long a circuit record outlives its `until` (a circuit left open is still probed, not forgotten). */
export const CIRCUIT_TTL_MS = 3_600_000;

/**
 * The Redis keys of the shared state (`P` is `keyPrefix`, default `llm-router:`; names are used as
 * given, after a fixed type segment, so no two kinds of key can collide):
 *
 * | Key | Type | Content | Expiry (PEXPIRE, renewed on write) |
 * | --- | --- | --- | --- |
 * | `P rate:<provider>` | sorted set | one member per granted request (its reservation id), score = grant time (ms) | `RATE_WINDOW_MS + EXPIRY_GRACE_MS` (2 min) after the last grant; members older than the window are removed by every grant and read |
 * | `P rate-tokens:<provider>` | hash | reservation id → tokens counted (estimate, then actual); field `#sum` = total of the window | same as `rate:<provider>`, pruned with it |
 * | `P budget:<windowMs>:<name>` | hash | time bucket index (`floor(now / (windowMs / 60))`) → USD spent in it (HINCRBYFLOAT) | `windowMs + EXPIRY_GRACE_MS` after the last spend; buckets older than the window are deleted by every spend |
 * | `P cooldown:<provider>` | string | end of the cool-down (ms) | `until - now + EXPIRY_GRACE_MS` |
 * | `P circuit:<provider>` | string | `<state>\|<until>` (`open` or `half_open`); a closed circuit has no key (DEL) | `max(until - now, 0) + CIRCUIT_TTL_MS` (1 h) |
 * | `P probe:<provider>` | string | `<token>\|<until>`: the router holding the half-open probe | `ttlMs + EXPIRY_GRACE_MS`; a lease whose `until` passed is free even while the key lives |
 */
export class RedisKeys {
  constructor(readonly prefix: string = DEFAULT_KEY_PREFIX) {}

  rate(provider: string): string {
    return `${this.prefix}rate:${provider}`;
  }

  rateTokens(provider: string): string {
    return `${this.prefix}rate-tokens:${provider}`;
  }

  budget(name: string, windowMs: number): string {
    return `${this.prefix}budget:${windowMs}:${name}`;
  }

  cooldown(provider: string): string {
    return `${this.prefix}cooldown:${provider}`;
  }

  circuit(provider: string): string {
    return `${this.prefix}circuit:${provider}`;
  }

  probe(provider: string): string {
    return `${this.prefix}probe:${provider}`;
  }
}

/** PEXPIRE of the rate keys. */
export const RATE_KEY_TTL_MS = RATE_WINDOW_MS + EXPIRY_GRACE_MS;

/** A positive whole number of ms for PX / PEXPIRE. */
export function ttlArg(ms: number): string {
  return String(Math.max(1, Math.ceil(ms)));
}
