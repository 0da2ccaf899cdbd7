import { EventEmitter } from 'eventemitter3';
import type { Observable, Subscriber, TeardownLogic } from 'rxjs';
import type { EventSink } from './event-sink.js';
import { isolatedObservable } from './isolated-observable.js';
import type { RouterEvent, RouterEventListeners, RouterEventType } from './router-event.js';

type AnyListener = (event: RouterEvent) => void;

const NO_SINKS: readonly EventSink[] = [];

/** The bit of each event type in `EventBus.wanted`. */
export const EVENT_BIT: Readonly<Record<RouterEventType, number>> = Object.freeze({
  'request.start': 1,
  'request.route': 2,
  'attempt.start': 4,
  'attempt.end': 8,
  'request.retry': 16,
  'request.fallback': 32,
  'stream.first_chunk': 64,
  'request.end': 128,
  'provider.state': 256,
});
const EVERY_TYPE = 511;

/** One value per event type (an object of one shape, for fast reads by a constant key). */
function perType<V>(value: V): Record<RouterEventType, V> {
  return {
    'request.start': value,
    'request.route': value,
    'attempt.start': value,
    'attempt.end': value,
    'request.retry': value,
    'request.fallback': value,
    'stream.first_chunk': value,
    'request.end': value,
    'provider.state': value,
  };
}

/**
 * Delivers router events to the library's own sinks (the collector), to rxjs subscribers (`events$`) and
 * to typed eventemitter3 listeners. `wanted` tells the event types somebody would receive, so producers
 * can skip building the others at all.
 *
 * `events$` multicasts like an rxjs `Subject` (hot; a subscriber gets the events after it subscribed; it
 * completes on `close()`), from a copy-on-write array of subscribers, so that an event costs one call per
 * subscriber. Sinks are called first, each only for the types it names.
 */
export class EventBus {
  #events$: Observable<RouterEvent> | undefined;
  private subscribers: ReadonlyArray<Subscriber<RouterEvent>> = [];
  private completed = false;
  private readonly emitter = new EventEmitter();
  private readonly wrapped = new Map<AnyListener, Map<string, AnyListener>>();
  private listenerCount = 0;
  /** Listeners per type (rxjs subscribers read every type and are counted apart). */
  private readonly listening = perType(0);
  /** The sinks of each type, copy-on-write. */
  private readonly sinks = perType(NO_SINKS);
  private allSinks: readonly EventSink[] = NO_SINKS;
  private mask = 0;
  private sinkOnlyMask = 0;

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  /** The events as an rxjs Observable, made (and rxjs loaded) on first read. */
  get events$(): Observable<RouterEvent> {
    return (this.#events$ ??= isolatedObservable<RouterEvent>((subscriber) => this.subscribe(subscriber), this.onListenerError));
  }

  /** True when at least one subscriber, listener or sink would receive an event of some type. */
  get active(): boolean {
    return this.listenerCount > 0 || this.subscribers.length > 0 || this.allSinks.length > 0;
  }

  /**
   * The event types at least one subscriber, listener or sink would receive, as the bits of `EVENT_BIT`
   * (producers test `(bus.wanted & EVENT_BIT[type]) !== 0` before building an event).
   */
  get wanted(): number {
    return this.mask;
  }

  /**
   * The event types only sinks receive (no subscriber, no listener), as bits of `EVENT_BIT`: a producer
   * may hand them one reused event object per type, since a sink never keeps an event (see `EventSink`).
   */
  get sinksOnly(): number {
    return this.sinkOnlyMask;
  }

  emit(event: RouterEvent): void {
    const sinks = this.sinks[event.type];
    for (let i = 0; i < sinks.length; i++) {
      try {
        sinks[i]!.next(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.next(event);
    if (this.listenerCount > 0) this.emitter.emit(event.type, event);
  }

  /** Adds a sink (completed at once when the bus is closed); returns the function that removes it. */
  addSink(sink: EventSink): () => void {
    if (this.completed) {
      sink.complete();
      return () => {};
    }
    const types = [...new Set(sink.types)].filter((type) => Object.hasOwn(this.sinks, type));
    for (const type of types) {
      this.sinks[type] = [...this.sinks[type], sink];
    }
    this.allSinks = [...this.allSinks, sink];
    this.updateMask();
    let removed = false;
    return () => {
      if (removed || !this.allSinks.includes(sink)) return;
      removed = true;
      for (const type of types) {
        this.sinks[type] = this.sinks[type].filter((s) => s !== sink);
      }
      this.allSinks = this.allSinks.filter((s) => s !== sink);
      this.updateMask();
    };
  }

  private subscribe(subscriber: Subscriber<RouterEvent>): TeardownLogic {
    if (this.completed) {
      subscriber.complete();
      return undefined;
    }
    this.subscribers = [...this.subscribers, subscriber];
    this.updateMask();
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
      this.updateMask();
    };
  }

  private updateMask(): void {
    const subscribed = this.subscribers.length > 0;
    let mask = subscribed ? EVERY_TYPE : 0;
    let sinkOnly = 0;
    for (const key in this.listening) {
      const type = key as RouterEventType;
      const bit = EVENT_BIT[type];
      if (this.listening[type] > 0) mask |= bit;
      if (this.sinks[type].length > 0) {
        mask |= bit;
        if (!subscribed && this.listening[type] === 0) sinkOnly |= bit;
      }
    }
    this.mask = mask;
    this.sinkOnlyMask = sinkOnly;
  }

  on<T extends RouterEventType>(type: T, listener: RouterEventListeners[T], once = false): void {
    const original = listener as AnyListener;
    const guarded: AnyListener = (event) => {
      if (once) this.off(type, listener);
      try {
        original(event);
      } catch (error) {
        this.onListenerError(error);
      }
    };
    let byType = this.wrapped.get(original);
    if (byType === undefined) this.wrapped.set(original, (byType = new Map()));
    if (byType.has(type)) return;
    byType.set(type, guarded);
    this.emitter.on(type, guarded);
    this.listenerCount++;
    if (Object.hasOwn(this.listening, type)) this.listening[type]++;
    this.updateMask();
  }

  off<T extends RouterEventType>(type: T, listener: RouterEventListeners[T]): void {
    const byType = this.wrapped.get(listener as AnyListener);
    const guarded = byType?.get(type);
    if (byType === undefined || guarded === undefined) return;
    byType.delete(type);
    if (byType.size === 0) this.wrapped.delete(listener as AnyListener);
    this.emitter.off(type, guarded);
    this.listenerCount--;
    if (Object.hasOwn(this.listening, type)) this.listening[type]--;
    this.updateMask();
  }

  /** Completes `events$` and every sink, and drops every listener. */
  close(): void {
    this.completed = true;
    const subscribers = this.subscribers;
    const sinks = this.allSinks;
    this.subscribers = [];
    this.allSinks = NO_SINKS;
    Object.assign(this.sinks, perType(NO_SINKS));
    Object.assign(this.listening, perType(0));
    this.mask = this.sinkOnlyMask = 0;
    for (const sink of sinks) {
      try {
        sink.complete();
      } catch (error) {
        this.onListenerError(error);
      }
    }
    for (const subscriber of subscribers) subscriber.complete();
    this.emitter.removeAllListeners();
    this.wrapped.clear();
    this.listenerCount = 0;
  }
}
