import { OTHER_LABEL } from './label-bounds.js';

/** UTF-8 bytes of label text, and whether they are all ASCII. */
export type EncodedLabels = Uint8Array & { readonly ascii: boolean };

/** One label set of a family: its label values (bounded), in the order of the family's label names. */
export interface LabelledRow {
  readonly labels: readonly string[];
  /** The exporter's encoding of `labels` (`name="value",…`), kept with the row. */
  encoded: EncodedLabels | undefined;
}

/** A label set with one number (a counter or a gauge). */
export class ValueRow implements LabelledRow {
  encoded: EncodedLabels | undefined = undefined;
  value = 0;

  constructor(readonly labels: readonly string[]) {}
}

/** The known costs of one (provider, model, metadata…) label set. */
export class CostRow implements LabelledRow {
  encoded: EncodedLabels | undefined = undefined;
  sum = 0;
  count = 0;

  constructor(readonly labels: readonly string[]) {}
}

/**
 * Rows keyed by their label values, in creation order. At most `max` rows are made; past that, a new label
 * set is folded into the row whose every label is `other`.
 */
export class RowIndex<R extends LabelledRow> {
  readonly list: R[] = [];
  private readonly byKey = new Map<string, R>();

  constructor(
    private readonly max: number,
    private readonly make: (labels: readonly string[]) => R,
  ) {}

  get(labels: readonly string[]): R {
    const key = labels.length === 1 ? labels[0]! : labels.join('\u0000');
    const row = this.byKey.get(key);
    if (row !== undefined) return row;
    if (this.list.length < this.max) return this.add(key, labels);
    const other = labels.map(() => OTHER_LABEL);
    const otherKey = other.length === 1 ? other[0]! : other.join('\u0000');
    return this.byKey.get(otherKey) ?? this.add(otherKey, other);
  }

  clear(): void {
    this.list.length = 0;
    this.byKey.clear();
  }

  private add(key: string, labels: readonly string[]): R {
    const row = this.make(labels);
    this.byKey.set(key, row);
    this.list.push(row);
    return row;
  }
}
