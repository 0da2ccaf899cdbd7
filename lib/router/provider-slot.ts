import { LATENCY_EWMA_ALPHA } from '../config/defaults.js';
import type { LlmRouterError } from '../errors/llm-router-error.js';
import type { RouteSkipReason } from '../events/router-event.js';
import type { Provider } from '../providers/provider.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { isProviderFault } from './retry-policy.js';

/** Host and port a provider's requests go to. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A provider as the router tracks it: adapter, circuit, and what strategies read. */
export interface ProviderSlot {
  readonly provider: Provider;
  readonly breaker: CircuitBreaker | undefined;
  /** Position in the configured list. */
  readonly index: number;
  /** Exponentially weighted moving average of successful attempts' latency; undefined until one succeeded. */
  latencyEwma: number | undefined;
  /** Attempts in flight. */
  inFlight: number;
  /** The router clock's time of the latest latency sample. */
  latencyMeasuredAt?: number;
  /** Where requests go; undefined for in-process providers. */
  readonly endpoint?: Endpoint;
}

/** The endpoint of a provider's base URL, or undefined for the in-process `mock`. */
export function endpointOf(provider: Provider): Endpoint | undefined {
  if (provider.type === 'mock') return undefined;
  const url = new URL(provider.config.origin);
  return { address: url.hostname, port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port) };
}

/**
 * Why a candidate cannot take an attempt now, or null when it can. In half-open state this claims the
 * circuit's single probe. The place for every per-candidate rule (circuit, cooldowns, limits, budgets).
 */
export function skipReason(slot: ProviderSlot): RouteSkipReason | null {
  if (slot.breaker !== undefined && !slot.breaker.tryAcquire()) return 'circuit_open';
  return null;
}

/** Counts an attempt in flight. */
export function attemptStarted(slot: ProviderSlot): void {
  slot.inFlight++;
}

/**
 * Updates a provider's state from one attempt's outcome: in-flight count, latency average, circuit.
 * Only the provider's own faults count against its circuit; the caller's abort releases a probe.
 */
export function attemptSettled(slot: ProviderSlot, error: LlmRouterError | undefined, latencyMs: number, now: number): void {
  slot.inFlight--;
  if (error === undefined) {
    slot.latencyEwma = slot.latencyEwma === undefined ? latencyMs : slot.latencyEwma + LATENCY_EWMA_ALPHA * (latencyMs - slot.latencyEwma);
    slot.latencyMeasuredAt = now;
    slot.breaker?.onSuccess();
    return;
  }
  const breaker = slot.breaker;
  if (breaker === undefined) return;
  if (isProviderFault(error)) breaker.onFailure();
  else if (error.name === 'AbortError') breaker.release();
  else breaker.onSuccess();
}
