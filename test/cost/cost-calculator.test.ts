import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calcPrice } from '@pydantic/genai-prices';
import { ConfigurationError, createCostCalculator } from '../../lib/index.js';
import type { ModelPrice, Usage } from '../../lib/index.js';

function close(actual: number | null, expected: number): void {
  assert.ok(actual !== null, `expected ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `expected ${expected}, got ${actual}`);
}

function usage(promptTokens: number, completionTokens: number, cachedTokens?: number, cacheWriteTokens?: number): Usage {
  const u: Usage = { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
  if (cachedTokens !== undefined || cacheWriteTokens !== undefined) u.promptTokensDetails = { cachedTokens, cacheWriteTokens };
  return u;
}

const PRICES: Record<string, ModelPrice> = {
  plain: { inputPerMillion: 2, outputPerMillion: 8 },
  cached: { inputPerMillion: 2, outputPerMillion: 8, cachedInputPerMillion: 0.5 },
  caching: { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3, cacheWriteInputPerMillion: 3.75 },
};

test('uncached tokens: prompt at the input price, completion at the output price', () => {
  const cost = createCostCalculator(PRICES);
  // 1000 * 2 + 500 * 8 = 6000 USD per million
  close(cost('mock', 'plain', usage(1000, 500)), 0.006);
});

test('cached prompt tokens are priced at cachedInputPerMillion, the rest of the prompt at input', () => {
  const cost = createCostCalculator(PRICES);
  // 600 * 2 + 400 * 0.5 + 500 * 8 = 1200 + 200 + 4000
  close(cost('openai', 'cached', usage(1000, 500, 400)), 0.0054);
});

test('cached tokens default to the input price when the model has no cached price', () => {
  const cost = createCostCalculator(PRICES);
  close(cost('openai', 'plain', usage(1000, 500, 400)), 0.006);
});

test('cache-write tokens are priced at cacheWriteInputPerMillion', () => {
  const cost = createCostCalculator(PRICES);
  // uncached 10000 - 2000 - 3000 = 5000: 5000 * 3 + 2000 * 0.3 + 3000 * 3.75 + 100 * 15 = 15000 + 600 + 11250 + 1500
  close(cost('anthropic', 'caching', usage(10_000, 100, 2000, 3000)), 0.02835);
  // without a cache-write price, cache writes cost the input price
  close(cost('anthropic', 'cached', usage(10_000, 100, 0, 3000)), (10_000 * 2 + 100 * 8) / 1e6);
});

test('unknown models and null usage cost null, never 0; a known model with no tokens costs 0', () => {
  const cost = createCostCalculator(PRICES);
  assert.equal(cost('openai', 'no-such-model-anywhere', usage(1000, 500)), null);
  assert.equal(cost('mock', 'gpt-4o-mini', usage(1000, 500)), null, 'mock has no bundled prices');
  assert.equal(cost('openai-compatible', 'gpt-4o-mini', usage(1000, 500)), null, 'unknown hosts have no bundled prices');
  assert.equal(cost('mock', 'constructor', usage(1000, 500)), null, 'no prototype key is a price');
  assert.equal(cost('openai', 'gpt-4o-mini', null), null);
  assert.equal(cost('mock', 'plain', null), null);
  assert.equal(cost('mock', 'plain', usage(0, 0)), 0);
  assert.equal(cost('mock', 'x'.repeat(100_000), usage(1, 1)), null);
});

test('a user price overrides the bundled one for every provider type', () => {
  const cost = createCostCalculator({ 'gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 1 } });
  close(cost('openai', 'gpt-4o-mini', usage(1000, 1000)), 0.002);
  close(cost('mock', 'gpt-4o-mini', usage(1000, 1000)), 0.002);
  const bundled = createCostCalculator();
  assert.notEqual(bundled('openai', 'gpt-4o-mini', usage(1000, 1000)), 0.002);
});

test('a bundled model costs what the price package itself computes', () => {
  const cost = createCostCalculator();
  // gpt-4o-mini: 0.15 input, 0.075 cached, 0.6 output per million (genai-prices' own table)
  const ours = cost('openai', 'gpt-4o-mini', usage(1_000_000, 100_000, 200_000));
  const theirs = calcPrice({ input_tokens: 1_000_000, cache_read_tokens: 200_000, output_tokens: 100_000 }, 'gpt-4o-mini', { providerId: 'openai' });
  assert.ok(theirs !== null);
  close(ours, theirs.total_price);
  close(ours, (800_000 * 0.15 + 200_000 * 0.075 + 100_000 * 0.6) / 1e6);
  // Azure's table falls back to OpenAI's models.
  close(cost('azure-openai', 'gpt-4o-mini', usage(1_000_000, 100_000, 200_000)), theirs.total_price);
});

test('cache writes and long-context tiers of a bundled model match the package', () => {
  const cost = createCostCalculator();
  for (const prompt of [50_000, 250_000]) {
    const theirs = calcPrice(
      { input_tokens: prompt, cache_read_tokens: 10_000, cache_write_tokens: 20_000, output_tokens: 2000 },
      'claude-sonnet-4-5',
      { providerId: 'anthropic' },
    );
    assert.ok(theirs !== null);
    close(cost('anthropic', 'claude-sonnet-4-5', usage(prompt, 2000, 10_000, 20_000)), theirs.total_price);
  }
});

test('each provider type reads its own section of the table', () => {
  const cost = createCostCalculator();
  const cases: Array<[Parameters<typeof cost>[0], string, string]> = [
    ['gemini', 'gemini-2.5-flash', 'google'],
    ['xai', 'grok-4', 'x-ai'],
    ['groq', 'llama-3.3-70b-versatile', 'groq'],
    ['mistral', 'mistral-large-latest', 'mistral'],
    ['openrouter', 'openai/gpt-4o-mini', 'openrouter'],
    ['zhipu', 'glm-4-plus', 'zhipuai'],
  ];
  for (const [type, model, providerId] of cases) {
    const theirs = calcPrice({ input_tokens: 3000, cache_read_tokens: 1000, output_tokens: 700 }, model, { providerId });
    assert.ok(theirs !== null, `${providerId} prices ${model}`);
    close(cost(type, model, usage(3000, 700, 1000)), theirs.total_price);
  }
});

test('a time-of-day price is re-resolved when its window changes', () => {
  let now = Date.parse('2026-06-01T20:00:00Z');
  const cost = createCostCalculator(undefined, { clock: () => now });
  const tokens = usage(1_000_000, 1_000_000);
  const price = (at: number): number => {
    const r = calcPrice({ input_tokens: 1_000_000, output_tokens: 1_000_000 }, 'deepseek-chat', { providerId: 'deepseek', timestamp: new Date(at) });
    assert.ok(r !== null);
    return r.total_price;
  };
  const offPeak = cost('deepseek', 'deepseek-chat', tokens);
  close(offPeak, price(now));
  now = Date.parse('2026-06-02T08:00:00Z');
  const peak = cost('deepseek', 'deepseek-chat', tokens);
  close(peak, price(now));
  assert.notEqual(peak, offPeak, 'the table prices DeepSeek differently by time of day');
});

test('a bounded cache still answers correctly after evicting', () => {
  const cost = createCostCalculator(undefined, { maxCachedModels: 2 });
  const models = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'no-such-model', 'gpt-4o-mini'];
  for (const model of models) {
    const theirs = calcPrice({ input_tokens: 1000, output_tokens: 100 }, model, { providerId: 'openai' });
    const ours = cost('openai', model, usage(1000, 100));
    if (theirs === null) assert.equal(ours, null);
    else close(ours, theirs.total_price);
  }
});

test('invalid prices are a ConfigurationError naming the field', () => {
  assert.throws(
    () => createCostCalculator({ m: { inputPerMillion: -1, outputPerMillion: 1 } }),
    (e: unknown) => e instanceof ConfigurationError && e.field === 'prices.m.inputPerMillion',
  );
  assert.throws(
    () => createCostCalculator({ m: { inputPerMillion: 1, outputPerMillion: 1, cachedInputPerMillion: Number.NaN } }),
    (e: unknown) => e instanceof ConfigurationError && e.field === 'prices.m.cachedInputPerMillion',
  );
  assert.throws(
    () => createCostCalculator({ m: { inputPerMillion: 1 } as ModelPrice }),
    (e: unknown) => e instanceof ConfigurationError && e.field === 'prices.m.outputPerMillion',
  );
});
