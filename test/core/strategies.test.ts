import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProviderSlot } from '../../lib/router/provider-slot.js';
import type { Target } from '../../lib/router/request-run.js';
import { FallbackStrategy } from '../../lib/router/strategies/fallback-strategy.js';
import { LeastBusyStrategy } from '../../lib/router/strategies/least-busy-strategy.js';
import { LeastLatencyStrategy } from '../../lib/router/strategies/least-latency-strategy.js';
import { RoundRobinStrategy } from '../../lib/router/strategies/round-robin-strategy.js';
import type { RouteContext } from '../../lib/router/strategies/routing-strategy.js';
import { WeightedStrategy } from '../../lib/router/strategies/weighted-strategy.js';

function target(name: string, index: number, weight = 1, latencyEwma?: number, extra: Partial<ProviderSlot> = {}): Target {
  const slot = {
    provider: { name, config: { weight } } as unknown as ProviderSlot['provider'],
    breaker: undefined,
    index,
    latencyEwma,
    latencyMeasuredAt: latencyEwma === undefined ? undefined : 1_000,
    inFlight: 0,
    ...extra,
  } as ProviderSlot;
  return { slot, model: `m-${name}` };
}

const ctx: RouteContext = { now: 1_000, promptTokens: 10, maxTokens: undefined };
const names = (targets: readonly Target[]): string[] => targets.map((t) => t.slot.provider.name);

describe('routing strategies (unit)', () => {
  it('fallback keeps the configured order (the same array)', () => {
    const targets = [target('a', 0), target('b', 1), target('c', 2)];
    assert.equal(new FallbackStrategy().order(targets), targets);
  });

  it('round-robin rotates the first provider, the rest follow in order', () => {
    const s = new RoundRobinStrategy();
    const targets = [target('a', 0), target('b', 1), target('c', 2)];
    assert.deepEqual(
      [1, 2, 3, 4].map(() => names(s.order(targets))),
      [
        ['a', 'b', 'c'],
        ['b', 'c', 'a'],
        ['c', 'a', 'b'],
        ['a', 'b', 'c'],
      ],
    );
  });

  it('weighted picks the first provider in proportion to weight', () => {
    const targets = [target('a', 0, 1), target('b', 1, 3)];
    assert.deepEqual(names(new WeightedStrategy(() => 0.2).order(targets)), ['a', 'b']);
    assert.deepEqual(names(new WeightedStrategy(() => 0.3).order(targets)), ['b', 'a']);
    let i = 0;
    const seq = [0.05, 0.3, 0.5, 0.8, 0.95, 0.1, 0.6, 0.26];
    const s = new WeightedStrategy(() => seq[i++ % seq.length]!);
    const firsts = seq.map(() => names(s.order(targets))[0]);
    assert.deepEqual(firsts, ['a', 'b', 'b', 'b', 'b', 'a', 'b', 'b']);
  });

  it('least-latency puts unmeasured providers first, then the fastest; ties keep the configured order', () => {
    const s = new LeastLatencyStrategy();
    assert.deepEqual(names(s.order([target('a', 0, 1, 50), target('b', 1, 1, undefined), target('c', 2, 1, 10)], ctx)), ['b', 'c', 'a']);
    const tie = [target('a', 0, 1, 5), target('b', 1, 1, 5)];
    assert.equal(s.order(tie, ctx), tie, 'ties keep the configured order (no copy)');
  });

  it('least-busy orders by attempts in flight', () => {
    const s = new LeastBusyStrategy();
    const targets = [target('a', 0, 1, undefined, { inFlight: 3 }), target('b', 1, 1, undefined, { inFlight: 1 }), target('c', 2, 1, undefined, { inFlight: 1 })];
    assert.deepEqual(names(s.order(targets)), ["b", "c", "a"]);
  });
});
