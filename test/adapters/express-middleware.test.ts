import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import { llmRouterMiddleware } from '../../adapters/express/index.js';
import { ConfigurationError } from '../../lib/errors/llm-router-error.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { LlmRouter } from '../../lib/router/llm-router.js';
import { drive, mockProvider } from './router-helpers.js';

type ExpressFactory = typeof express5;
const express4Name = 'express4';
const express4 = ((await import(express4Name)) as { default: ExpressFactory }).default;

const VERSIONS: Array<[string, ExpressFactory]> = [
  ['Express 4', express4],
  ['Express 5', express5],
];

const PROM_CONTENT_TYPE = /^text\/plain; version=0\.0\.4; charset=utf-8$/i;

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
    const start = async (mount: (app: ReturnType<ExpressFactory>, router: LlmRouter) => void, providers = [mockProvider('primary')]): Promise<Harness> => {
      const collector = new MetricsCollector();
      const router = new LlmRouter({ providers, metricsCollector: collector });
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
      for (const bearerToken of ['', 'has space', undefined]) {
        assert.throws(() => llmRouterMiddleware({ router, auth: { bearerToken: bearerToken as string } }), ConfigurationError);
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
        assert.throws(() => llmRouterMiddleware({ router, collector, auth: 42 as never }), (e: unknown) => e instanceof ConfigurationError && e.field === 'auth');
        assert.throws(() => llmRouterMiddleware({ router: {} as never }), (e: unknown) => e instanceof ConfigurationError && e.field === 'router');
        assert.equal(collector.getMetrics().length, 0);
        collector.close();
      } finally {
        await router.close();
      }
    });
  });
}
