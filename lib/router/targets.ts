import { TARGET_CACHE_SIZE } from '../config/defaults.js';
import { BadRequestError } from '../errors/llm-router-error.js';
import type { ProviderSlot } from './provider-slot.js';
import type { Target } from './request-run.js';
import type { RouteContext, RoutingStrategyImpl } from './strategies/routing-strategy.js';

function hasValue(map: ReadonlyMap<string, string>, value: string): boolean {
  for (const v of map.values()) if (v === value) return true;
  return false;
}

/**
 * The model name a provider is sent for the caller's `model`, or undefined when it does not serve it. It
 * serves its `defaultModel` (an alias of `models` or a model name) and its `models`, as `listModels()` lists.
 */
function modelFor(slot: ProviderSlot, model: string | undefined): string | undefined {
  const c = slot.provider.config;
  if (model === undefined) return c.defaultModel === undefined ? c.models?.values().next().value : (c.models?.get(c.defaultModel) ?? c.defaultModel);
  if (c.models === undefined) return model;
  return c.models.get(model) ?? (model === c.defaultModel || hasValue(c.models, model) ? model : undefined);
}

/** Finds a request's candidates (the providers that serve its model) and orders them by the strategy. */
export class TargetResolver {
  /** The targets of each model in configured order (they never change). */
  private readonly cache = new Map<string | undefined, Target[]>();

  constructor(
    readonly slots: readonly ProviderSlot[],
    private readonly strategy: RoutingStrategyImpl,
  ) {}

  /** The providers that serve `model`, in configured order, with the model name each is sent. */
  serving(model: string | undefined, requestId: string): Target[] {
    const cached = this.cache.get(model);
    if (cached !== undefined) return cached;
    const out: Target[] = [];
    for (const slot of this.slots) {
      const target = modelFor(slot, model);
      if (target !== undefined) out.push({ slot, model: target });
    }
    if (out.length === 0) {
      const names = this.slots.map((s) => s.provider.name).join(', ');
      const reason = model === undefined ? 'is required: no provider has a defaultModel' : `"${model}" is not served by any provider (${names})`;
      throw new BadRequestError(`Invalid request: model ${reason}`, { field: 'model', requestId });
    }
    if (this.cache.size < TARGET_CACHE_SIZE) this.cache.set(model, out);
    return out;
  }

  /** `targets` in strategy order (the same array when the configured order stands). */
  order(targets: readonly Target[], ctx: RouteContext): readonly Target[] {
    return this.strategy.order(targets, ctx);
  }

  /** The providers left out of `targets` (they do not serve the model or the operation), in configured order. */
  others(targets: readonly Target[]): ProviderSlot[] {
    const out: ProviderSlot[] = [];
    for (const slot of this.slots) if (!targets.some((t) => t.slot === slot)) out.push(slot);
    return out;
  }
}
