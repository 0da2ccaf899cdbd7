import type { SharedStateOptions } from '../config/index.js';
import { LocalStateStore } from './local-state-store.js';
import type { SharedStateLogger } from './redis-connection.js';
import { RedisStateStore } from './redis-state-store.js';

/**
 * The store of a router: a `RedisStateStore` when `sharedState` is given (ioredis is imported only
 * then), else a `LocalStateStore`. Never throws for an unreachable Redis.
 */
export function createRouterStateStore(sharedState: SharedStateOptions | undefined, logger?: SharedStateLogger): LocalStateStore | RedisStateStore {
  if (sharedState === undefined) return new LocalStateStore();
  const { redis, keyPrefix, commandTimeoutMs } = sharedState;
  return new RedisStateStore({ redis, keyPrefix, commandTimeoutMs, logger });
}
