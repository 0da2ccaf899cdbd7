import type { WireFormat } from '../../lib/testing/index.js';
import type { ClientOptions, ProviderConfig } from '../../lib/config/index.js';

/** One of the four wire formats: how a client of `MockProviderServer` reaches it, and an error object of its own shape. */
export interface FormatCase {
  readonly format: WireFormat;
  /** The provider config of a client of the server at `url`, with the key `apiKey`. */
  config(url: string, apiKey: string): ProviderConfig;
  /** A 200 body that is an error object of this format. */
  readonly errorIn200: unknown;
  /** The error class the body must become. */
  readonly errorClass: string;
  /** A piece of the message the error must carry. */
  readonly message: RegExp;
}

/** Keys of the shape each provider really uses (made up): the generic patterns do not know all of them. */
export const KEYS = {
  openai: 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAB7CDEfG',
  anthropic: 'sk-ant-api03_Zy9xWv8u_Ts7rQp6oNm5l_Kj4iHg3fEd2cBa1ZyXwVu',
  gemini: 'AIzaSyD4f8Gh2Jk6Lm0Np3Qr7St1',
  azure: '8f3c2a1b9d4e7f6a5b0c3d2e1f9a8b7c',
  ollama: 'ollama-cloud-3f9a1c7e5b2d8f4a6c0e9b1d3f5a7c9e',
} as const;

export const FORMATS: readonly FormatCase[] = [
  {
    format: 'openai',
    config: (url, apiKey) => ({ providerType: 'openai', apiKey, baseUrl: `${url}/v1`, defaultModel: 'gpt-test' }),
    errorIn200: { error: { message: 'upstream overloaded' } },
    errorClass: 'ProviderError',
    message: /upstream overloaded/,
  },
  {
    format: 'anthropic',
    config: (url, apiKey) => ({ providerType: 'anthropic', apiKey, baseUrl: `${url}/v1`, defaultModel: 'claude-test' }),
    errorIn200: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    errorClass: 'ProviderError',
    message: /overloaded_error: Overloaded/,
  },
  {
    format: 'gemini',
    config: (url, apiKey) => ({ providerType: 'gemini', apiKey, baseUrl: `${url}/v1beta`, defaultModel: 'gemini-test' }),
    errorIn200: { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } },
    errorClass: 'ProviderError',
    message: /UNAVAILABLE: The model is overloaded/,
  },
  {
    format: 'ollama',
    config: (url, apiKey) => ({ providerType: 'ollama', apiKey, baseUrl: url, defaultModel: 'llama-test' }),
    errorIn200: { error: 'llama runner process has terminated' },
    errorClass: 'ProviderError',
    message: /llama runner process has terminated/,
  },
];

/** The key of each format's client. */
export function keyOf(format: WireFormat): string {
  return format === 'openai' ? KEYS.openai : format === 'anthropic' ? KEYS.anthropic : format === 'gemini' ? KEYS.gemini : KEYS.ollama;
}

/** Options of a one-provider `Client` of `format` without metrics, circuit breaker or retries unless `extra` says so. */
export function clientOptions(format: FormatCase, url: string, extra: Partial<ClientOptions> = {}): ClientOptions {
  return { ...format.config(url, keyOf(format.format)), metricsEnabled: false, circuitBreaker: false, maxRetries: 0, ...extra } as ClientOptions;
}
