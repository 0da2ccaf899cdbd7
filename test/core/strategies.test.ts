import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProviderSlot } from '../../lib/router/provider-slot.js';
import { FallbackStrategy } from '../../lib/router/strategies/fallback-strategy.js';
import { LeastLatencyStrategy } from '../../lib/router/strategies/least-latency-strategy.js';
import { RoundRobinStrategy } from '../../lib/router/strategies/round-robin-strategy.js';
import { WeightedStrategy } from '../../lib/router/strategies/weighted-strategy.js';

function slot(name: string, index: number, weight = 1, latencyEwma?: number): ProviderSlot {
  return {
    provider: { name, config: { weight } } as unknown as ProviderSlot['provider'],
    breaker: undefined,
    index,
    latencyEwma,
    inFlight: 0,
  };
}

const names = (slots: ProviderSlot[]): string[] => slots.map((s) => s.provider.name);

describe('routing strategies', () => {
  it('fallback keeps the configured order', () => {
    const slots = [slot('a', 0), slot('b', 1), slot('c', 2)];
    assert.deepEqual(names(new FallbackStrategy().order(slots)), ['a', 'b', 'c']);
  });

  it('round-robin rotates the first provider, the rest follow in order', () => {
    const s = new RoundRobinStrategy();
    const slots = [slot('a', 0), slot('b', 1), slot('c', 2)];
    assert.deepEqual(
      [1, 2, 3, 4].map(() => names(s.order(slots))),
      [
        ['a', 'b', 'c'],
        ['b', 'c', 'a'],
        ['c', 'a', 'b'],
        ['a', 'b', 'c'],
      ],
    );
  });

  it('weighted picks the first provider in proportion to weight', () => {
    const slots = [slot('a', 0, 1), slot('b', 1, 3)];
    assert.deepEqual(names(new WeightedStrategy(() => 0.2).order(slots)), ['a', 'b']);
    assert.deepEqual(names(new WeightedStrategy(() => 0.3).order(slots)), ['b', 'a']);
    let i = 0;
    const seq = [0.05, 0.3, 0.5, 0.8, 0.95, 0.1, 0.6, 0.26];
    const s = new WeightedStrategy(() => seq[i++ % seq.length]!);
    const firsts = seq.map(() => s.order(slots)[0]!.provider.name);
    assert.deepEqual(firsts, ['a', 'b', 'b', 'b', 'b', 'a', 'b', 'b']);
  });

  it('least-latency puts unmeasured providers first, then the fastest', () => {
    const s = new LeastLatencyStrategy();
    assert.deepEqual(names(s.order([slot('a', 0, 1, 50), slot('b', 1, 1, undefined), slot('c', 2, 1, 10)])), ['b', 'c', 'a']);
    assert.deepEqual(names(s.order([slot('a', 0, 1, 5), slot('b', 1, 1, 5)])), ['a', 'b'], 'ties keep the configured order');
  });
});
