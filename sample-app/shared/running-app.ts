import type { Server } from 'node:http';
import type { LlmRouter } from 'llm-api-router';

/** A listening sample service, as the tests, the benchmark and `main` use it. */
export interface RunningSampleApp {
  /** `http://host:port` */
  readonly url: string;
  readonly server: Server;
  readonly router: LlmRouter;
  /** Stops accepting, lets requests in flight finish (up to a grace period), closes the router. */
  close(): Promise<void>;
}

/** Listens on `host:port` and resolves once bound (rejects on EADDRINUSE and the like). */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Closes an HTTP server: idle keep-alive connections at once, busy ones after they finish or after
 * `graceMs`, whichever comes first.
 */
export function closeServer(server: Server, graceMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
