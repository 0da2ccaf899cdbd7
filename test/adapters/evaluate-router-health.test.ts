import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRouterHealth } from '../../adapters/express/index.js';
import { ConfigurationError } from '../../lib/index.js';
import { MetricsCollector } from '../../lib/index.js';
import { LlmRouter } from '../../lib/index.js';
import type { LlmRouterOptions } from '../../lib/index.js';
import { drive, mockProvider } from './router-helpers.js';

async function withRouter(options: LlmRouterOptions, fn: (router: LlmRouter) => Promise<void>): Promise<void> {
  const router = new LlmRouter(options);
  try {
    await fn(router);
  } finally {
    await router.close();
  }
}

describe('evaluateRouterHealth', () => {
  test('an open circuit whose cool-down is over is degraded (the next request probes it), not down', async () => {
    const collector = new MetricsCollector();
    await withRouter(
      { providers: [mockProvider('primary', { errorRate: 1 }), mockProvider('backup')], circuitBreaker: { failureThreshold: 1, cooldownMs: 1 }, metricsCollector: collector },
      async (router) => {
        await drive(router, 1);
        for (let i = 0; i < 100 && !router.getProviderStatus()[0]!.available; i++) await new Promise((r) => setTimeout(r, 5));
        const [primary] = router.getProviderStatus();
        assert.equal(primary!.state, 'open');
        assert.equal(primary!.available, true);
        const { status, details } = evaluateRouterHealth(router);
        assert.equal(status, 'degraded');
        assert.equal(details.usableProviders, 2);
        assert.equal(details.providers.primary!.status, 'degraded');
        assert.equal(details.providers.primary!.reason, 'circuit open, cool-down over: the next request probes it');
      },
    );
    collector.close();
  });

  test('judges the rolling window of the given collector; the router has no metrics of its own', async () => {
    const collector = new MetricsCollector();
    await withRouter({ providers: [mockProvider('flaky', { errorRate: 1 }), mockProvider('steady')], circuitBreaker: false, metricsEnabled: false }, async (router) => {
      const subscription = collector.attach(router);
      await drive(router, 5);
      subscription.unsubscribe();
      assert.equal(evaluateRouterHealth(router).details.providers.flaky!.requests, 0, 'without a collector the router has no window');
      const { status, details } = evaluateRouterHealth(router, { collector });
      assert.equal(status, 'degraded');
      assert.deepEqual(
        Object.entries(details.providers).map(([name, p]) => [name, p.status, p.requests, p.failed, p.successRate]),
        [
          ['flaky', 'down', 5, 5, 0],
          ['steady', 'up', 5, 0, 1],
        ],
      );
    });
    collector.close();
  });

  test('thresholds are checked (ConfigurationError naming the option); a window past maxWindowMs is a RangeError', async () => {
    const collector = new MetricsCollector({ maxWindowMs: 10_000 });
    await withRouter({ providers: [mockProvider('solo')], metricsCollector: collector }, async (router) => {
      const cases: Array<[object, string]> = [
        [{ windowMs: 0 }, 'options.windowMs'],
        [{ degradedSuccessRate: 1.5 }, 'options.degradedSuccessRate'],
        [{ downSuccessRate: 0.95 }, 'options.downSuccessRate'],
        [{ minRequests: 1.5 }, 'options.minRequests'],
        [{ degradedStatus: 'maybe' }, 'options.degradedStatus'],
        [{ windowMS: 10_000 }, 'options.windowMS'],
        [{ collecter: collector }, 'options.collecter'],
      ];
      for (const [options, field] of cases) {
        assert.throws(() => evaluateRouterHealth(router, options), (e: unknown) => e instanceof ConfigurationError && e.field === field, field);
      }
      assert.equal(evaluateRouterHealth(router, { windowMs: 10_000 }).details.windowMs, 10_000);
      assert.throws(() => evaluateRouterHealth(router, { windowMs: 10_001 }), RangeError);
    });
    collector.close();
  });
});
