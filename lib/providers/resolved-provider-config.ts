import type { MockProviderOptions, ProviderType } from '../types/provider-config.js';

/** A retry policy with every default filled in. */
export interface ResolvedRetryPolicy {
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  retryOnStatus: ReadonlySet<number>;
}

/** A validated `ProviderConfig` with defaults applied. */
export interface ResolvedProviderConfig {
  providerType: ProviderType;
  name: string;
  apiKey: string | undefined;
  /** Base URL without a trailing slash. */
  baseUrl: string;
  /** `scheme://host:port` of `baseUrl`. */
  origin: string;
  /** Path part of `baseUrl`, without a trailing slash ('' for none). */
  basePath: string;
  defaultModel: string | undefined;
  /** Public name -> provider model name; undefined when the provider serves any model. */
  models: ReadonlyMap<string, string> | undefined;
  timeoutMs: number;
  retry: ResolvedRetryPolicy;
  headers: Readonly<Record<string, string>>;
  weight: number;
  apiVersion: string | undefined;
  deployment: string | undefined;
  connections: number;
  mock: MockProviderOptions;
}
