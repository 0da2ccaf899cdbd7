import 'reflect-metadata';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  Module,
} from '@nestjs/common';
import { of } from 'rxjs';
import { NestFactory } from '@nestjs/core';
import { LLM_METRICS_COLLECTOR, LLM_ROUTER_OPTIONS, LlmRouterModule, type LlmRouterModuleOptions, type LlmRouterOptionsFactory } from '../../adapters/nestjs/index.js';
import { ConfigurationError } from '../../lib/index.js';
import { MetricsCollector } from '../../lib/index.js';
import { LlmRouter } from '../../lib/index.js';
import { ChatController, PLATFORMS, type RunningApp, makeModule, mockProvider, postChat, startNest } from './nest-helpers.js';

const PROM_CONTENT_TYPE = /^text\/plain; version=0\.0\.4; charset=utf-8$/i;
const OPENMETRICS_ACCEPT = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

function routerOptions(extra: Partial<LlmRouterModuleOptions> = {}): LlmRouterModuleOptions {
  return { providers: [mockProvider('primary')], ...extra };
}

@Injectable()
class AdminKeys {
  readonly key = 'let-me-in';
}

/** A user guard with a dependency of its own, provided by the application module. */
@Injectable()
class AdminGuard implements CanActivate {
  constructor(private readonly keys: AdminKeys) {}

  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-admin-key'] === this.keys.key;
  }
}

/** A guard no module provides, answering through an Observable. */
class HeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext) {
    return of(context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-scraper'] === 'prometheus');
  }
}

@Injectable()
class LlmConfigService implements LlmRouterOptionsFactory {
  readonly metricsPath = '/ops/llm-metrics';

  createLlmRouterOptions(): LlmRouterModuleOptions {
    return routerOptions({ providers: [mockProvider('configured')], metrics: { path: this.metricsPath } });
  }
}

@Module({ providers: [LlmConfigService], exports: [LlmConfigService] })
class LlmConfigModule {}

