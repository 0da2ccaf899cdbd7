import { EventEmitter } from 'eventemitter3';
import type { Observable, Subscriber, TeardownLogic } from 'rxjs';
import { isolatedObservable } from './isolated-observable.js';
import type { RouterEvent, RouterEventListeners, RouterEventType } from './router-event.js';

type AnyListener = (event: RouterEvent) => void;

/**
 * Delivers router events to rxjs subscribers (`events$`) and to typed eventemitter3 listeners.
 * `active` is false while nobody listens, so producers can skip building events at all.
 *
 * `events$` multicasts like an rxjs `Subject` (hot; a subscriber gets the events after it subscribed; it
 * completes on `close()`), from a copy-on-write array of subscribers, so that an event costs one call per
 * subscriber.
 */
export class EventBus {
  #events$: Observable<RouterEvent> | undefined;
  private subscribers: ReadonlyArray<Subscriber<RouterEvent>> = [];
  private completed = false;
  private readonly emitter = new EventEmitter();
  private readonly wrapped = new Map<AnyListener, Map<string, AnyListener>>();
  private listenerCount = 0;

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  /** The events as an rxjs Observable, made (and rxjs loaded) on first read. */
  get events$(): Observable<RouterEvent> {
    return (this.#events$ ??= isolatedObservable<RouterEvent>((subscriber) => this.subscribe(subscriber), this.onListenerError));
  }

  /** True when at least one subscriber or listener would receive an event. */
  get active(): boolean {
    return this.listenerCount > 0 || this.subscribers.length > 0;
  }

  emit(event: RouterEvent): void {
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.next(event);
    if (this.listenerCount > 0) this.emitter.emit(event.type, event);
  }

  private subscribe(subscriber: Subscriber<RouterEvent>): TeardownLogic {
    if (this.completed) {
      subscriber.complete();
      return undefined;
    }
    this.subscribers = [...this.subscribers, subscriber];
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
    };
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
  }

  off<T extends RouterEventType>(type: T, listener: RouterEventListeners[T]): void {
    const byType = this.wrapped.get(listener as AnyListener);
    const guarded = byType?.get(type);
    if (byType === undefined || guarded === undefined) return;
    byType.delete(type);
    if (byType.size === 0) this.wrapped.delete(listener as AnyListener);
    this.emitter.off(type, guarded);
    this.listenerCount--;
  }

  /** Completes `events$` and drops every listener. */
  close(): void {
    this.completed = true;
    const subscribers = this.subscribers;
    this.subscribers = [];
    for (const subscriber of subscribers) subscriber.complete();
    this.emitter.removeAllListeners();
    this.wrapped.clear();
    this.listenerCount = 0;
  }
}
