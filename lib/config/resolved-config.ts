import type { SafeLogger } from '../logging/logger.js';
import type { MockProviderOptions, ProviderType } from './provider-config.js';
import type { BudgetConfig, ModelPrice, RouterMetricsCollector, RoutingStrategy, SharedStateOptions } from './router-options.js';

/** A retry policy with every default filled in. */
export interface ResolvedRetryPolicy {
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  retryOnStatus: ReadonlySet<number>;
}

/** Circuit breaker options with every default filled in. */
export interface ResolvedCircuitBreaker {
  failureThreshold: number;
  cooldownMs: number;
  successThreshold: number;
}

/** A validated `ProviderConfig` with defaults applied. */
export interface ResolvedProviderConfig {
  providerType: ProviderType;
  name: string;
  apiKey: string | undefined;
  /** Base URL without a trailing slash. */
  baseUrl: string;
  /** `scheme://host:port` of `baseUrl`. */
  origin: string;
  /** Path part of `baseUrl`, without a trailing slash ('' for none). */
  basePath: string;
  defaultModel: string | undefined;
  /** Public name -> provider model name; undefined when the provider serves any model. */
  models: ReadonlyMap<string, string> | undefined;
  timeoutMs: number;
  retry: ResolvedRetryPolicy;
  headers: Readonly<Record<string, string>>;
  weight: number;
  apiVersion: string | undefined;
  deployment: string | undefined;
  connections: number;
  mock: MockProviderOptions;
  rpm: number | undefined;
  tpm: number | undefined;
}

/** Validated router options with every default filled in. */
export interface ResolvedRouterConfig {
  providers: ResolvedProviderConfig[];
  strategy: RoutingStrategy;
  /** `undefined` when circuit breaking is off. */
  circuitBreaker: ResolvedCircuitBreaker | undefined;
  /** Whether a logger was given (the router skips building log lines otherwise). */
  logging: boolean;
  logger: SafeLogger;
  clock: () => number;
  /** Validated by the cost calculator (`lib/cost`). */
  prices: Record<string, ModelPrice> | undefined;
  /** The collector to attach; undefined when metrics are off. */
  metricsEnabled: boolean;
  metricsCollector: RouterMetricsCollector | undefined;
  budgets: readonly BudgetConfig[];
  sharedState: SharedStateOptions | undefined;
}
