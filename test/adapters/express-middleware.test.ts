import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import { llmRouterMiddleware, type LlmRouterMiddlewareOptions } from '../../adapters/express/index.js';
import { ConfigurationError } from '../../lib/index.js';
import { MetricsCollector } from '../../lib/index.js';
import { LlmRouter } from '../../lib/index.js';
import type { LlmRouterOptions } from '../../lib/index.js';
import { drive, mockProvider } from './router-helpers.js';

type ExpressFactory = typeof express5;
const express4Name = 'express4';
const express4 = ((await import(express4Name)) as { default: ExpressFactory }).default;

const VERSIONS: Array<[string, ExpressFactory]> = [
  ['Express 4', express4],
  ['Express 5', express5],
];

const PROM_CONTENT_TYPE = /^text\/plain; version=0\.0\.4; charset=utf-8$/i;

interface HealthEntry {
  status: string;
  degraded?: boolean;
  usableProviders: number;
  windowMs: number;
  providers: Record<string, { status: string; circuit: string; reason?: string }>;
}

interface HealthBody {
  status: string;
  info: Record<string, HealthEntry>;
  error: Record<string, HealthEntry>;
  details: Record<string, HealthEntry>;
}

interface Harness {
  url: string;
  router: LlmRouter;
  collector: MetricsCollector;
}

