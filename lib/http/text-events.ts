/** Splits decoded text into events as it arrives, synchronously (see `SseSplitter`, `NdjsonSplitter`). */
export interface TextEventSplitter<E> {
  /** Appends each event that `text` completes to `out`. */
  feed(text: string, out: E[]): void;
  /** The text ended: completes what is left into `out`. */
  end(out: E[]): void;
  /** The reader is done with it (it may be reused elsewhere). */
  release?(): void;
}

/** What the reader does with its stream's events. */
export interface EventStreamHandlers<E, T> {
  /** Maps one event to zero, one or several items; throws to end the stream with that error. */
  decode(event: E): T | T[] | undefined;
  /** Called once the body ended and every event was decoded; throws if the stream was incomplete. */
  end(): void;
}
