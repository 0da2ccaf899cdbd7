import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CircuitState } from '../../lib/events/router-event.js';
import { CircuitBreaker } from '../../lib/router/circuit-breaker.js';

function breaker(options: ConstructorParameters<typeof CircuitBreaker>[0]) {
  let now = 1_000;
  const changes: Array<[CircuitState, CircuitState, string]> = [];
  const b = new CircuitBreaker(options, (state, previous, reason) => changes.push([state, previous, reason]), () => now);
  return { b, changes, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker (injected clock)', () => {
  it('opens after failureThreshold consecutive failures and skips until the cool-down ends', () => {
    const { b, changes, advance } = breaker({ failureThreshold: 3, cooldownMs: 1000 });
    b.onFailure();
    b.onFailure();
    assert.equal(b.current, 'closed');
    assert.equal(b.tryAcquire(), true);
    b.onFailure();
    assert.equal(b.current, 'open');
    assert.deepEqual(changes, [['open', 'closed', '3 consecutive failures']]);
    assert.equal(b.tryAcquire(), false);
    assert.equal(b.isAvailable(), false);
    advance(999);
    assert.equal(b.tryAcquire(), false);
    advance(1);
    assert.equal(b.isAvailable(), true);
    assert.equal(b.tryAcquire(), true, 'the probe');
    assert.equal(b.current, 'half_open');
    assert.equal(b.tryAcquire(), false, 'one probe at a time');
    b.onSuccess();
    assert.equal(b.current, 'closed');
    assert.deepEqual(
      changes.map((c) => c[0]),
      ['open', 'half_open', 'closed'],
    );
  });

  it('a success resets the failure count', () => {
    const { b } = breaker({ failureThreshold: 2 });
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    assert.equal(b.current, 'closed');
    b.onFailure();
    assert.equal(b.current, 'open');
  });

  it('a failed probe opens the circuit again for a full cool-down', () => {
    const { b, changes, advance } = breaker({ failureThreshold: 1, cooldownMs: 500 });
    b.onFailure();
    advance(500);
    assert.equal(b.tryAcquire(), true);
    b.onFailure();
    assert.equal(b.current, 'open');
    assert.equal(changes.at(-1)![2], 'probe failed');
    advance(499);
    assert.equal(b.tryAcquire(), false);
    advance(1);
    assert.equal(b.tryAcquire(), true);
  });

  it('needs successThreshold successful probes to close', () => {
    const { b, advance } = breaker({ failureThreshold: 1, cooldownMs: 10, successThreshold: 2 });
    b.onFailure();
    advance(10);
    assert.equal(b.tryAcquire(), true);
    b.onSuccess();
    assert.equal(b.current, 'half_open');
    assert.equal(b.tryAcquire(), true, 'the next probe');
    b.onSuccess();
    assert.equal(b.current, 'closed');
  });

  it('release() frees a probe that ended without a verdict', () => {
    const { b, advance } = breaker({ failureThreshold: 1, cooldownMs: 10 });
    b.onFailure();
    advance(10);
    assert.equal(b.tryAcquire(), true);
    assert.equal(b.tryAcquire(), false);
    b.release();
    assert.equal(b.tryAcquire(), true);
    assert.equal(b.current, 'half_open');
  });

  it('openUntil is the end of an open circuit’s cool-down on the injected clock, 0 otherwise', () => {
    const { b, advance } = breaker({ failureThreshold: 1, cooldownMs: 500 });
    assert.equal(b.openUntil, 0);
    b.onFailure();
    assert.equal(b.openUntil, 1_500);
    advance(500);
    assert.equal(b.tryAcquire(), true);
    assert.equal(b.openUntil, 0, 'half-open');
  });
});
