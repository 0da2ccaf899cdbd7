export { PROVIDER_TYPES } from './provider-config.js';
export type { ProviderType, ProviderConfig, RetryOptions, MockProviderOptions } from './provider-config.js';
export type {
  ModelPrice,
  BudgetConfig,
  SharedStateOptions,
  CircuitBreakerOptions,
  RoutingStrategy,
  RouterMetricsCollector,
  RouterCommonOptions,
  LlmRouterOptions,
  ClientOptions,
} from './router-options.js';
export type { ResolvedRetryPolicy, ResolvedCircuitBreaker, ResolvedProviderConfig, ResolvedRouterConfig } from './resolved-config.js';
export * from './defaults.js';
export { resolveRetry, withMaxRetries } from './resolve-retry.js';
export { resolveProviderConfig, type Environment } from './resolve-provider-config.js';
export { resolveRouterConfig, resolveClientConfig } from './resolve-router-config.js';
