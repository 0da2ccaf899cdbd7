import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

export type { EventSourceMessage };

/** Splitters whose stream ended, reset for the next one (a parser is a dozen closures to create). */
const POOL: SseSplitter[] = [];
const POOL_MAX = 256;
const NONE: EventSourceMessage[] = [];

/**
 * Splits text into Server-Sent Events as it arrives (parsed by eventsource-parser), synchronously: the
 * caller reads many events per network chunk without a promise per event. Taken with `acquire()` and
 * given back with `release()` once its stream is done, so that parsers are reused (reset) across streams.
 */
export class SseSplitter {
  private out: EventSourceMessage[] = NONE;
  private readonly parser: EventSourceParser = createParser({ onEvent: (event) => this.out.push(event) });

  /** A splitter for a new stream: a released one, reset, or a new one. */
  static acquire(): SseSplitter {
    return POOL.pop() ?? new SseSplitter();
  }

  /** Its stream is done: resets the parser and keeps it for the next stream. Not to be used after. */
  release(): void {
    this.parser.reset();
    this.out = NONE;
    if (POOL.length < POOL_MAX) POOL.push(this);
  }

  /** Parses `text`; appends each event it completes to `out`. */
  feed(text: string, out: EventSourceMessage[]): void {
    this.out = out;
    this.parser.feed(text);
    this.out = NONE;
  }

  /** The stream ended: an event still waiting for its blank line is completed into `out`. */
  end(out: EventSourceMessage[]): void {
    this.out = out;
    this.parser.feed('\n\n');
    this.out = NONE;
  }
}
