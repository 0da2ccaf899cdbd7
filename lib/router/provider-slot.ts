import type { Provider } from '../providers/provider.js';
import type { CircuitBreaker } from './circuit-breaker.js';

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
}
