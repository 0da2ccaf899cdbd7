import { ExpositionWriter, type PreviousOutput } from './exposition-writer.js';

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
  /** Generation of `previous`; -1 while there is none. */
  generation = -1;
  /** The last output, in one half of an arena whose other half the next output is written into. */
  previous: PreviousOutput | undefined;
  ascii = true;
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

  /**
   * A writer for the next output: into the half of the previous output's arena it does not occupy, when that
   * half has room for `sizeHint` bytes; else into a new arena (the previous output is still copied from).
   */
  writer(sizeHint: number): ExpositionWriter {
    const previous = this.previous;
    if (previous === undefined) return new ExpositionWriter(sizeHint);
    const half = previous.buffer.length >>> 1;
    // An arena far larger than needed (the output shrank, e.g. after a reset) is let go.
    if (half > 4 * sizeHint + 1_048_576) return new ExpositionWriter(sizeHint, undefined, 0, 0, previous);
    const base = previous.base === 0 ? half : 0;
    return new ExpositionWriter(sizeHint, previous.buffer, base, base + half, previous);
  }

  /** Keeps a finished output as the one the next output copies from. */
  commit(generation: number, writer: ExpositionWriter): void {
    this.generation = generation;
    this.previous = writer.output;
    this.ascii = writer.ascii;
  }
}
