/** Fields of one chunk record: the output it was written to, the change key it was written at, its start and end there. */
export const CHUNK_GENERATION = 0;
export const CHUNK_KEY = 1;
export const CHUNK_START = 2;
export const CHUNK_END = 3;
export const CHUNK_FIELDS = 4;

/**
 * The last complete output of one exposition format, and where the lines of each (family, row) sit in it
 * with the row and the change key they were written for: the next output copies a chunk whose row and key
 * are unchanged instead of writing it again. Records are kept per family slot, row after row in one typed
 * array, so that a family's pass over a thousand rows reads memory in order.
 */
export class ExportChunks {
  /** Generation of `buffer`; -1 while there is none. */
  generation = -1;
  buffer: Buffer | undefined;
  ascii = true;
  /** The output before `buffer`, written over by the next one (no chunk points into it any more). */
  spare: Buffer | undefined;
  private readonly tables: Float64Array[];
  private readonly owners: unknown[][];

  constructor(slots: number) {
    this.tables = Array.from({ length: slots }, () => new Float64Array(0));
    this.owners = Array.from({ length: slots }, () => []);
  }

  /** The records of one family slot, with room for `rows` rows (`CHUNK_FIELDS` numbers each). */
  table(slot: number, rows: number): Float64Array {
    let table = this.tables[slot]!;
    if (table.length < rows * CHUNK_FIELDS) {
      const grown = new Float64Array(Math.max(rows, (table.length / CHUNK_FIELDS) * 2, 16) * CHUNK_FIELDS);
      grown.set(table);
      table = this.tables[slot] = grown;
    }
    return table;
  }

  /** The row each record of a slot was written for (a record is reused only for the same row). */
  ownersOf(slot: number): unknown[] {
    return this.owners[slot]!;
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