for (const [label, express] of VERSIONS) {
  describe(`llmRouterMiddleware on ${label}`, () => {
    const cleanup: Array<() => Promise<void>> = [];
    after(async () => {
      for (const fn of cleanup.reverse()) await fn();
    });

    /** An Express app with a router on its own collector; `mount` installs the middleware and routes. */
    const start = async (
      mount: (app: ReturnType<ExpressFactory>, router: LlmRouter) => void,
      providers = [mockProvider('primary')],
      circuitBreaker?: LlmRouterOptions['circuitBreaker'],
    ): Promise<Harness> => {
      const collector = new MetricsCollector();
      const router = new LlmRouter({ providers, metricsCollector: collector, circuitBreaker });
      const app = express();
      mount(app, router);
      const server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      cleanup.push(async () => {
        const closed = new Promise((resolve) => server.close(resolve));
        server.closeAllConnections();
        await closed;
        await router.close();
        await collector.close();
      });
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, router, collector };
    };

    test('GET /metrics answers the Prometheus text of the router collector; other requests pass through', async () => {
      const { url, router, collector } = await start((app, router) => {
        app.use(express.json());
        app.use(llmRouterMiddleware({ router }));
        app.get('/hello', (_req, res) => {
          res.json({ hello: 'world' });
        });
        app.post('/metrics', (_req, res) => {
          res.status(202).send('posted');
        });
      });
      await drive(router, 2);
      const res = await fetch(`${url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', PROM_CONTENT_TYPE);
      const text = await res.text();
      assert.match(text, /^llm_router_requests_total\{[^}]*provider="primary"[^}]*\} 2$/m);
      assert.match(text, /^# TYPE llm_router_tokens_total counter$/m);
      assert.equal(text, await collector.exportMetricsPrometheus());
      assert.equal((await fetch(`${url}/metrics/?x=1`)).status, 200, 'a trailing slash and a query are accepted');

      const head = await fetch(`${url}/metrics`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.match(head.headers.get('content-type') ?? '', PROM_CONTENT_TYPE);
      assert.equal(await head.text(), '');

      assert.deepEqual(await (await fetch(`${url}/hello`)).json(), { hello: 'world' });
      const posted = await fetch(`${url}/metrics`, { method: 'POST' });
      assert.equal(posted.status, 202, 'other methods go to next()');
      assert.equal(await posted.text(), 'posted');
      assert.equal((await fetch(`${url}/metrics/more`)).status, 404);
      assert.equal((await fetch(`${url}/stats`)).status, 404, 'no stats route unless asked');
    });

    test('OpenMetrics when the Accept header asks for it', async () => {
      const { url, router } = await start((app, router) => app.use(llmRouterMiddleware({ router })));
      await drive(router, 1);
      const res = await fetch(`${url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/openmetrics-text; version=1\.0\.0; charset=utf-8$/i);
      assert.ok((await res.text()).endsWith('# EOF\n'));
    });

    test('a custom path, under a mount point', async () => {
      const { url } = await start((app, router) => app.use('/ops', llmRouterMiddleware({ router, path: 'prom' })));
      assert.equal((await fetch(`${url}/ops/prom`)).status, 200);
      assert.equal((await fetch(`${url}/prom`)).status, 404);
      assert.equal((await fetch(`${url}/ops/metrics`)).status, 404);
    });

    test('auth.bearerToken: 401 with a challenge, 200 with the token', async () => {
      const { url, router } = await start((app, router) => app.use(llmRouterMiddleware({ router, auth: { bearerToken: 'tok-123' }, stats: true })));
      for (const authorization of [undefined, 'Bearer tok-12', 'Bearer tok-1234', 'Token tok-123']) {
        const res = await fetch(`${url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
        assert.equal(res.status, 401);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics"');
        assert.deepEqual(await res.json(), { statusCode: 401, message: 'Unauthorized' });
      }
      assert.equal((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer tok-123' } })).status, 200);
      assert.equal((await fetch(`${url}/stats`)).status, 401);
      assert.equal((await fetch(`${url}/stats`, { headers: { authorization: 'Bearer tok-123' } })).status, 200);
      for (const bearerToken of ['', 'has space']) {
        assert.throws(() => llmRouterMiddleware({ router, auth: { bearerToken: bearerToken as string } }), ConfigurationError);
      }
    });

    test('a mistyped option name is a ConfigurationError naming it: a misspelt bearerToken never serves the metrics unprotected', async () => {
      const router = new LlmRouter({ providers: [mockProvider('x')] });
      try {
        const cases: Array<[object, string, RegExp]> = [
          [{ auth: { bearertoken: 'tok-123' } }, 'auth.bearertoken', /is not an option of auth \(its options: bearerToken\)/],
          [{ auth: { token: 'tok-123' } }, 'auth.token', /auth \(its options: bearerToken\)/],
          [{ metricsPath: '/m' }, 'metricsPath', /is not an option of llmRouterMiddleware \(its options: router, path, collector, metadataLabels, auth, stats, health\)/],
          [{ stats: { pathh: '/s' } }, 'stats.pathh', /stats \(its options: path\)/],
          [{ health: { windowMS: 5_000 } }, 'health.windowMS', /is not an option of health \(its options: path, key, windowMs,/],
        ];
        for (const [extra, field, message] of cases) {
          assert.throws(() => llmRouterMiddleware({ router, ...extra } as LlmRouterMiddlewareOptions), (e: unknown) => e instanceof ConfigurationError && e.field === field && message.test(e.message), field);
        }
        const middleware = llmRouterMiddleware({ router, path: undefined, auth: { bearerToken: undefined }, health: { path: '/h', windowMs: undefined } });
        middleware.close();
      } finally {
        await router.close();
      }
    });

    test('auth as a function: 403 when it refuses, errors go to the error handler', async () => {
      const { url } = await start((app, router) => {
        app.use(
          llmRouterMiddleware({
            router,
            auth: async (req) => {
              if (req.headers['x-fail'] !== undefined) throw new Error('auth backend down');
              return req.headers['x-role'] === 'scraper';
            },
          }),
        );
        app.use((error: Error, _req: unknown, res: { status(n: number): { send(s: string): void } }, _next: unknown) => {
          res.status(500).send(`handled: ${error.message}`);
        });
      });
      assert.equal((await fetch(`${url}/metrics`)).status, 403);
      assert.equal((await fetch(`${url}/metrics`, { headers: { 'x-role': 'scraper' } })).status, 200);
      const failed = await fetch(`${url}/metrics`, { headers: { 'x-fail': '1' } });
      assert.equal(failed.status, 500);
      assert.equal(await failed.text(), 'handled: auth backend down');
    });

    test('stats route: aggregated metrics, comparison, summary and circuit states as JSON', async () => {
      const { url, router } = await start(
        (app, router) => app.use(llmRouterMiddleware({ router, stats: { path: '/llm-stats' } })),
        [mockProvider('flaky', { errorRate: 1 }), mockProvider('steady')],
      );
      await drive(router, 3);
      const res = await fetch(`${url}/llm-stats?windowMs=30000`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/);
      const stats = (await res.json()) as {
        windowMs: number;
        summary: { totalRequests: number; failedRequests: number; providers: string[] };
        aggregated: Array<{ provider: string; totalRequests: number; successRate: number }>;
        comparison: Array<{ provider: string; successRate: number }>;
        providers: Array<{ name: string; state: string }>;
      };
      assert.equal(stats.windowMs, 30000);
      assert.equal(stats.summary.totalRequests, 6);
      assert.equal(stats.summary.failedRequests, 3);
      assert.deepEqual(stats.summary.providers.slice().sort(), ['flaky', 'steady']);
      assert.deepEqual(
        stats.comparison.map((c) => [c.provider, c.successRate]),
        [
          ['steady', 1],
          ['flaky', 0],
        ],
      );
      assert.deepEqual(
        stats.providers.map((p) => p.name),
        ['flaky', 'steady'],
      );
      assert.equal((await fetch(`${url}/llm-stats?windowMs=abc`)).status, 400);
      assert.equal((await fetch(`${url}/llm-stats?windowMs=300000`)).status, 200, "the collector's maxWindowMs itself is accepted");
      const tooLong = await fetch(`${url}/llm-stats?windowMs=300001`);
      assert.equal(tooLong.status, 400, 'a window past maxWindowMs is a bad request, not a 500');
      assert.deepEqual(await tooLong.json(), { statusCode: 400, message: "windowMs must be at most 300000 (the collector's maxWindowMs); got 300001" });
    });

    test("stats route: windowMs is checked against the served collector's maxWindowMs", async () => {
      const short = new MetricsCollector({ maxWindowMs: 10_000 });
      const off = new MetricsCollector({ maxWindowMs: 0 });
      const mounted: Array<ReturnType<typeof llmRouterMiddleware>> = [];
      const { url, router } = await start((app, router) => {
        mounted.push(llmRouterMiddleware({ router, collector: short, stats: true }), llmRouterMiddleware({ router, collector: off, stats: true }));
        app.use('/short', mounted[0]!);
        app.use('/off', mounted[1]!);
      });
      try {
        await drive(router, 1);
        const within = await fetch(`${url}/short/stats?windowMs=10000`);
        assert.equal(within.status, 200);
        assert.equal(((await within.json()) as { aggregated: unknown[] }).aggregated.length, 1);
        const past = await fetch(`${url}/short/stats?windowMs=10001`);
        assert.equal(past.status, 400);
        assert.match(((await past.json()) as { message: string }).message, /^windowMs must be at most 10000 \(the collector's maxWindowMs\); got 10001$/);
        const noWindows = await fetch(`${url}/off/stats?windowMs=1`);
        assert.equal(noWindows.status, 400);
        assert.match(((await noWindows.json()) as { message: string }).message, /^windowMs is not available: .*maxWindowMs: 0/);
        assert.equal((await fetch(`${url}/off/stats`)).status, 200, 'without windowMs the stats cover everything recorded');
      } finally {
        for (const m of mounted) m.close();
        await short.close();
        await off.close();
      }
    });

    test('health route: up, then degraded (200) once a circuit opens, down (503) when none serves; terminus shape, not behind auth', async () => {
      const { url, router } = await start(
        (app, router) => app.use(llmRouterMiddleware({ router, auth: { bearerToken: 'tok-123' }, health: true })),
        [mockProvider('primary', { errorRate: 1 }), mockProvider('backup')],
        { failureThreshold: 1, cooldownMs: 600_000 },
      );
      const up = await fetch(`${url}/health`);
      assert.equal(up.status, 200, 'no token needed');
      assert.match(up.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/);
      const upBody = (await up.json()) as HealthBody;
      assert.deepEqual(Object.keys(upBody), ['status', 'info', 'error', 'details']);
      assert.equal(upBody.status, 'ok');
      assert.deepEqual(upBody.error, {});
      assert.deepEqual(upBody.info, upBody.details);
      assert.equal(upBody.details.llm!.status, 'up');
      assert.equal(upBody.details.llm!.windowMs, 60_000);
      assert.deepEqual(Object.keys(upBody.details.llm!.providers), ['primary', 'backup']);
      assert.equal((await fetch(`${url}/metrics`)).status, 401, 'the metrics route keeps its protection');

      await drive(router, 1);
      const degraded = await fetch(`${url}/health`);
      assert.equal(degraded.status, 200);
      const degradedBody = (await degraded.json()) as HealthBody;
      assert.equal(degradedBody.status, 'degraded');
      assert.equal(degradedBody.info.llm!.status, 'degraded');
      assert.equal(degradedBody.details.llm!.usableProviders, 1);
      assert.deepEqual(
        Object.values(degradedBody.details.llm!.providers).map((p) => [p.status, p.circuit, p.reason]),
        [
          ['down', 'open', 'circuit open'],
          ['up', 'closed', undefined],
        ],
      );

      const failing = await start(
        (app, router) => app.use(llmRouterMiddleware({ router, health: true })),
        [mockProvider('one', { errorRate: 1 }), mockProvider('two', { errorRate: 1, errorStatus: 500 })],
        { failureThreshold: 1, cooldownMs: 600_000 },
      );
      await drive(failing.router, 1);
      const down = await fetch(`${failing.url}/health/`);
      assert.equal(down.status, 503);
      const downBody = (await down.json()) as HealthBody;
      assert.equal(downBody.status, 'error');
      assert.deepEqual(downBody.info, {});
      assert.equal(downBody.error.llm!.status, 'down');
      assert.equal(downBody.details.llm!.usableProviders, 0);
      const head = await fetch(`${failing.url}/health`, { method: 'HEAD' });
      assert.equal(head.status, 503);
      assert.equal(await head.text(), '');
    });

    test('health route: path, key and thresholds from the options; the success rate comes from the served collector', async () => {
      const served = new MetricsCollector();
      const router = new LlmRouter({ providers: [mockProvider('flaky', { errorRate: 1 }), mockProvider('steady')], circuitBreaker: false, metricsEnabled: false });
      let middleware: ReturnType<typeof llmRouterMiddleware> | undefined;
      const { url } = await start((app) => {
        middleware = llmRouterMiddleware({
          router,
          collector: served,
          health: { path: '/ops/health', key: 'llm-router', minRequests: 2, windowMs: 30_000, degradedStatus: 'up' },
        });
        app.use(middleware);
      });
      try {
        await drive(router, 1);
        const early = (await (await fetch(`${url}/ops/health`)).json()) as HealthBody;
        assert.equal(early.details['llm-router']!.status, 'up', 'fewer than minRequests attempts are not judged');
        assert.equal(early.details['llm-router']!.windowMs, 30_000);
        await drive(router, 1);
        const res = await fetch(`${url}/ops/health`);
        assert.equal(res.status, 200);
        const body = (await res.json()) as HealthBody;
        assert.equal(body.status, 'ok', "degradedStatus: 'up' reports a degraded router as up");
        const entry = body.details['llm-router']!;
        assert.equal(entry.status, 'up');
        assert.equal(entry.degraded, true);
        assert.deepEqual(entry.providers.flaky, {
          status: 'down',
          circuit: 'closed',
          requests: 2,
          failed: 2,
          successRate: 0,
          latencyEwmaMs: null,
          inFlight: 0,
          reason: 'success rate 0 < 0.5',
        });
        assert.equal((await fetch(`${url}/health`)).status, 404);
      } finally {
        middleware?.close();
        await router.close();
        await served.close();
      }
    });

    test('a collector of its own is attached to the router and detached by close()', async () => {
      const extra = new MetricsCollector();
      let middleware: ReturnType<typeof llmRouterMiddleware> | undefined;
      const { url, router, collector } = await start((app, router) => {
        middleware = llmRouterMiddleware({ router, collector: extra });
        app.use(middleware);
      });
      assert.equal(middleware!.collector, extra);
      await drive(router, 2);
      assert.match(await (await fetch(`${url}/metrics`)).text(), /^llm_router_requests_total\{[^}]*\} 2$/m);
      middleware!.close();
      middleware!.close();
      await drive(router, 1);
      assert.equal(extra.getMetrics().length, 2, 'detached: nothing more recorded');
      assert.equal(collector.getMetrics().length, 3, 'the router keeps its own collector');
      assert.equal((await fetch(`${url}/metrics`)).status, 200, 'still serves what it holds');
      await extra.close();
    });

    test('the router own collector is served without a second subscription', async () => {
      let middleware: ReturnType<typeof llmRouterMiddleware> | undefined;
      const { router, collector } = await start((app, router) => {
        middleware = llmRouterMiddleware({ router });
        app.use(middleware);
      });
      assert.equal(middleware!.collector, collector);
      await drive(router, 1);
      assert.equal(collector.getMetrics().length, 1, 'one record per attempt, not two');
      middleware!.close();
      await drive(router, 1);
      assert.equal(collector.getMetrics().length, 2, 'close() leaves the router subscription alone');
    });

    test('invalid options throw a ConfigurationError naming the field; a router without metrics needs a collector', async () => {
      const router = new LlmRouter({ providers: [mockProvider('x')], metricsEnabled: false });
      try {
        assert.throws(() => llmRouterMiddleware({ router }), (e: unknown) => e instanceof ConfigurationError && e.field === 'collector');
        const collector = new MetricsCollector();
        assert.throws(() => llmRouterMiddleware({ router, collector, path: 'm#x' }), (e: unknown) => e instanceof ConfigurationError && e.field === 'path');
        assert.throws(() => llmRouterMiddleware({ router, collector, stats: 'yes' as never }), (e: unknown) => e instanceof ConfigurationError && e.field === 'stats');
        for (const stats of [{ path: '/metrics' }, { path: 'metrics/' }]) {
          assert.throws(() => llmRouterMiddleware({ router, collector, stats }), (e: unknown) => e instanceof ConfigurationError && e.field === 'stats.path' && /must differ from the metrics path/.test(e.message));
        }
        assert.throws(() => llmRouterMiddleware({ router, collector, auth: 42 as never }), (e: unknown) => e instanceof ConfigurationError && e.field === 'auth');
        assert.throws(() => llmRouterMiddleware({ router: {} as never }), (e: unknown) => e instanceof ConfigurationError && e.field === 'router');
        const healthCases: Array<[LlmRouterMiddlewareOptions['health'], string]> = [
          ['yes' as never, 'health'],
          [{ path: '/metrics' }, 'health.path'],
          [{ key: '' }, 'health.key'],
          [{ minRequests: 0 }, 'health.minRequests'],
          [{ downSuccessRate: 0.95 }, 'health.downSuccessRate'],
          [{ windowMs: 300_001 }, 'health.windowMs'],
        ];
        for (const [health, field] of healthCases) {
          assert.throws(() => llmRouterMiddleware({ router, collector, health }), (e: unknown) => e instanceof ConfigurationError && e.field === field, field);
        }
        const noWindows = new MetricsCollector({ maxWindowMs: 0 });
        assert.throws(() => llmRouterMiddleware({ router, collector: noWindows, health: true }), /health\.windowMs.*maxWindowMs: 0/);
        noWindows.close();
        assert.equal(collector.getMetrics().length, 0);
        collector.close();
      } finally {
        await router.close();
      }
    });
  });
}
