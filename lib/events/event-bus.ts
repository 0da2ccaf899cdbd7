import { EventEmitter } from 'eventemitter3';
import { Subject, type Observable } from 'rxjs';
import { IsolatedObservable } from './isolated-observable.js';
import type { RouterEvent, RouterEventListeners, RouterEventType } from './router-event.js';

type AnyListener = (event: RouterEvent) => void;

/**
 * Delivers router events to rxjs subscribers (`events$`) and to typed eventemitter3 listeners.
 * `active` is false while nobody listens, so producers can skip building events at all.
 */
export class EventBus {
  readonly events$: Observable<RouterEvent>;
  private readonly subject = new Subject<RouterEvent>();
  private readonly emitter = new EventEmitter();
  private readonly wrapped = new Map<AnyListener, Map<string, AnyListener>>();
  private listenerCount = 0;

  constructor(private readonly onListenerError: (error: unknown) => void) {
    this.events$ = new IsolatedObservable<RouterEvent>((subscriber) => this.subject.subscribe(subscriber), onListenerError);
  }

  /** True when at least one subscriber or listener would receive an event. */
  get active(): boolean {
    return this.listenerCount > 0 || this.subject.observed;
  }

  emit(event: RouterEvent): void {
    if (this.subject.observed) this.subject.next(event);
    if (this.listenerCount > 0) this.emitter.emit(event.type, event);
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
    this.subject.complete();
    this.emitter.removeAllListeners();
    this.wrapped.clear();
    this.listenerCount = 0;
  }
}
