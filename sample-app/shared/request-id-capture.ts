import type { LlmRouter, RequestStartEvent } from 'llm-api-router';

/**
 * The router's id of a request whose answer does not carry it (an `EmbeddingsResponse` has no
 * `requestId`; a `ChatCompletion` always has one): the `request.start` event the
 * router emits while `create()` runs synchronously. Undefined when the router emitted none then.
 */
export class RequestIdCapture {
  private capturing = false;
  private id: string | undefined;

  constructor(router: LlmRouter) {
    router.on('request.start', (e: RequestStartEvent) => {
      if (this.capturing && this.id === undefined) this.id = e.requestId;
    });
  }

  /** Calls `start` and returns its promise with the id of the request it started. */
  run<T>(start: () => Promise<T>): { promise: Promise<T>; requestId: string | undefined } {
    this.capturing = true;
    this.id = undefined;
    try {
      const promise = start();
      return { promise, requestId: this.id };
    } finally {
      this.capturing = false;
    }
  }
}
