/** Fields of one chunk record: the output it was written to, the change key it was written at, its start and end there. */
export const CHUNK_GENERATION = 0;
export const CHUNK_KEY = 1;
export const CHUNK_START = 2;
export const CHUNK_END = 3;
export const CHUNK_FIELDS = 4;

/**
 * The last complete output of one exposition format, and where the lines of each (family, series) sit in
 * it with the change key they were written at: the next output copies a chunk whose key has not changed
 * instead of writing it again. Records are kept per family slot, series after series in one typed array,
 * so that a family's pass over a thousand series reads memory in order.
 */
export class ExportChunks {
  /** Generation of `buffer`; -1 while there is none. */
  generation = -1;
  buffer: Buffer | undefined;
  ascii = true;
  /** The output before `buffer`, written over by the next one (no chunk points into it any more). */
  spare: Buffer | undefined;
  private readonly tables: Float64Array[];

  constructor(slots: number) {
    this.tables = Array.from({ length: slots }, () => new Float64Array(0));
  }

  /** The records of one family slot, with room for `series` series (`CHUNK_FIELDS` numbers each). */
  table(slot: number, series: number): Float64Array {
    let table = this.tables[slot]!;
    if (table.length < series * CHUNK_FIELDS) {
      const grown = new Float64Array(Math.max(series, (table.length / CHUNK_FIELDS) * 2, 16) * CHUNK_FIELDS);
      grown.set(table);
      table = this.tables[slot] = grown;
    }
    return table;
  }

  /** Forgets the chunks of series `index` (it is a new series). */
  forget(index: number): void {
    const at = index * CHUNK_FIELDS + CHUNK_GENERATION;
    for (const table of this.tables) if (at < table.length) table[at] = 0;
  }

  /** A buffer for the next output to write into, if one is free. */
  takeSpare(): Buffer | undefined {
    const spare = this.spare;
    this.spare = undefined;
    return spare;
  }

  /**
   * Keeps a finished output as the one to copy from; the one it replaces becomes the spare unless it is
   * much larger than needed now.
   */
  commit(generation: number, buffer: Buffer, used: number, ascii: boolean): void {
    const replaced = this.buffer;
    if (replaced !== undefined && replaced !== buffer && replaced.length <= 2 * used + 65_536) this.spare = replaced;
    this.generation = generation;
    this.buffer = buffer;
    this.ascii = ascii;
  }
}
