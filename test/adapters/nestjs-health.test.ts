import 'reflect-metadata';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Query } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { evaluateRouterHealth, llmRouterMiddleware, type LlmRouterMiddlewareOptions } from '../../adapters/express/index.js';
import { LlmRouterHealthIndicator, LlmRouterModule, type LlmRouterModuleOptions } from '../../adapters/nestjs/index.js';
import { MetricsCollector } from '../../lib/index.js';
import { LlmRouter } from '../../lib/index.js';
import { PLATFORMS, type RunningApp, drive, makeModule, mockProvider, startNest } from './nest-helpers.js';

interface HealthBody {
  status: string;
  info: Record<string, unknown>;
  error: Record<string, unknown>;
  details: {
    llm: {
      status: string;
      degraded?: boolean;
      usableProviders: number;
      totalProviders: number;
      providers: Record<string, { status: string; circuit: string; requests: number; failed: number; successRate: number | null; reason?: string }>;
    };
  };
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly llm: LlmRouterHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(@Query('degradedStatus') degradedStatus?: 'up' | 'degraded') {
    return this.health.check([() => this.llm.isHealthy('llm', degradedStatus === undefined ? undefined : { degradedStatus })]);
  }
}

for (const platform of PLATFORMS) {
  describe(`LlmRouterHealthIndicator through terminus on the ${platform} platform`, () => {
    const running: RunningApp[] = [];
    const start = async (options: LlmRouterModuleOptions): Promise<RunningApp & { router: LlmRouter }> => {
      const module = makeModule({ imports: [TerminusModule.forRoot({ logger: false }), LlmRouterModule.forRoot(options)], controllers: [HealthController] });
      const app = await startNest(module, platform);
      running.push(app);
      return { ...app, router: app.app.get(LlmRouter) };
    };
    const health = async (url: string, query = ''): Promise<{ status: number; body: HealthBody }> => {
      const res = await fetch(`${url}/health${query}`);
      return { status: res.status, body: (await res.json()) as HealthBody };
    };
    const closers: Array<() => Promise<void>> = [];
    /** `llmRouterMiddleware` on a bare `node:http` server, for the same router as a Nest app. */
    const serveMiddleware = async (options: LlmRouterMiddlewareOptions): Promise<string> => {
      const middleware = llmRouterMiddleware(options);
      const server = createServer((req, res) => middleware(req, res, () => res.writeHead(404).end()));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closers.push(async () => {
        middleware.close();
        await new Promise((resolve) => server.close(resolve));
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    after(async () => {
      await Promise.all(closers.map((close) => close()));
      await Promise.all(running.map((r) => r.app.close()));
    });

    test('up, then degraded once the failing primary circuit opens (fallback still serves)', async () => {
      const { url, router } = await start({
        providers: [mockProvider('primary', { errorRate: 1 }), mockProvider('backup')],
        circuitBreaker: { failureThreshold: 2, cooldownMs: 600_000 },
      });
      const before = await health(url);
      assert.equal(before.status, 200);
      assert.equal(before.body.status, 'ok');
      assert.equal(before.body.details.llm.status, 'up');
      assert.deepEqual(Object.keys(before.body.details.llm.providers), ['primary', 'backup']);

      await drive(router, 2);
      assert.equal(router.getProviderStatus()[0]!.state, 'open');
      const after = await health(url);
      assert.equal(after.status, 200, 'degraded does not fail the check');
      assert.equal(after.body.status, 'degraded');
      const llm = after.body.details.llm;
      assert.equal(llm.status, 'degraded');
      assert.equal(llm.usableProviders, 1);
      assert.equal(llm.totalProviders, 2);
      assert.equal(llm.providers.primary!.status, 'down');
      assert.equal(llm.providers.primary!.circuit, 'open');
      assert.equal(llm.providers.primary!.reason, 'circuit open');
      assert.equal(llm.providers.primary!.failed, 2);
      assert.equal(llm.providers.primary!.successRate, 0);
      assert.equal(llm.providers.backup!.status, 'up');
      assert.equal(llm.providers.backup!.successRate, 1);

      const asUp = await health(url, '?degradedStatus=up');
      assert.equal(asUp.status, 200);
      assert.equal(asUp.body.status, 'ok');
      assert.equal(asUp.body.details.llm.status, 'up');
      assert.equal(asUp.body.details.llm.degraded, true);
    });

    test('down (503) when every provider circuit is open', async () => {
      const { url, router } = await start({
        providers: [mockProvider('one', { errorRate: 1 }), mockProvider('two', { errorRate: 1, errorStatus: 500 })],
        circuitBreaker: { failureThreshold: 1, cooldownMs: 600_000 },
      });
      await drive(router, 1);
      const res = await health(url);
      assert.equal(res.status, 503);
      assert.equal(res.body.status, 'error');
      assert.ok('llm' in res.body.error);
      assert.equal(res.body.details.llm.status, 'down');
      assert.equal(res.body.details.llm.usableProviders, 0);
      assert.deepEqual(
        Object.values(res.body.details.llm.providers).map((p) => p.circuit),
        ['open', 'open'],
      );
    });

    test('the Express middleware health route and evaluateRouterHealth judge the same router exactly like terminus', async () => {
      const { url, router } = await start({
        providers: [mockProvider('primary', { errorRate: 1 }), mockProvider('backup')],
        circuitBreaker: { failureThreshold: 2, cooldownMs: 600_000 },
      });
      const indicator = new LlmRouterHealthIndicator(router);
      const plain = await serveMiddleware({ router, health: true });
      const plainAsUp = await serveMiddleware({ router, health: { degradedStatus: 'up' } });
      const same = async (expected: string, nestQuery = '', plainUrl = plain): Promise<void> => {
        const nest = await health(url, nestQuery);
        const express = await health(plainUrl);
        assert.equal(nest.body.details.llm.status, expected);
        assert.equal(express.status, nest.status);
        assert.deepEqual(express.body, nest.body);
        assert.deepEqual(evaluateRouterHealth(router), indicator.evaluate());
      };
      await same('up');
      await drive(router, 2);
      await same('degraded');
      await same('up', '?degradedStatus=up', plainAsUp);

      const failing = await start({
        providers: [mockProvider('one', { errorRate: 1 }), mockProvider('two', { errorRate: 1, errorStatus: 500 })],
        circuitBreaker: { failureThreshold: 1, cooldownMs: 600_000 },
      });
      await drive(failing.router, 1);
      const nest = await health(failing.url);
      const express = await health(await serveMiddleware({ router: failing.router, health: true }));
      assert.equal(nest.status, 503);
      assert.equal(express.status, 503);
      assert.deepEqual(express.body, nest.body);
    });

    test('the rolling-window success rate alone (circuit breaking off) makes a provider down or degraded', async () => {
      const { url, router } = await start({
        providers: [mockProvider('flaky', { errorRate: 1 }), mockProvider('steady')],
        circuitBreaker: false,
        health: { minRequests: 3, windowMs: 60_000 },
      });
      await drive(router, 2);
      const early = await health(url);
      assert.equal(early.body.details.llm.status, 'up', 'fewer than minRequests attempts are not judged');
      await drive(router, 1);
      const res = await health(url);
      assert.equal(res.status, 200);
      const llm = res.body.details.llm;
      assert.equal(llm.status, 'degraded');
      assert.equal(llm.providers.flaky!.circuit, 'closed');
      assert.equal(llm.providers.flaky!.status, 'down');
      assert.equal(llm.providers.flaky!.reason, 'success rate 0 < 0.5');
      assert.equal(llm.providers.steady!.status, 'up');
    });
  });
}

describe('LlmRouterHealthIndicator thresholds', () => {
  test('a success rate between downSuccessRate and degradedSuccessRate is degraded; bad thresholds are rejected', async () => {
    const collector = new MetricsCollector();
    const router = new LlmRouter({ providers: [mockProvider('half', { errorRate: 0.5, seed: 7 })], circuitBreaker: false, metricsCollector: collector });
    try {
      await drive(router, 40);
      const rate = router.getAggregatedMetrics()[0]!.successRate;
      assert.ok(rate > 0.2 && rate < 0.8, `seeded success rate ${rate}`);
      const indicator = new LlmRouterHealthIndicator(router, { downSuccessRate: 0.1, degradedSuccessRate: 0.95 });
      const result = await indicator.isHealthy();
      assert.equal(result.llm.status, 'degraded');
      assert.equal(result.llm.providers.half!.status, 'degraded');
      assert.equal((await indicator.isHealthy('llm', { downSuccessRate: 0.9 })).llm.status, 'down');
      assert.equal((await indicator.isHealthy('llm', { downSuccessRate: 0, degradedSuccessRate: 0 })).llm.status, 'up');
      assert.throws(() => new LlmRouterHealthIndicator(router, { downSuccessRate: 0.9, degradedSuccessRate: 0.5 }), /downSuccessRate/);
      await assert.rejects(indicator.isHealthy('llm', { windowMs: 0 }), /windowMs/);
    } finally {
      await router.close();
      await collector.close();
    }
  });
});
