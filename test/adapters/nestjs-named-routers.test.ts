import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, Get, Inject } from '@nestjs/common';
import {
  getLlmRouterHealthIndicatorToken,
  getLlmRouterToken,
  getMetricsCollectorToken,
  InjectLlmRouter,
  InjectLlmRouterHealthIndicator,
  InjectMetricsCollector,
  LlmRouterHealthIndicator,
  LlmRouterModule,
} from '../../adapters/nestjs/index.js';
import { ConfigurationError, LlmRouter, MetricsCollector } from '../../lib/index.js';
import { makeModule, mockProvider, PLATFORMS, type RunningApp, startNest } from './nest-helpers.js';

@Controller('which')
class TwoRoutersController {
  constructor(
    private readonly main: LlmRouter,
    @InjectLlmRouter('billing') private readonly billing: LlmRouter,
    private readonly mainCollector: MetricsCollector,
    @InjectMetricsCollector('billing') private readonly billingCollector: MetricsCollector,
    private readonly mainHealth: LlmRouterHealthIndicator,
    @InjectLlmRouterHealthIndicator('billing') private readonly billingHealth: LlmRouterHealthIndicator,
  ) {}

  @Get()
  async which(): Promise<Record<string, unknown>> {
    const ask = (r: LlmRouter) => r.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
    const [a, b] = [await ask(this.main), await ask(this.billing)];
    return {
      main: a.provider,
      billing: b.provider,
      sameRouter: this.main === this.billing,
      sameCollector: this.mainCollector === this.billingCollector,
      mainCollectorProviders: this.mainCollector.getSummary().providers,
      billingCollectorProviders: this.billingCollector.getSummary().providers,
      mainRouterCollectorIsInjected: this.main.getMetricsCollector() === this.mainCollector,
      billingRouterCollectorIsInjected: this.billing.getMetricsCollector() === this.billingCollector,
      mainHealth: Object.keys((await this.mainHealth.isHealthy('llm')).llm.providers),
      billingHealth: Object.keys((await this.billingHealth.isHealthy('llm')).llm.providers),
    };
  }
}

for (const platform of PLATFORMS) {
  describe(`two routers in one NestJS application (${platform})`, () => {
    const apps: RunningApp[] = [];
    after(async () => {
      for (const a of apps) await a.app.close();
    });

    test('the default and a named registration: each injected by its token, each with its own collector and metrics route', async () => {
      const module = makeModule({
        imports: [
          LlmRouterModule.forRoot({ providers: [mockProvider('main-mock')] }),
          LlmRouterModule.forRoot({ name: 'billing', providers: [mockProvider('billing-mock')] }),
        ],
        controllers: [TwoRoutersController],
      });
      const running = await startNest(module, platform);
      apps.push(running);
      const res = await fetch(`${running.url}/which`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        main: 'main-mock',
        billing: 'billing-mock',
        sameRouter: false,
        sameCollector: false,
        mainCollectorProviders: ['main-mock'],
        billingCollectorProviders: ['billing-mock'],
        mainRouterCollectorIsInjected: true,
        billingRouterCollectorIsInjected: true,
        mainHealth: ['main-mock'],
        billingHealth: ['billing-mock'],
      });
      const main = await (await fetch(`${running.url}/metrics`)).text();
      const billing = await (await fetch(`${running.url}/metrics/billing`)).text();
      assert.match(main, /^llm_router_requests_total\{[^}]*provider="main-mock"[^}]*\} 1$/m);
      assert.doesNotMatch(main, /billing-mock/);
      assert.match(billing, /^llm_router_requests_total\{[^}]*provider="billing-mock"[^}]*\} 1$/m);
      assert.doesNotMatch(billing, /main-mock/);
      assert.equal(running.app.get(getLlmRouterToken('billing')), running.app.get(getLlmRouterToken('billing')));
      assert.notEqual(running.app.get(getLlmRouterToken()), running.app.get(getLlmRouterToken('billing')));
      assert.ok(running.app.get(getMetricsCollectorToken('billing')) instanceof MetricsCollector);
      assert.ok(running.app.get(getLlmRouterHealthIndicatorToken('billing')) instanceof LlmRouterHealthIndicator);
    });

    test('two named registrations from forRootAsync, with paths of their own; closing the app closes both routers', async () => {
      @Controller('pair')
      class PairController {
        constructor(
          @Inject(getLlmRouterToken('a')) private readonly a: LlmRouter,
          @InjectLlmRouter('b') private readonly b: LlmRouter,
        ) {}

        @Get()
        async pair(): Promise<string[]> {
          const ask = async (r: LlmRouter) => (await r.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] })).provider;
          return [await ask(this.a), await ask(this.b)];
        }
      }
      const module = makeModule({
        imports: [
          LlmRouterModule.forRootAsync({ name: 'a', useFactory: () => ({ providers: [mockProvider('mock-a')], metrics: { path: '/a/metrics', stats: true } }) }),
          LlmRouterModule.forRootAsync({ name: 'b', useFactory: () => ({ providers: [mockProvider('mock-b')], metrics: { stats: true } }) }),
        ],
        controllers: [PairController],
      });
      const running = await startNest(module, platform);
      assert.deepEqual(await (await fetch(`${running.url}/pair`)).json(), ['mock-a', 'mock-b']);
      assert.match(await (await fetch(`${running.url}/a/metrics`)).text(), /provider="mock-a"/);
      assert.match(await (await fetch(`${running.url}/metrics/b`)).text(), /provider="mock-b"/);
      const stats = (await (await fetch(`${running.url}/stats/b`)).json()) as { summary: { providers: string[] } };
      assert.deepEqual(stats.summary.providers, ['mock-b']);
      assert.equal((await fetch(`${running.url}/metrics`)).status, 404, 'no default registration, no /metrics');
      const routers = [running.app.get<LlmRouter>(getLlmRouterToken('a')), running.app.get<LlmRouter>(getLlmRouterToken('b'))];
      await running.app.close();
      for (const r of routers) {
        await assert.rejects(r.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), 'closed with the application');
      }
    });
  });
}

test('a name that is not path-safe is a ConfigurationError naming the field', () => {
  assert.throws(() => LlmRouterModule.forRoot({ name: 'bill ing', providers: [mockProvider('x')] }), (e: unknown) => e instanceof ConfigurationError && /name/.test(e.message));
  assert.throws(() => LlmRouterModule.forRootAsync({ name: '', useFactory: () => ({ providers: [] }) }), ConfigurationError);
});
