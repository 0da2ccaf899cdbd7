import type { ProviderType } from '../config/provider-config.js';

/**
 * The price database's provider ids for each `providerType`, tried in order. Types left out (`mock`,
 * `ollama`, `aliyun`, `openai-compatible`) have no bundled prices: only the user's `prices` apply.
 */
export const PRICE_TABLE_PROVIDERS: Readonly<Partial<Record<ProviderType, readonly string[]>>> = {
  openai: ['openai'],
  // The table's azure entry falls back to openai, anthropic, deepseek, x-ai and moonshotai models.
  'azure-openai': ['azure'],
  anthropic: ['anthropic'],
  gemini: ['google'],
  openrouter: ['openrouter'],
  deepseek: ['deepseek'],
  xai: ['x-ai'],
  groq: ['groq'],
  mistral: ['mistral'],
  zhipu: ['zhipuai', 'zai'],
};
