import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveRouterConfig } from '../../lib/config/index.js';
import { ConfigurationError } from '../../lib/errors/llm-router-error.js';

const providers = [{ providerType: 'mock' as const, name: 'm' }];

test('sharedState.commandTimeoutMs is kept when positive and refused otherwise', () => {
  const resolved = resolveRouterConfig({ providers, sharedState: { redis: 'redis://127.0.0.1:1', commandTimeoutMs: 5_000 } });
  assert.equal(resolved.sharedState?.commandTimeoutMs, 5_000);
  for (const bad of [0, -1, 'soon', Number.NaN]) {
    assert.throws(
      () => resolveRouterConfig({ providers, sharedState: { redis: 'redis://127.0.0.1:1', commandTimeoutMs: bad as number } }),
      (e: unknown) => e instanceof ConfigurationError && e.message.includes('sharedState.commandTimeoutMs'),
      String(bad),
    );
  }
});
