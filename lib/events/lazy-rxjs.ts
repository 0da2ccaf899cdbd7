import { createRequire } from 'node:module';
import type * as Rx from 'rxjs';

const load = createRequire(import.meta.url);

let rxjs: typeof Rx | undefined;

/**
 * rxjs' `Observable` class, loaded on first use (the first read of a router's `events$`) so that
 * importing the core does not load rxjs. It comes from rxjs' public entry point, never from its
 * `rxjs/internal/*` paths.
 */
export function rxObservable(): typeof Rx.Observable {
  return rx().Observable;
}

/** The whole of rxjs, loaded on first use (for what the core uses off the hot path: `Subject`, operators). */
export function rx(): typeof Rx {
  return (rxjs ??= load('rxjs') as typeof Rx);
}
