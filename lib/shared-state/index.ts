export {
  RATE_WINDOW_MS,
  BUDGET_BUCKETS,
  CLOSED_CIRCUIT,
  rateHeadroom,
} from './router-state-store.js';
export type {
  MaybePromise,
  RateLimits,
  Reservation,
  AcquireResult,
  RateUsage,
  BudgetKey,
  CircuitRecord,
  ProbeLease,
  StateQuerySpec,
  StateQuery,
  ProviderStateView,
  StateSnapshot,
  AttemptOutcome,
  RouterStateStore,
} from './router-state-store.js';
export { LocalStateStore } from './local-state-store.js';
export { RedisStateStore } from './redis-state-store.js';
export type { RedisStateStoreOptions } from './redis-state-store.js';
export type { SharedStateLogger, RedisConnectionOptions } from './redis-connection.js';
export { RedisKeys, DEFAULT_KEY_PREFIX, EXPIRY_GRACE_MS, CIRCUIT_TTL_MS } from './redis-keys.js';
export { createRouterStateStore } from './create-state-store.js';
