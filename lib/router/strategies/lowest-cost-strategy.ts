import { COST_COMPLETION_TOKENS } from '../../config/defaults.js';
import type { CostCalculator } from '../../cost/index.js';
import type { Usage } from '../../types/chat.js';
import type { Target } from '../request-run.js';
import type { RouteContext, RoutingStrategyImpl } from './routing-strategy.js';
import { keyBuffer, sortByKeys } from './sort-by-keys.js';

/**
 * Cheapest first: each candidate's price (the `prices` option over the bundled table, for the model
 * sent to it) applied to this request's estimated prompt tokens and its `maxTokens` (or
 * `COST_COMPLETION_TOKENS` when it sets none). A model with no known price goes last; ties keep the
 * configured order.
 */
export class LowestCostStrategy implements RoutingStrategyImpl {
  private readonly usage: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

  constructor(private readonly cost: CostCalculator) {}

  order(targets: readonly Target[], ctx: RouteContext): readonly Target[] {
    const n = targets.length;
    if (n < 2) return targets;
    const u = this.usage;
    u.promptTokens = Math.max(1, ctx.promptTokens);
    u.completionTokens = ctx.maxTokens ?? COST_COMPLETION_TOKENS;
    u.totalTokens = u.promptTokens + u.completionTokens;
    const keys = keyBuffer(n);
    for (let i = 0; i < n; i++) {
      const t = targets[i]!;
      keys[i] = this.cost(t.slot.provider.type, t.model, u) ?? Infinity;
    }
    return sortByKeys(targets, keys);
  }
}
