import type { ModelPrice } from '../config/router-options.js';
import type { Usage } from '../types/chat.js';
import type { CostCalculator } from './reporter.js';

const PER_MILLION = 1_000_000;

/** USD of `usage` at `price`: cached and cache-write input tokens at their own rates. */
export function costOf(price: ModelPrice, usage: Usage): number {
  const cached = usage.promptTokensDetails?.cachedTokens ?? 0;
  const written = usage.promptTokensDetails?.cacheWriteTokens ?? 0;
  const plain = Math.max(0, usage.promptTokens - cached - written);
  return (
    (plain * price.inputPerMillion +
      cached * (price.cachedInputPerMillion ?? price.inputPerMillion) +
      written * (price.cacheWriteInputPerMillion ?? price.inputPerMillion) +
      usage.completionTokens * price.outputPerMillion) /
    PER_MILLION
  );
}

/** The router's cost calculator over the `prices` option (the bundled price table joins it in `lib/cost`). */
export function pricesCalculator(prices: Readonly<Record<string, ModelPrice>> | undefined): CostCalculator {
  if (prices === undefined) return () => null;
  return (_providerType, model, usage) => {
    const price = Object.hasOwn(prices, model) ? prices[model] : undefined;
    return price === undefined ? null : costOf(price, usage);
  };
}
