import type { Target } from '../request-run.js';

/** What a strategy may read about the request it orders (besides the providers' slots). */
export interface RouteContext {
  /** The router clock at the request's routing. */
  now: number;
  /** Estimated prompt tokens of the request (see `estimateTokens`). */
  promptTokens: number;
  /** The request's `maxTokens`, when it set one. */
  maxTokens: number | undefined;
}

/**
 * Orders the candidates of one request: the first is tried first, the rest are fallbacks. Returns
 * `targets` itself when the configured order stands (nothing allocated); never mutates it.
 */
export interface RoutingStrategyImpl {
  order(targets: readonly Target[], ctx: RouteContext): readonly Target[];
}
