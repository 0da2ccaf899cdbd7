import type { HttpClient } from '../http/http-client.js';
import { AnthropicProvider } from './anthropic/anthropic-provider.js';
import { AzureOpenAiProvider } from './azure-openai/azure-openai-provider.js';
import { GeminiProvider } from './gemini/gemini-provider.js';
import { MockProvider } from './mock/mock-provider.js';
import { OllamaProvider } from './ollama/ollama-provider.js';
import { OpenAiProvider } from './openai/openai-provider.js';
import type { Provider } from './provider.js';
import type { ResolvedProviderConfig } from '../config/index.js';
import { ZhipuProvider } from './zhipu/zhipu-provider.js';

/** Builds the provider adapter of a validated config. */
export function createProvider(config: ResolvedProviderConfig, http: HttpClient): Provider {
  switch (config.providerType) {
    case 'mock':
      return new MockProvider(config);
    case 'azure-openai':
      return new AzureOpenAiProvider(config, http);
    case 'zhipu':
      return new ZhipuProvider(config, http);
    case 'anthropic':
      return new AnthropicProvider(config, http);
    case 'gemini':
      return new GeminiProvider(config, http);
    case 'ollama':
      return new OllamaProvider(config, http);
    case 'openai':
    case 'openrouter':
    case 'deepseek':
    case 'xai':
    case 'groq':
    case 'mistral':
    case 'aliyun':
    case 'openai-compatible':
      return new OpenAiProvider(config, http);
  }
}
