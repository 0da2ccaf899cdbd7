import { createRequire } from 'node:module';
import { AbortEmitter, type Abortable } from './abort-emitter.js';

/** A call's abort signal: a Node `AbortSignal` or the router's light `AbortEmitter`. */
export type CallSignal = AbortSignal | AbortEmitter;

let AbortedError: (new () => Error) | undefined;

/**
 * Tells `target` when `signal` fires: as the `AbortEmitter`'s target when it has none (no closure), else
 * through a listener, which is returned (give it to `unhookSignal`). The signal must not be aborted yet.
 */
export function hookSignal(signal: CallSignal, target: Abortable): (() => void) | undefined {
  if (signal instanceof AbortEmitter && signal.target === undefined) {
    signal.target = target;
    return undefined;
  }
  const onAbort = (): void => target.abortWith(undefined);
  if (typeof (signal as AbortSignal).addEventListener === 'function') (signal as AbortSignal).addEventListener('abort', onAbort, { once: true });
  else (signal as AbortEmitter).on('abort', onAbort);
  return onAbort;
}

/** Undoes `hookSignal` (`onAbort`: what it returned). */
export function unhookSignal(signal: CallSignal | undefined, target: Abortable, onAbort: (() => void) | undefined): void {
  if (signal instanceof AbortEmitter && signal.target === target) signal.target = undefined;
  if (onAbort === undefined) return;
  if (typeof (signal as AbortSignal).removeEventListener === 'function') (signal as AbortSignal).removeEventListener('abort', onAbort);
  else (signal as AbortEmitter).removeListener('abort', onAbort);
}

/** What a call aborted by `signal` fails with: the signal's reason, else undici's `RequestAbortedError`. */
export function abortReasonOf(signal: CallSignal): Error {
  const reason = signal.reason as Error | undefined;
  return reason ?? new (AbortedError ??= (createRequire(import.meta.url)('undici') as typeof import('undici')).errors.RequestAbortedError as new () => Error)();
}
