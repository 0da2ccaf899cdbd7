import type { HttpClient } from '../http/http-client.js';
import { MockProvider } from './mock/mock-provider.js';
import { OpenAiProvider } from './openai/openai-provider.js';
import type { Provider } from './provider.js';
import type { ResolvedProviderConfig } from './resolved-provider-config.js';

/** Builds the provider adapter of a validated config. */
export function createProvider(config: ResolvedProviderConfig, http: HttpClient): Provider {
  switch (config.providerType) {
    case 'mock':
      return new MockProvider(config);
    case 'mistral':
      return new OpenAiProvider(config, http, { includeUsage: false });
    case 'openai':
    case 'openrouter':
    case 'deepseek':
    case 'xai':
    case 'groq':
    case 'aliyun':
    case 'openai-compatible':
      return new OpenAiProvider(config, http);
    default:
      return new OpenAiProvider(config, http);
  }
}
