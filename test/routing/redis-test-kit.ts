import { once } from 'node:events';
import { Redis } from 'ioredis';

/**
 * An ioredis client set up as the router's own would be (no offline queue, bounded commands), connected.
 * Its command timeout is generous (5 s) so that a loaded test machine does not turn a slow answer into
 * an outage (which would let a router fall back to its local counts).
 */
export async function connectedRedis(url: string): Promise<Redis> {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 5000, retryStrategy: (n: number) => Math.min(20 * n, 200) });
  client.on('error', () => {});
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}

/** Polls `condition` (every 5 ms, at most 5 s). */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what = 'condition'): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${what} not reached in 5 s`);
}
