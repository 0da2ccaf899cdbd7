import { createRequire } from 'node:module';

type PromClient = typeof import('prom-client');

let loaded: PromClient | undefined;

/**
 * prom-client, loaded on first use (so that importing the core does not load it). prom-client is a
 * CommonJS package: `require` loads it synchronously and shares the instance an `import` would give.
 */
export function promClient(): PromClient {
  return (loaded ??= createRequire(import.meta.url)('prom-client') as PromClient);
}
