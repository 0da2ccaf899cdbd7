import type { RouterEvent, RouterEventType } from './router-event.js';

/**
 * A consumer of a router's events inside the library (the metrics collector): called directly by
 * the router's event bus, without rxjs, and only for the event types it names, so that events nobody reads
 * are not built.
 */
export interface EventSink {
  readonly types: readonly RouterEventType[];
  /**
   * One event. While only sinks read its type, the bus may pass the same object again for the next event
   * of that type, refilled: read what you need during the call, never keep the event itself.
   */
  next(event: RouterEvent): void;
  /** The source closed: no event follows. */
  complete(): void;
}

/** @internal The method of an event source (`LlmRouter`) that takes an `EventSink`; it returns the detach function. */
export const ATTACH_EVENT_SINK: unique symbol = Symbol('llm-api-router.attach-event-sink');

/** @internal An event source that takes sinks. */
export interface EventSinkSource {
  [ATTACH_EVENT_SINK](sink: EventSink): () => void;
}
