import type { LlmRouterError } from '../errors/llm-router-error.js';
import type { Provider } from '../providers/provider.js';
import type { RateLimits } from '../shared-state/router-state-store.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { isProviderFault } from './retry-policy.js';

/** Host and port a provider's requests go to. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A provider as the router tracks it: adapter, circuit, and what strategies and routing rules read. */
export interface ProviderSlot {
  readonly provider: Provider;
  readonly breaker: CircuitBreaker | undefined;
  /** Position in the configured list. */
  readonly index: number;
  /** Exponentially weighted moving average of successful attempts' latency (TTFT for streams); undefined until one succeeded. */
  latencyEwma: number | undefined;
  /** Attempts in flight. */
  inFlight: number;
  /** The router clock's time of the latest latency sample (0 before the first). */
  latencyMeasuredAt?: number;
  /** Where requests go; undefined for in-process providers. */
  readonly endpoint?: Endpoint;
  /** `rpm` / `tpm` of the provider; undefined when it has neither. */
  readonly limits?: RateLimits;
  /** End of the provider's cool-down on the router clock (0: none). */
  cooldownUntil?: number;
  /** End of an open circuit another router wrote to the shared state (0: none). */
  sharedCircuitUntil?: number;
  /** Requests and tokens in the provider's rate window, as of the request's state read. */
  usedRequests?: number;
  usedTokens?: number;
  /** When the oldest request of the rate window leaves it (0: the window is empty). */
  rateFreesAt?: number;
  /** The provider's latest failure (for `NoProviderAvailableError.errors` when it is skipped). */
  lastError?: LlmRouterError;
}

/** The endpoint of a provider's base URL, or undefined for the in-process `mock`. */
export function endpointOf(provider: Provider): Endpoint | undefined {
  if (provider.type === 'mock') return undefined;
  const url = new URL(provider.config.origin);
  return { address: url.hostname, port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port) };
}

/** A provider's slot with every routing field initialised (one hidden class for all slots). */
export function createSlot(provider: Provider, breaker: CircuitBreaker | undefined, index: number): ProviderSlot {
  const { rpm, tpm } = provider.config;
  return {
    provider,
    breaker,
    index,
    latencyEwma: undefined,
    inFlight: 0,
    latencyMeasuredAt: 0,
    endpoint: endpointOf(provider),
    limits: rpm === undefined && tpm === undefined ? undefined : { rpm, tpm },
    cooldownUntil: 0,
    sharedCircuitUntil: 0,
    usedRequests: 0,
    usedTokens: 0,
    rateFreesAt: 0,
    lastError: undefined,
  };
}

/** Counts an attempt in flight. */
export function attemptStarted(slot: ProviderSlot): void {
  slot.inFlight++;
}

/**
 * Updates a provider's in-flight count and circuit from one attempt's outcome. Only the provider's
 * own faults count against its circuit, and a 429 never does (the provider is up, only busy: its
 * retry delay cools it down instead); the caller's abort and a 429 release a half-open probe
 * without a verdict. Latency, cool-downs, limits and spend are updated by `RoutingRules`.
 */
export function attemptSettled(slot: ProviderSlot, error: LlmRouterError | undefined): void {
  slot.inFlight--;
  const breaker = slot.breaker;
  if (error === undefined) {
    breaker?.onSuccess();
    return;
  }
  if (error.name !== 'AbortError') slot.lastError = error;
  if (breaker === undefined) return;
  if (error.statusCode === 429 || error.name === 'AbortError') breaker.release();
  else if (isProviderFault(error)) breaker.onFailure();
  else breaker.onSuccess();
}
