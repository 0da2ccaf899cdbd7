import { onlyKnownKeys } from '../config/checks.js';
import { ConfigurationError } from '../errors/llm-router-error.js';
import type { Usage } from '../types/chat.js';
import type { ProviderType } from '../config/provider-config.js';
import type { ModelPrice } from '../config/router-options.js';
import { lookupBundledPrice } from './bundled-price-table.js';
import { costOf, ratesFromModelPrice, type PriceRates } from './price-rates.js';
import { PRICE_TABLE_PROVIDERS } from './price-table-providers.js';

/**
 * USD cost of one completion: `null` for `null` usage and for a model with no known price (never 0
 * for an unknown model).
 */
export type CostCalculator = (providerType: ProviderType, model: string, usage: Usage | null) => number | null;

/** Options of `createCostCalculator`. */
export interface CostCalculatorOptions {
  /** Milliseconds now, for dated and time-of-day prices. @default Date.now */
  clock?: () => number;
  /** Resolved bundled prices kept per provider type (oldest dropped first). @default 1000 */
  maxCachedModels?: number;
}

const PRICE_FIELDS = ['inputPerMillion', 'outputPerMillion', 'cachedInputPerMillion', 'cacheWriteInputPerMillion'] as const;

function validatedOverrides(prices: Record<string, ModelPrice> | undefined): Map<string, PriceRates> {
  const overrides = new Map<string, PriceRates>();
  if (prices === undefined) return overrides;
  if (typeof prices !== 'object' || prices === null) throw new ConfigurationError('prices', 'must be an object keyed by model name');
  for (const [model, price] of Object.entries(prices)) {
    if (typeof price !== 'object' || price === null) {
      throw new ConfigurationError(`prices.${model}`, 'must be an object with inputPerMillion and outputPerMillion');
    }
    onlyKnownKeys(price as unknown as Record<string, unknown>, PRICE_FIELDS, `prices.${model}`);
    for (const field of PRICE_FIELDS) {
      const value = price[field];
      const optional = field === 'cachedInputPerMillion' || field === 'cacheWriteInputPerMillion';
      if (value === undefined && optional) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new ConfigurationError(`prices.${model}.${field}`, 'must be a finite number >= 0 (USD per million tokens)');
      }
    }
    overrides.set(model, ratesFromModelPrice(price));
  }
  return overrides;
}

/**
 * Prices completions from `prices` (keyed by the model name sent to the provider) over the price
 * table bundled with `@pydantic/genai-prices`.
 *
 * The table comes from a kept price database (Pydantic's genai-prices, used by Pydantic AI and
 * Logfire): it is MIT, has no dependencies, accepts Node 20, scopes model matching by provider,
 * carries cache-read and cache-write rates, long-context tiers, dated and time-of-day prices, and
 * reads only its bundled data unless `updatePrices` is called, which this module never does, so no
 * price is fetched over the network. (tokenlens/models.dev is a model-metadata registry whose cost
 * figures are rough and refreshed by fetching; llm-cost is unmaintained and ships tokenizers;
 * LiteLLM's `model_prices_and_context_window.json` is not published as a kept npm package and would
 * have to be copied by hand or fetched.)
 *
 * The table is loaded on the first bundled lookup, not on import. Each (provider type, model) is
 * resolved once and cached, so a call does O(1) work and allocates nothing.
 *
 * @throws ConfigurationError when a `prices` entry is not a set of finite non-negative numbers.
 */
export function createCostCalculator(
  prices?: Record<string, ModelPrice>,
  options: CostCalculatorOptions = {},
): CostCalculator {
  const overrides = validatedOverrides(prices);
  const clock = options.clock ?? Date.now;
  const maxCached = Math.max(1, options.maxCachedModels ?? 1000);
  const resolved = new Map<ProviderType, Map<string, PriceRates | null>>();

  function bundledRates(providerType: ProviderType, model: string): PriceRates | null {
    const providerIds = PRICE_TABLE_PROVIDERS[providerType];
    if (providerIds === undefined) return null;
    let byModel = resolved.get(providerType);
    if (byModel === undefined) {
      byModel = new Map();
      resolved.set(providerType, byModel);
    }
    const cached = byModel.get(model);
    if (cached === null) return null;
    if (cached !== undefined && (cached.expiresAt === Infinity || clock() < cached.expiresAt)) return cached;
    const rates = lookupBundledPrice(providerIds, model, clock());
    if (cached === undefined && byModel.size >= maxCached) byModel.delete(byModel.keys().next().value as string);
    byModel.set(model, rates);
    return rates;
  }

  // The rates of the latest (provider type, model), reused while they hold: a router's attempts mostly
  // go to the same few models, so a call is then two comparisons and the arithmetic.
  let lastType: ProviderType | undefined;
  let lastModel: string | undefined;
  let lastRates: PriceRates | null = null;

  return (providerType, model, usage) => {
    if (usage === null || usage === undefined) return null;
    let rates: PriceRates | null;
    if (model === lastModel && providerType === lastType && (lastRates === null || lastRates.expiresAt === Infinity)) {
      rates = lastRates;
    } else {
      rates = overrides.get(model) ?? bundledRates(providerType, model);
      lastType = providerType;
      lastModel = model;
      lastRates = rates;
    }
    return rates === null ? null : costOf(rates, usage);
  };
}
