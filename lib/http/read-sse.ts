import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

export type { EventSourceMessage };

/**
 * Splits text into Server-Sent Events as it arrives (parsed by eventsource-parser), synchronously: the
 * caller reads many events per network chunk without a promise per event.
 */
export class SseSplitter {
  private out: EventSourceMessage[] = [];
  private readonly parser: EventSourceParser = createParser({ onEvent: (event) => this.out.push(event) });

  /** Parses `text`; appends each event it completes to `out`. */
  feed(text: string, out: EventSourceMessage[]): void {
    this.out = out;
    this.parser.feed(text);
  }

  /** The stream ended: an event still waiting for its blank line is completed into `out`. */
  end(out: EventSourceMessage[]): void {
    this.out = out;
    this.parser.feed('\n\n');
  }
}
