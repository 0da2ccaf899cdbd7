import type { LlmRouter } from '../../lib/index.js';
import type { ProviderConfig } from '../../lib/index.js';

/** An in-process mock provider serving `mock-small`, without retries. */
export function mockProvider(name: string, mock: ProviderConfig['mock'] = {}): ProviderConfig {
  return { providerType: 'mock', name, defaultModel: 'mock-small', maxRetries: 0, mock };
}

/** Sends `n` requests through the router, ignoring their failures. */
export async function drive(router: LlmRouter, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await router.chat.completions.create({ messages: [{ role: 'user', content: `request ${i}` }] }).catch(() => undefined);
  }
}
