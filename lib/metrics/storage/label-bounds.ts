/** The label value that folded series, surplus error types and surplus metadata values are recorded under. */
export const OTHER_LABEL = 'other';

/** The longest label value written, in UTF-16 code units; longer ones are cut and tagged with a hash of the whole. */
export const MAX_LABEL_LENGTH = 256;

/** Hex digits of the two 32-bit hashes that keep distinct long values distinct. */
const HASH_LENGTH = 16;
const MARKER = '...';

/**
 * A label value no longer than `MAX_LABEL_LENGTH`: short values as they are; a longer one is cut to its first
 * characters, then `...` and a 64-bit hash of the whole value (two 32-bit FNV-1a variants), so that distinct
 * long values stay distinct (with overwhelming likelihood) and the same value always maps to the same label.
 */
export function boundLabel(value: string): string {
  return value.length <= MAX_LABEL_LENGTH ? value : cut(value);
}

function cut(value: string): string {
  let end = MAX_LABEL_LENGTH - MARKER.length - HASH_LENGTH;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return `${value.slice(0, end)}${MARKER}${hex(h1)}${hex(h2)}`;
}

function hex(h: number): string {
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * The distinct values one label may take: the first `max` (bounded in length) are kept, later new ones become
 * `other`.
 */
export class LabelValueCap {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  value(raw: string): string {
    const value = boundLabel(raw);
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER_LABEL;
    this.seen.add(value);
    return value;
  }

  clear(): void {
    this.seen.clear();
  }
}
