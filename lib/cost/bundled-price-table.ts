import { createRequire } from 'node:module';
import type * as GenaiPrices from '@pydantic/genai-prices';
import type { ModelInfo, ModelPrice as TablePrice } from '@pydantic/genai-prices';
import type { PriceRates, Rate } from './price-rates.js';

let table: typeof GenaiPrices | undefined;

/**
 * The price database, loaded on first use (it is ~0.5 MB of data: the core's import stays light).
 * Only `calcPrice` over the bundled data is ever called: never `updatePrices`, so no network.
 */
function priceTable(): typeof GenaiPrices {
  table ??= createRequire(import.meta.url)('@pydantic/genai-prices') as typeof GenaiPrices;
  return table;
}

/**
 * Loads the bundled price table now (it is otherwise loaded by the first bundled lookup, on the
 * event loop of whichever attempt ends first); e.g. at startup, after the router is built.
 */
export function preloadPriceTable(): void {
  priceTable();
}

const NO_USAGE = Object.freeze({ input_tokens: 0, output_tokens: 0 });
const DAY_SECONDS = 86_400;
/** Re-resolve this often when a time-of-day constraint cannot be read. */
const UNREADABLE_CONSTRAINT_RECHECK_MS = 60_000;
/** No model in any price table has a longer name; longer ones are not looked up. */
const MAX_MODEL_NAME_LENGTH = 256;

function toRate(value: TablePrice[string]): Rate | undefined {
  if (value === undefined || typeof value === 'number') return value;
  return { base: value.base, tiers: value.tiers.map((t) => ({ start: t.start, price: t.price })) };
}

function secondsOfDay(time: string): number | undefined {
  const m = /^(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (m === null) return undefined;
  const offset = m[4] === 'Z' ? 0 : (m[5] === '-' ? -1 : 1) * (Number(m[6]) * 3600 + Number(m[7]) * 60);
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return (((local - offset) % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS;
}

/** When the price selection of `model` can next change after `now` (epoch ms); `Infinity` if never. */
function nextPriceChange(model: ModelInfo, now: number): number {
  if (!Array.isArray(model.prices)) return Infinity;
  let next = Infinity;
  const nowSeconds = (now / 1000) % DAY_SECONDS;
  for (const { constraint } of model.prices) {
    if (constraint === undefined) continue;
    if (constraint.type === 'start_date') {
      const start = Date.parse(constraint.start_date);
      if (start > now) next = Math.min(next, start);
      continue;
    }
    for (const time of [constraint.start_time, constraint.end_time]) {
      const at = secondsOfDay(time);
      if (at === undefined) return now + UNREADABLE_CONSTRAINT_RECHECK_MS;
      const ahead = (at - nowSeconds + DAY_SECONDS) % DAY_SECONDS || DAY_SECONDS;
      next = Math.min(next, now + ahead * 1000);
    }
  }
  return next;
}

/**
 * The bundled price of `model` at `providerIds[i]` (the first that knows it), in force at `now`.
 * `null` when no listed provider prices the model per token.
 */
export function lookupBundledPrice(providerIds: readonly string[], model: string, now: number): PriceRates | null {
  if (model.length === 0 || model.length > MAX_MODEL_NAME_LENGTH) return null;
  const { calcPrice } = priceTable();
  const timestamp = new Date(now);
  for (const providerId of providerIds) {
    let found: ReturnType<typeof calcPrice>;
    try {
      found = calcPrice(NO_USAGE, model, { providerId, timestamp });
    } catch {
      continue;
    }
    if (found === null) continue;
    const p = found.model_price;
    const input = toRate(p.input_mtok);
    const output = toRate(p.output_mtok);
    if (input === undefined && output === undefined) continue;
    const inputRate = input ?? 0;
    const requests = p.requests_kcount;
    return {
      input: inputRate,
      cachedInput: toRate(p.cache_read_mtok) ?? inputRate,
      cacheWriteInput: toRate(p.cache_write_mtok) ?? inputRate,
      output: output ?? 0,
      perRequest: typeof requests === 'number' ? requests / 1000 : 0,
      expiresAt: nextPriceChange(found.model, now),
    };
  }
  return null;
}