for (const platform of PLATFORMS) {
  describe(`LlmRouterModule on the ${platform} platform`, () => {
    const running: RunningApp[] = [];
    const start = async (metadata: Parameters<typeof makeModule>[0]): Promise<RunningApp> => {
      const app = await startNest(makeModule(metadata), platform);
      running.push(app);
      return app;
    };
    after(async () => {
      await Promise.all(running.map((r) => r.app.close()));
    });

    test('forRoot: LlmRouter is injectable by class and /metrics serves the llm_router_* families', async () => {
      const { app, url } = await start({ imports: [LlmRouterModule.forRoot(routerOptions())], controllers: [ChatController] });
      const reply = await postChat(url, 'ping');
      assert.equal(reply.provider, 'primary');
      assert.match(reply.content ?? '', /ping/);

      const router = app.get(LlmRouter);
      assert.ok(router instanceof LlmRouter);
      const collector = app.get<MetricsCollector>(LLM_METRICS_COLLECTOR);
      assert.ok(collector instanceof MetricsCollector);
      assert.equal(router.getMetricsCollector(), collector, 'the router records into the module collector');

      const res = await fetch(`${url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', PROM_CONTENT_TYPE);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const text = await res.text();
      for (const family of [
        'llm_router_requests_total',
        'llm_router_requests_success',
        'llm_router_requests_failed',
        'llm_router_success_rate',
        'llm_router_latency_ms',
        'llm_router_tokens_total',
        'llm_router_request_duration_seconds',
      ]) {
        assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), `family ${family}`);
      }
      assert.match(text, /^llm_router_requests_total\{[^}]*provider="primary"[^}]*\} 1$/m);
      assert.equal(text, await collector.exportMetricsPrometheus());
    });

    test('the metrics route answers OpenMetrics when the Accept header asks for it', async () => {
      const { url } = await start({ imports: [LlmRouterModule.forRoot(routerOptions())], controllers: [ChatController] });
      await postChat(url);
      const res = await fetch(`${url}/metrics`, { headers: { accept: OPENMETRICS_ACCEPT } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/openmetrics-text; version=1\.0\.0; charset=utf-8$/i);
      const text = await res.text();
      assert.match(text, /^# TYPE llm_router_requests counter$/m);
      assert.ok(text.endsWith('# EOF\n'), 'OpenMetrics ends with # EOF');

      const plain = await fetch(`${url}/metrics`, { headers: { accept: 'text/plain' } });
      assert.match(plain.headers.get('content-type') ?? '', PROM_CONTENT_TYPE);
      assert.ok(!(await plain.text()).includes('# EOF'));
    });

    test('metrics.path moves the route; the default path is then unknown', async () => {
      const { url } = await start({ imports: [LlmRouterModule.forRoot(routerOptions({ metrics: { path: 'internal/prom/' } }))] });
      assert.equal((await fetch(`${url}/internal/prom`)).status, 200);
      assert.equal((await fetch(`${url}/metrics`)).status, 404);
    });

    test('metrics.enabled: false maps no route (forRoot and forRootAsync)', async () => {
      const sync = await start({ imports: [LlmRouterModule.forRoot(routerOptions({ metrics: { enabled: false } }))], controllers: [ChatController] });
      await postChat(sync.url);
      assert.equal((await fetch(`${sync.url}/metrics`)).status, 404);
      assert.equal(sync.app.get(LlmRouter).getMetrics().length, 1, 'metrics are still recorded');

      const async = await start({
        imports: [LlmRouterModule.forRootAsync({ useFactory: () => routerOptions({ metrics: { enabled: false, bearerToken: 'x' } }) })],
      });
      const res = await fetch(`${async.url}/metrics`);
      assert.equal(res.status, 404, 'unmapped, so neither 401 nor 200');
    });

    test('metricsEnabled: false provides no collector and maps no metrics route', async () => {
      const { app, url } = await start({ imports: [LlmRouterModule.forRoot(routerOptions({ metricsEnabled: false }))], controllers: [ChatController] });
      await postChat(url);
      assert.equal(app.get(LLM_METRICS_COLLECTOR), undefined);
      assert.equal(app.get(LlmRouter).getMetricsCollector(), undefined);
      assert.equal((await fetch(`${url}/metrics`)).status, 404);

      const forced = await start({ imports: [LlmRouterModule.forRoot(routerOptions({ metricsEnabled: false, metrics: { enabled: true } }))] });
      const res = await fetch(`${forced.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', PROM_CONTENT_TYPE);
      assert.equal(await res.text(), '', 'nothing recorded, nothing exported');
    });

    test('metrics.bearerToken: 401 with a challenge without or with a wrong token, 200 with it', async () => {
      const token = 's3cr3t-scrape-token';
      const { url } = await start({ imports: [LlmRouterModule.forRoot(routerOptions({ metrics: { bearerToken: token, stats: true } }))] });
      for (const authorization of [undefined, 'Bearer wrong', `Basic ${token}`, `Bearer ${token}x`, 'Bearer']) {
        const res = await fetch(`${url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
        assert.equal(res.status, 401, `authorization ${authorization}`);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics"');
        const body = await res.text();
        assert.ok(!body.includes(token));
      }
      const ok = await fetch(`${url}/metrics`, { headers: { authorization: `bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.equal((await fetch(`${url}/stats`)).status, 401, 'the stats route is protected too');
      assert.equal((await fetch(`${url}/stats`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    });

    test('metrics.guard: a user guard class resolved from the container (with its own dependency) answers 403 or lets through', async () => {
      const { url } = await start({
        imports: [LlmRouterModule.forRoot(routerOptions({ metrics: { guard: AdminGuard } }))],
        providers: [AdminKeys, AdminGuard],
      });
      assert.equal((await fetch(`${url}/metrics`)).status, 403);
      assert.equal((await fetch(`${url}/metrics`, { headers: { 'x-admin-key': 'nope' } })).status, 403);
      assert.equal((await fetch(`${url}/metrics`, { headers: { 'x-admin-key': 'let-me-in' } })).status, 200);
    });

    test('metrics.guard: an unregistered guard class (Observable verdict) and a guard instance, after the bearer check', async () => {
      const byClass = await start({ imports: [LlmRouterModule.forRoot(routerOptions({ metrics: { guard: HeaderGuard } }))] });
      assert.equal((await fetch(`${byClass.url}/metrics`)).status, 403);
      assert.equal((await fetch(`${byClass.url}/metrics`, { headers: { 'x-scraper': 'prometheus' } })).status, 200);

      const seen: string[] = [];
      const instance: CanActivate = {
        canActivate: async (context) => {
          seen.push(context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers.authorization ?? '');
          return true;
        },
      };
      const both = await start({ imports: [LlmRouterModule.forRoot(routerOptions({ metrics: { guard: instance, bearerToken: 'tok' } }))] });
      assert.equal((await fetch(`${both.url}/metrics`)).status, 401);
      assert.deepEqual(seen, [], 'the user guard runs only once the bearer check passed');
      assert.equal((await fetch(`${both.url}/metrics`, { headers: { authorization: 'Bearer tok' } })).status, 200);
      assert.deepEqual(seen, ['Bearer tok']);
    });

    test('metrics.stats serves aggregated metrics, provider comparison and circuit states as JSON', async () => {
      const { url } = await start({
        imports: [LlmRouterModule.forRoot(routerOptions({ providers: [mockProvider('a'), mockProvider('b')], metrics: { stats: { path: '/llm/stats' } } }))],
        controllers: [ChatController],
      });
      await postChat(url);
      await postChat(url);
      const res = await fetch(`${url}/llm/stats`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const stats = (await res.json()) as {
        windowMs: number | null;
        summary: { totalRequests: number; successRate: number; providers: string[] };
        aggregated: Array<{ provider: string; model: string; totalRequests: number }>;
        comparison: Array<{ provider: string }>;
        providers: Array<{ name: string; state: string }>;
      };
      assert.equal(stats.windowMs, null);
      assert.equal(stats.summary.totalRequests, 2);
      assert.equal(stats.summary.successRate, 1);
      assert.deepEqual(
        stats.aggregated.map((a) => [a.provider, a.model, a.totalRequests]),
        [['a', 'mock-small', 2]],
      );
      assert.equal(stats.comparison[0]!.provider, 'a');
      assert.deepEqual(
        stats.providers.map((p) => [p.name, p.state]),
        [
          ['a', 'closed'],
          ['b', 'closed'],
        ],
      );
      const windowed = (await (await fetch(`${url}/llm/stats?windowMs=60000`)).json()) as { windowMs: number; aggregated: unknown[] };
      assert.equal(windowed.windowMs, 60000);
      assert.equal(windowed.aggregated.length, 1);
      assert.equal((await fetch(`${url}/llm/stats?windowMs=-5`)).status, 400);
      assert.equal((await fetch(`${url}/llm/stats?windowMs=300000`)).status, 200, "the collector's maxWindowMs itself is accepted");
      const tooLong = await fetch(`${url}/llm/stats?windowMs=300001`);
      assert.equal(tooLong.status, 400, 'a window past maxWindowMs is a bad request, not a 500');
      assert.deepEqual(await tooLong.json(), {
        statusCode: 400,
        error: 'Bad Request',
        message: "windowMs must be at most 300000 (the collector's maxWindowMs); got 300001",
      });
      assert.equal((await fetch(`${url}/stats`)).status, 404);
    });

    test("metrics.stats checks windowMs against the module collector's maxWindowMs", async () => {
      const collector = new MetricsCollector({ maxWindowMs: 10_000 });
      const { app, url } = await startNest(makeModule({ imports: [LlmRouterModule.forRoot(routerOptions({ metricsCollector: collector, metrics: { stats: true } }))] }), platform);
      try {
        assert.equal((await fetch(`${url}/stats?windowMs=10000`)).status, 200);
        const past = await fetch(`${url}/stats?windowMs=10001`);
        assert.equal(past.status, 400);
        assert.equal(((await past.json()) as { message: string }).message, "windowMs must be at most 10000 (the collector's maxWindowMs); got 10001");
      } finally {
        await app.close();
        collector.close();
      }
    });

    test('forRootAsync with useFactory, imports and inject', async () => {
      const { app, url } = await start({
        imports: [
          LlmRouterModule.forRootAsync({
            imports: [LlmConfigModule],
            inject: [LlmConfigService],
            useFactory: async (config: LlmConfigService) => ({ ...config.createLlmRouterOptions(), metrics: { path: '/factory-metrics' } }),
          }),
        ],
        controllers: [ChatController],
      });
      assert.equal((await postChat(url)).provider, 'configured');
      assert.equal((await fetch(`${url}/factory-metrics`)).status, 200);
      assert.equal((await fetch(`${url}/metrics`)).status, 404);
      assert.equal(app.get<LlmRouterModuleOptions>(LLM_ROUTER_OPTIONS).metrics?.path, '/factory-metrics');
    });

    test('forRootAsync with useClass', async () => {
      const { url } = await start({ imports: [LlmRouterModule.forRootAsync({ useClass: LlmConfigService })], controllers: [ChatController] });
      assert.equal((await postChat(url)).provider, 'configured');
      assert.equal((await fetch(`${url}/ops/llm-metrics`)).status, 200);
    });

    test('forRootAsync with useExisting', async () => {
      const { url } = await start({
        imports: [LlmRouterModule.forRootAsync({ imports: [LlmConfigModule], useExisting: LlmConfigService })],
        controllers: [ChatController],
      });
      assert.equal((await postChat(url)).provider, 'configured');
      const text = await (await fetch(`${url}/ops/llm-metrics`)).text();
      assert.match(text, /^llm_router_requests_total\{[^}]*provider="configured"[^}]*\} 1$/m);
    });

    test('invalid options fail when the module is defined, naming the field', () => {
      assert.throws(() => LlmRouterModule.forRoot(routerOptions({ metrics: { path: '/metrics?x' } })), (e: unknown) => e instanceof ConfigurationError && e.field === 'metrics.path');
      assert.throws(() => LlmRouterModule.forRoot(routerOptions({ metrics: { stats: { path: 'a b' } } })), (e: unknown) => e instanceof ConfigurationError && e.field === 'metrics.stats.path');
      assert.throws(
        () => LlmRouterModule.forRoot(routerOptions({ metrics: { path: '/ops', stats: { path: '/ops/' } } })),
        (e: unknown) => e instanceof ConfigurationError && e.field === 'metrics.stats.path' && /must differ from the metrics path/.test(e.message),
      );
    });

    test('a mistyped option name of the module is a ConfigurationError naming it: a misspelt bearerToken never serves the metrics unprotected', async () => {
      const cases: Array<[Partial<LlmRouterModuleOptions>, string]> = [
        [{ metrics: { bearertoken: 'tok-123' } as never }, 'metrics.bearertoken'],
        [{ metrics: { paht: '/m' } as never }, 'metrics.paht'],
        [{ metrics: { stats: { pathh: '/s' } as never } }, 'metrics.stats.pathh'],
        [{ health: { minRequest: 3 } as never }, 'health.minRequest'],
      ];
      for (const [extra, field] of cases) {
        assert.throws(() => LlmRouterModule.forRoot(routerOptions(extra)), (e: unknown) => e instanceof ConfigurationError && e.field === field && /is not an option of/.test(e.message), field);
      }
      assert.throws(
        () => LlmRouterModule.forRootAsync({ useFactory: () => routerOptions(), global: true } as never),
        (e: unknown) => e instanceof ConfigurationError && e.field === 'LlmRouterModule.forRootAsync(options).global' && /did you mean isGlobal\?|its options: .*isGlobal/.test(e.message),
      );
      for (const [extra, field] of [
        [{ metrics: { bearertoken: 'tok-123' } }, 'metrics.bearertoken'],
        [{ openTelemetry: { captureContents: true } }, 'options.captureContents'],
      ] as const) {
        await assert.rejects(
          NestFactory.createApplicationContext(makeModule({ imports: [LlmRouterModule.forRootAsync({ useFactory: () => routerOptions(extra as never) })] }), { logger: false, abortOnError: false }),
          (e: unknown) => e instanceof ConfigurationError && e.field === field,
          field,
        );
      }
    });

    test('forRootAsync rejects options without exactly one source', () => {
      assert.throws(() => LlmRouterModule.forRootAsync({}), /exactly one of useFactory, useClass, useExisting/);
      assert.throws(
        () => LlmRouterModule.forRootAsync({ useClass: LlmConfigService, useExisting: LlmConfigService }),
        /exactly one of useFactory, useClass, useExisting/,
      );
    });

    test('isGlobal: a feature module injects LlmRouter without importing the module', async () => {
      @Controller('feature')
      class FeatureController {
        constructor(private readonly router: LlmRouter) {}

        @Get()
        providers(): string[] {
          return this.router.providerNames;
        }
      }
      @Module({ controllers: [FeatureController] })
      class FeatureModule {}

      const { url } = await start({
        imports: [LlmRouterModule.forRootAsync({ isGlobal: true, useFactory: () => routerOptions({ providers: [mockProvider('global')] }) }), FeatureModule],
      });
      const res = await fetch(`${url}/feature`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), ['global']);
    });

    test('two applications in one process serve different paths from collectors of their own', async () => {
      const first = await start({ imports: [LlmRouterModule.forRoot(routerOptions({ metrics: { path: '/first' } }))], controllers: [ChatController] });
      const second = await start({
        imports: [LlmRouterModule.forRoot(routerOptions({ providers: [mockProvider('other')], metrics: { path: '/second' } }))],
        controllers: [ChatController],
      });
      await postChat(first.url);
      await postChat(second.url);
      await postChat(second.url);
      assert.equal((await fetch(`${first.url}/second`)).status, 404);
      assert.equal((await fetch(`${second.url}/first`)).status, 404);
      const a = await (await fetch(`${first.url}/first`)).text();
      const b = await (await fetch(`${second.url}/second`)).text();
      assert.match(a, /^llm_router_requests_total\{[^}]*provider="primary"[^}]*\} 1$/m);
      assert.doesNotMatch(a, /provider="other"/);
      assert.match(b, /^llm_router_requests_total\{[^}]*provider="other"[^}]*\} 2$/m);
      assert.doesNotMatch(b, /provider="primary"/);
      assert.notEqual(first.app.get(LLM_METRICS_COLLECTOR), second.app.get(LLM_METRICS_COLLECTOR));
    });

    test('two registrations in one application keep their own routers and paths', async () => {
      @Module({ imports: [LlmRouterModule.forRoot(routerOptions({ providers: [mockProvider('left')], metrics: { path: '/left' } }))] })
      class LeftModule {}
      @Module({ imports: [LlmRouterModule.forRoot(routerOptions({ providers: [mockProvider('right')], metrics: { path: '/right' } }))] })
      class RightModule {}
      const { url } = await start({ imports: [LeftModule, RightModule] });
      assert.equal((await fetch(`${url}/left`)).status, 200);
      assert.equal((await fetch(`${url}/right`)).status, 200);
    });

    test('a metricsCollector passed in options is used, and stays open when the application closes', async () => {
      const collector = new MetricsCollector();
      const { app, url } = await startNest(makeModule({ imports: [LlmRouterModule.forRoot(routerOptions({ metricsCollector: collector }))], controllers: [ChatController] }), platform);
      assert.equal(app.get(LLM_METRICS_COLLECTOR), collector);
      await postChat(url);
      await app.close();
      assert.equal(collector.getMetrics().length, 1);
      assert.match(await collector.exportMetricsPrometheus(), /^llm_router_requests_total\{[^}]*\} 1$/m);
      await collector.close();
    });
  });
}
