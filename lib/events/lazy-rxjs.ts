import { createRequire } from 'node:module';
import type * as Rx from 'rxjs';

const load = createRequire(import.meta.url);

let observable: typeof Rx.Observable | undefined;
let rxjs: typeof Rx | undefined;

/**
 * rxjs' `Observable` class, loaded on first use so that importing the core does not load rxjs. It is
 * required from rxjs 7's exported `rxjs/internal/Observable` path: the very class `rxjs` itself exports
 * (its CommonJS index re-exports that module), at a fraction of the cost of the whole bundle, which
 * requires every operator.
 */
export function rxObservable(): typeof Rx.Observable {
  return (observable ??= (load('rxjs/internal/Observable') as { Observable: typeof Rx.Observable }).Observable);
}

/** The whole of rxjs, loaded on first use (for what the core uses off the hot path: `Subject`, operators). */
export function rx(): typeof Rx {
  return (rxjs ??= load('rxjs') as typeof Rx);
}
