import type { Observable, Observer, OperatorFunction, Subscriber, Subscription, TeardownLogic } from 'rxjs';
import { rxObservable } from './lazy-rxjs.js';

/** Builds an isolated Observable (see `isolatedObservable`). */
export type IsolatedObservableFactory = new <T>(
  subscribe: (subscriber: Subscriber<T>) => TeardownLogic,
  onError: (error: unknown) => void,
) => Observable<T>;

let isolated: IsolatedObservableFactory | undefined;

/**
 * An Observable whose subscribers cannot throw into the producer: an exception in a `next`, `error` or
 * `complete` callback, or an error a piped operator sends downstream to a subscriber with no `error`
 * callback, is handed to `onError` instead of rxjs' default (rethrowing it on a timer, which would crash
 * the process). `pipe` returns an isolated Observable too, so operators stay covered. Only public rxjs
 * API is used. The class extends rxjs' `Observable`, and is defined on first call so that rxjs loads then.
 */
export function isolatedObservable<T>(subscribe: (subscriber: Subscriber<T>) => TeardownLogic, onError: (error: unknown) => void): Observable<T> {
  isolated ??= defineIsolatedObservable();
  return new isolated<T>(subscribe, onError);
}

function defineIsolatedObservable(): IsolatedObservableFactory {
  const Base = rxObservable();
  class IsolatedObservable<T> extends Base<T> {
    readonly #onError: (error: unknown) => void;

    constructor(subscribe: (subscriber: Subscriber<T>) => TeardownLogic, onError: (error: unknown) => void) {
      super(subscribe);
      this.#onError = onError;
    }

    override pipe(...operations: OperatorFunction<any, any>[]): Observable<any> {
      if (operations.length === 0) return this;
      const piped: Observable<unknown> = (super.pipe as (...ops: OperatorFunction<any, any>[]) => Observable<unknown>)(...operations);
      return new IsolatedObservable<unknown>((subscriber) => piped.subscribe(subscriber), this.#onError);
    }

    override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null): Subscription {
      const onError = this.#onError;
      const guard = <A>(fn: ((arg: A) => void) | undefined, self?: unknown) =>
        fn === undefined
          ? undefined
          : (arg: A) => {
              try {
                fn.call(self, arg);
              } catch (error) {
                onError(error);
              }
            };
      if (observerOrNext == null) return super.subscribe({ error: onError });
      if (typeof observerOrNext === 'function') return super.subscribe({ next: guard(observerOrNext), error: onError });
      return super.subscribe({
        next: guard(observerOrNext.next?.bind(observerOrNext)),
        error: guard(observerOrNext.error?.bind(observerOrNext)) ?? onError,
        complete: guard(observerOrNext.complete?.bind(observerOrNext)),
      } as Partial<Observer<T>>);
    }
  }
  return IsolatedObservable as IsolatedObservableFactory;
}
