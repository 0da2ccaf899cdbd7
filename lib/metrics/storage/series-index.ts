import type { Logger } from '../../logging/logger.js';
import { OTHER_LABEL, boundLabel } from './label-bounds.js';
import { SeriesAggregator, type SeriesConfig } from './series-aggregator.js';

interface ProviderEntry {
  readonly models: Map<string, SeriesAggregator>;
}

/**
 * Finds the series of a (provider, model) pair, creating it on first use, and caps their number: past
 * `maxSeries` series, a new model is folded into its provider's `model="other"` series (said once, at
 * warn). There are at most `maxSeries` such `other` series too (one per provider); beyond that everything
 * lands in `provider="other", model="other"`. So at most `2 * maxSeries + 1` series ever exist. Series are
 * keyed by their label values, bounded in length (`boundLabel`).
 */
export class SeriesIndex {
  /** Every series, in the order they were created. */
  readonly list: SeriesAggregator[] = [];
  private readonly byProvider = new Map<string, ProviderEntry>();
  private named = 0;
  private folded = 0;
  private warned = false;
  private lastProvider: string | undefined;
  private lastModel: string | undefined;
  private lastSeries: SeriesAggregator | undefined;

  constructor(
    private readonly maxSeries: number,
    private readonly config: SeriesConfig,
    private readonly logger: Logger,
  ) {}

  resolve(provider: string, model: string): SeriesAggregator {
    if (provider === this.lastProvider && model === this.lastModel && this.lastSeries !== undefined) return this.lastSeries;
    if (typeof provider !== 'string' || typeof model !== 'string') throw new TypeError('metrics: an attempt without provider or model');
    const p = boundLabel(provider);
    const m = boundLabel(model);
    const entry = this.byProvider.get(p);
    let series = entry?.models.get(m);
    if (series === undefined) series = this.create(p, m, entry);
    this.lastProvider = provider;
    this.lastModel = model;
    this.lastSeries = series;
    return series;
  }

  clear(): void {
    this.list.length = 0;
    this.byProvider.clear();
    this.named = 0;
    this.folded = 0;
    this.warned = false;
    this.lastProvider = this.lastModel = this.lastSeries = undefined;
  }

  private create(provider: string, model: string, entry: ProviderEntry | undefined): SeriesAggregator {
    if (model === OTHER_LABEL) return this.otherOf(provider, entry);
    if (this.named < this.maxSeries) {
      this.named++;
      return this.add(provider, model, entry);
    }
    if (!this.warned) {
      this.warned = true;
      this.logger.warn(
        `llm-api-router metrics: more than ${this.maxSeries} (provider, model) series (maxSeries); ` +
          `new models are recorded as model="${OTHER_LABEL}" (first folded: provider="${provider}", model="${model}")`,
      );
    }
    return this.otherOf(provider, entry);
  }

  private otherOf(provider: string, entry: ProviderEntry | undefined): SeriesAggregator {
    const other = entry?.models.get(OTHER_LABEL);
    if (other !== undefined) return other;
    if (this.folded < this.maxSeries) {
      this.folded++;
      return this.add(provider, OTHER_LABEL, entry);
    }
    const catchAll = this.byProvider.get(OTHER_LABEL);
    return catchAll?.models.get(OTHER_LABEL) ?? this.add(OTHER_LABEL, OTHER_LABEL, catchAll);
  }

  private add(provider: string, model: string, entry: ProviderEntry | undefined): SeriesAggregator {
    if (entry === undefined) {
      entry = { models: new Map() };
      this.byProvider.set(provider, entry);
    }
    const series = new SeriesAggregator(provider, model, this.config);
    entry.models.set(model, series);
    this.list.push(series);
    return series;
  }
}
