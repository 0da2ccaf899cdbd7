import type { BudgetConfig } from '../../config/router-options.js';
import type { LocalStateStore } from '../../shared-state/local-state-store.js';
import type { BudgetKey } from '../../shared-state/router-state-store.js';
import type { SpendWindow } from '../../shared-state/spend-window.js';

/** One configured budget and what the router knows of its spend. */
export interface Budget {
  readonly name: string;
  readonly limitUsd: number;
  readonly windowMs: number;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  readonly metadata: ReadonlyArray<readonly [string, string]> | undefined;
  readonly key: BudgetKey;
  /** This process' spend window (the whole truth without `sharedState`, the mirror with it). */
  readonly window: SpendWindow;
  /** USD spent in the window as of the latest read (shared spend with `sharedState`). */
  spent: number;
}

/** What `getBudgetStatus()` answers for each budget. */
export interface BudgetStatus {
  name: string;
  limitUsd: number;
  spentUsd: number;
  remainingUsd: number;
  windowMs: number;
}

const NONE: readonly Budget[] = Object.freeze([]) as readonly Budget[];

/** The configured budgets, with the request-level matching (metadata) done once per request. */
export class BudgetBook {
  readonly all: readonly Budget[];
  private readonly anyMetadata: boolean;

  constructor(configs: readonly BudgetConfig[], local: LocalStateStore) {
    this.all = configs.map((c) => {
      const key = { name: c.name, windowMs: c.windowMs };
      return {
        name: c.name,
        limitUsd: c.limitUsd,
        windowMs: c.windowMs,
        provider: c.provider,
        model: c.model,
        metadata: c.metadata === undefined || Object.keys(c.metadata).length === 0 ? undefined : Object.entries(c.metadata),
        key,
        window: local.spendWindowOf(key),
        spent: 0,
      };
    });
    this.anyMetadata = this.all.some((b) => b.metadata !== undefined);
  }

  /** The budgets a request's `metadata` matches (each entry of a budget's `metadata` equal). */
  forRequest(metadata: Readonly<Record<string, string>> | undefined): readonly Budget[] {
    if (this.all.length === 0) return NONE;
    if (!this.anyMetadata) return this.all;
    return this.all.filter((b) => b.metadata === undefined || (metadata !== undefined && b.metadata.every(([k, v]) => metadata[k] === v)));
  }

  /** The first of `budgets` that covers (provider, model) and is spent. */
  static exhausted(budgets: readonly Budget[], provider: string, model: string): Budget | undefined {
    for (let i = 0; i < budgets.length; i++) {
      const b = budgets[i]!;
      if ((b.provider === undefined || b.provider === provider) && (b.model === undefined || b.model === model) && b.spent >= b.limitUsd) return b;
    }
    return undefined;
  }

  /** Whether `b` counts an attempt on (provider, model). */
  static covers(b: Budget, provider: string, model: string): boolean {
    return (b.provider === undefined || b.provider === provider) && (b.model === undefined || b.model === model);
  }

  /** Milliseconds until some spend leaves `b`'s window (this process' knowledge; one bucket when it holds none). */
  static freesIn(b: Budget, now: number): number {
    const at = b.window.nextReleaseAt(now);
    return at === null ? b.windowMs / 60 : Math.max(0, at - now);
  }

  status(): BudgetStatus[] {
    return this.all.map((b) => ({ name: b.name, limitUsd: b.limitUsd, spentUsd: b.spent, remainingUsd: Math.max(0, b.limitUsd - b.spent), windowMs: b.windowMs }));
  }
}
