/** Splits text into newline-delimited JSON lines as it arrives, synchronously; empty lines are skipped. */
export class NdjsonSplitter {
  private buffer = '';

  /** Appends each line that `text` completes (trimmed, as text) to `out`. */
  feed(text: string, out: string[]): void {
    const buffer = this.buffer + text;
    let start = 0;
    let nl: number;
    while ((nl = buffer.indexOf('\n', start)) !== -1) {
      const line = buffer.slice(start, nl).trim();
      start = nl + 1;
      if (line.length > 0) out.push(line);
    }
    this.buffer = buffer.slice(start);
  }

  /** The stream ended: a last line without its newline goes to `out`. */
  end(out: string[]): void {
    const rest = this.buffer.trim();
    this.buffer = '';
    if (rest.length > 0) out.push(rest);
  }
}
