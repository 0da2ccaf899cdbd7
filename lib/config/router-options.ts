import type { Logger } from '../logging/logger.js';
import type { ProviderConfig, RetryOptions } from './provider-config.js';

/** USD per million tokens of one model. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  /** Price of input tokens read from the prompt cache; defaults to `inputPerMillion`. */
  cachedInputPerMillion?: number;
  /** Price of input tokens written to the prompt cache; defaults to `inputPerMillion`. */
  cacheWriteInputPerMillion?: number;
}

/** A spending limit over a rolling window, for the requests that match it. */
export interface BudgetConfig {
  /** Unique; the `budget` label of `llm_router_budget_remaining_usd`. */
  name: string;
  limitUsd: number;
  windowMs: number;
  /** Only attempts on this provider (its `name`) count and are stopped. */
  provider?: string;
  /** Only attempts on this model (the name sent to the provider). */
  model?: string;
  /** Only requests whose `metadata` has all of these entries. */
  metadata?: Record<string, string>;
}

/** Router state shared over Redis by every router with the same prefix. */
export interface SharedStateOptions {
  /** A Redis URL (`redis://host:port/db`) or an existing ioredis client. */
  redis: string | object;
  /** Prefix of every key. @default 'llm-router:' */
  keyPrefix?: string;
  /**
   * Bound of one Redis command, in ms; a command that takes longer is answered by the router's local
   * state instead (as when Redis is down). Raise it when Redis is slow but must stay authoritative.
   * @default 500
   */
  commandTimeoutMs?: number;
}

/** Circuit breaker: a provider that keeps failing is skipped for a cool-down, then probed. */
export interface CircuitBreakerOptions {
  /** Consecutive failed attempts that open the circuit. @default 5 */
  failureThreshold?: number;
  /** How long an open circuit skips the provider before one probe is let through, in ms. @default 30000 */
  cooldownMs?: number;
  /** Successful probes that close a half-open circuit. @default 1 */
  successThreshold?: number;
}

/** How the router orders its providers for each request. */
export type RoutingStrategy =
  | 'fallback'
  | 'round-robin'
  | 'weighted'
  | 'least-latency'
  | 'least-busy'
  | 'lowest-cost'
  | 'usage-based';

/**
 * The metrics collector a router records into (a `MetricsCollector`). Declared by its shape so that the
 * configuration does not depend on the metrics layer.
 */
export interface RouterMetricsCollector {
  /** Subscribes the collector to a router's events; the router unsubscribes on `close()`. */
  attach(source: object): { unsubscribe(): void };
}

/** Options shared by `Client` and `LlmRouter`. */
export interface RouterCommonOptions {
  /** Record metrics. @default true */
  metricsEnabled?: boolean;
  /** The collector that records this router's events. Default: the process-wide collector. */
  metricsCollector?: RouterMetricsCollector;
  /** pino, console, NestJS's `Logger`, or any object with some of debug/info/log/warn/error/verbose. Silent by default. */
  logger?: Logger;
  /** Prices by the model name sent to the provider; override the bundled table. */
  prices?: Record<string, ModelPrice>;
  /** Milliseconds now; drives every time rule (windows, cooldowns, budgets, breaker) and event timestamps. @default Date.now */
  clock?: () => number;
}

/** Options of `LlmRouter`. */
export interface LlmRouterOptions extends RouterCommonOptions {
  providers: ProviderConfig[];
  /** How providers are ordered per request. @default 'fallback' (providers in the order given) */
  strategy?: RoutingStrategy;
  /** Retry policy for every provider that sets none of its own. */
  retry?: RetryOptions;
  /** Circuit breaking; `false` turns it off. On by default with the defaults of `CircuitBreakerOptions`. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Spending limits; a request matching an exhausted one throws `BudgetExceededError` before any network call. */
  budgets?: BudgetConfig[];
  /** Share limits, budget spend, cooldowns and circuit states over Redis. */
  sharedState?: SharedStateOptions;
}

/** Options of `Client`: one provider plus the router options. */
export type ClientOptions = ProviderConfig & RouterCommonOptions & { circuitBreaker?: CircuitBreakerOptions | false };
