import type { ModelPrice } from '../config/router-options.js';
import type { Usage } from '../types/chat.js';

/** A long-context price: `price` replaces `base` once the prompt has more than `start` tokens. */
export interface TieredRate {
  readonly base: number;
  readonly tiers: ReadonlyArray<{ readonly start: number; readonly price: number }>;
}

/** USD per million tokens, flat or by prompt size. */
export type Rate = number | TieredRate;

/** A model's resolved prices, ready for per-call arithmetic. */
export interface PriceRates {
  readonly input: Rate;
  readonly cachedInput: Rate;
  readonly cacheWriteInput: Rate;
  readonly output: Rate;
  /** USD added per request (a few models bill one). */
  readonly perRequest: number;
  /** Epoch ms from which these rates must be resolved again (a dated or time-of-day price); `Infinity` if never. */
  readonly expiresAt: number;
}

/** The rates of a user's `ModelPrice` (cached and cache-write default to the input price). */
export function ratesFromModelPrice(price: ModelPrice): PriceRates {
  return {
    input: price.inputPerMillion,
    cachedInput: price.cachedInputPerMillion ?? price.inputPerMillion,
    cacheWriteInput: price.cacheWriteInputPerMillion ?? price.inputPerMillion,
    output: price.outputPerMillion,
    perRequest: 0,
    expiresAt: Infinity,
  };
}

function rateAt(rate: Rate, promptTokens: number): number {
  if (typeof rate === 'number') return rate;
  let price = rate.base;
  for (const tier of rate.tiers) if (promptTokens > tier.start) price = tier.price;
  return price;
}

/**
 * USD for one completion. `promptTokens` includes the cached and cache-write tokens, so the input
 * price applies to what is left of it; a long-context tier is chosen by the whole prompt.
 * `null` when the usage holds something other than finite token counts.
 */
export function costOf(rates: PriceRates, usage: Usage): number | null {
  const prompt = usage.promptTokens;
  const details = usage.promptTokensDetails;
  const cached = details?.cachedTokens ?? 0;
  const written = details?.cacheWriteTokens ?? 0;
  const uncached = Math.max(0, prompt - cached - written);
  const cost =
    (uncached * rateAt(rates.input, prompt) +
      cached * rateAt(rates.cachedInput, prompt) +
      written * rateAt(rates.cacheWriteInput, prompt) +
      usage.completionTokens * rateAt(rates.output, prompt)) /
      1e6 +
    rates.perRequest;
  return Number.isFinite(cost) && cost >= 0 ? cost : null;
}
