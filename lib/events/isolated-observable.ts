import { Observable, type Operator, type Subscription, type Observer } from 'rxjs';

/**
 * An Observable whose subscribers cannot throw into the producer: an exception in a `next`, `error`
 * or `complete` callback is caught and handed to `onError` instead of rxjs' default (rethrowing it on a
 * timer, which would crash the process). Operators piped onto it stay isolated.
 */
export class IsolatedObservable<T> extends Observable<T> {
  constructor(
    subscribe: ((this: Observable<T>, subscriber: import('rxjs').Subscriber<T>) => import('rxjs').TeardownLogic) | undefined,
    private readonly onError: (error: unknown) => void,
  ) {
    super(subscribe);
  }

  /** @internal rxjs uses `lift` to build piped observables; keep them isolated. */
  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const observable = new IsolatedObservable<R>(undefined, this.onError);
    observable.source = this;
    observable.operator = operator;
    return observable;
  }

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null): Subscription {
    const onError = this.onError;
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
      next: guard(observerOrNext.next, observerOrNext),
      error: guard(observerOrNext.error, observerOrNext) ?? onError,
      complete: guard(observerOrNext.complete, observerOrNext),
    } as Partial<Observer<T>>);
  }
}
