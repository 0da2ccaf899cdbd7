type AbortListener = () => void;

/** What an abort ends, told by method rather than through a listener function (no closure per call). */
export interface Abortable {
  abortWith(reason: unknown): void;
}

/**
 * The light form of an abort signal that undici takes in place of an `AbortSignal`: an emitter of one
 * `abort` event with `aborted` and `reason`. Creating a Node `AbortController` and hooking undici's listener
 * onto its `EventTarget` costs more than the rest of the router's work per request; this costs two fields.
 */
export class AbortEmitter {
  aborted = false;
  reason: unknown = undefined;
  /** One `Abortable` told of the abort before the listeners; whoever sets it clears it when done. */
  target: Abortable | undefined = undefined;
  private listener: AbortListener | undefined = undefined;
  private more: AbortListener[] | undefined = undefined;

  on(_event: 'abort', listener: AbortListener): this {
    if (this.listener === undefined) this.listener = listener;
    else (this.more ??= []).push(listener);
    return this;
  }

  once(event: 'abort', listener: AbortListener): this {
    return this.on(event, listener);
  }

  addListener(event: 'abort', listener: AbortListener): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: AbortListener): this {
    if (this.listener === listener) {
      this.listener = this.more?.shift();
    } else if (this.more !== undefined) {
      const i = this.more.indexOf(listener);
      if (i !== -1) this.more.splice(i, 1);
    }
    return this;
  }

  off(event: 'abort', listener: AbortListener): this {
    return this.removeListener(event, listener);
  }

  /** Marks the emitter aborted with `reason` and calls each listener once; later calls do nothing. */
  protected fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const target = this.target;
    const first = this.listener;
    const more = this.more;
    this.target = undefined;
    this.listener = undefined;
    this.more = undefined;
    target?.abortWith(reason);
    first?.();
    if (more !== undefined) for (const listener of more) listener();
  }
}
