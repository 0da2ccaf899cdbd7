import type { ProviderType } from '../types/provider-config.js';

/** What a provider type needs and assumes when the config says nothing. */
export interface ProviderDefaults {
  /** Default base URL; undefined when the user must give one. */
  baseUrl: string | undefined;
  /** Whether an API key is required. */
  requiresKey: boolean;
}

/** Defaults of every provider type. */
export const PROVIDER_DEFAULTS: Readonly<Record<ProviderType, ProviderDefaults>> = {
  openai: { baseUrl: 'https://api.openai.com/v1', requiresKey: true },
  'azure-openai': { baseUrl: undefined, requiresKey: true },
  anthropic: { baseUrl: 'https://api.anthropic.com/v1', requiresKey: true },
  gemini: { baseUrl: 'https://generativelanguage.googleapis.com/v1beta', requiresKey: true },
  ollama: { baseUrl: 'http://127.0.0.1:11434', requiresKey: false },
  openrouter: { baseUrl: 'https://openrouter.ai/api/v1', requiresKey: true },
  deepseek: { baseUrl: 'https://api.deepseek.com/v1', requiresKey: true },
  xai: { baseUrl: 'https://api.x.ai/v1', requiresKey: true },
  groq: { baseUrl: 'https://api.groq.com/openai/v1', requiresKey: true },
  mistral: { baseUrl: 'https://api.mistral.ai/v1', requiresKey: true },
  zhipu: { baseUrl: 'https://open.bigmodel.cn/api/paas/v4', requiresKey: true },
  aliyun: { baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1', requiresKey: true },
  'openai-compatible': { baseUrl: undefined, requiresKey: false },
  mock: { baseUrl: 'http://mock.invalid', requiresKey: false },
};
