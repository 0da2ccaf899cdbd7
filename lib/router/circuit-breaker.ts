import { DEFAULT_CIRCUIT_BREAKER } from '../config/defaults.js';
import type { ResolvedCircuitBreaker } from '../config/resolved-config.js';
import type { CircuitState } from '../events/router-event.js';

/** Called when a circuit changes state. */
export type CircuitListener = (state: CircuitState, previous: CircuitState, reason: string) => void;

/**
 * A provider's circuit: closed while healthy; open after `failureThreshold` consecutive failures,
 * skipping the provider for `cooldownMs` of the router's clock; then half-open, letting one probe through
 * at a time, closing after `successThreshold` successful probes and opening again on a failed one.
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private failures = 0;
  private successes = 0;
  private openedAt = 0;
  private probing = false;
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly successThreshold: number;

  constructor(
    options: Partial<ResolvedCircuitBreaker>,
    private readonly onChange: CircuitListener,
    private readonly now: () => number = Date.now,
  ) {
    this.failureThreshold = options.failureThreshold ?? DEFAULT_CIRCUIT_BREAKER.failureThreshold;
    this.cooldownMs = options.cooldownMs ?? DEFAULT_CIRCUIT_BREAKER.cooldownMs;
    this.successThreshold = options.successThreshold ?? DEFAULT_CIRCUIT_BREAKER.successThreshold;
  }
  get current(): CircuitState {
    return this.state;
  }

  /** Whether a request may go to the provider now; in half-open state this claims the single probe. */
  tryAcquire(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (this.now() - this.openedAt < this.cooldownMs) return false;
      this.transition('half_open', `cool-down of ${this.cooldownMs} ms elapsed`);
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** When an open circuit lets its probe through (router clock); `0` unless open. */
  get openUntil(): number {
    return this.state === 'open' ? this.openedAt + this.cooldownMs : 0;
  }

  /** Whether the provider would be tried now, without claiming a probe. */
  isAvailable(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') return this.now() - this.openedAt >= this.cooldownMs;
    return !this.probing;
  }

  onSuccess(): void {
    this.failures = 0;
    if (this.state !== 'half_open') return;
    this.probing = false;
    if (++this.successes >= this.successThreshold) this.transition('closed', `${this.successes} successful probe(s)`);
  }

  onFailure(): void {
    if (this.state === 'half_open') {
      this.probing = false;
      this.open('probe failed');
      return;
    }
    if (++this.failures >= this.failureThreshold && this.state === 'closed') this.open(`${this.failures} consecutive failures`);
  }

  /** Releases a claimed probe that ended without a verdict (e.g. the caller aborted). */
  release(): void {
    this.probing = false;
  }

  private open(reason: string): void {
    this.openedAt = this.now();
    this.transition('open', reason);
  }

  private transition(next: CircuitState, reason: string): void {
    const previous = this.state;
    this.state = next;
    this.failures = 0;
    this.successes = 0;
    if (previous !== next) this.onChange(next, previous, reason);
  }
}
