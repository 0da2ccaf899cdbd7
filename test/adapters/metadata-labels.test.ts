import 'reflect-metadata';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { llmRouterMiddleware } from '../../adapters/express/index.js';
import { LlmRouterModule, type LlmRouterModuleOptions } from '../../adapters/nestjs/index.js';
import { ConfigurationError, LlmRouter, MetricsCollector } from '../../lib/index.js';
import { makeModule, mockProvider, startNest } from './nest-helpers.js';

const PRICES = { 'mock-small': { inputPerMillion: 1, outputPerMillion: 2 } };

async function ask(router: LlmRouter, team: string): Promise<void> {
  await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], metadata: { team, ignored: 'x' } });
}

/** The sample lines of `family` in a Prometheus text. */
function lines(text: string, family: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${family}{`));
}

describe('metadataLabels in the adapters\' metrics options', () => {
  const closers: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  test('Express: metadataLabels serves a collector with those labels on the routed-request and cost families', async () => {
    const router = new LlmRouter({ providers: [mockProvider('m')], prices: PRICES, metricsEnabled: false });
    closers.push(() => router.close());
    const mw = llmRouterMiddleware({ router, metadataLabels: ['team'] });
    closers.push(() => mw.close());
    const app = express();
    app.use(mw);
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await ask(router, 'search');
    await ask(router, 'billing');
    const { port } = server.address() as AddressInfo;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const routed = lines(text, 'llm_router_routed_requests_total');
    assert.equal(routed.length, 2, text);
    assert.ok(routed.some((l) => l.includes('team="search"')) && routed.some((l) => l.includes('team="billing"')), routed.join('\n'));
    assert.ok(routed.every((l) => !l.includes('ignored')), 'only the named keys become labels');
    const cost = lines(text, 'llm_router_cost_usd_total');
    assert.ok(cost.some((l) => l.includes('team="search"')), cost.join('\n'));
  });

  test('Express: metadataLabels together with collector is a ConfigurationError naming the field', () => {
    const router = new LlmRouter({ providers: [mockProvider('m')], metricsEnabled: false });
    closers.push(() => router.close());
    const collector = new MetricsCollector();
    closers.push(() => collector.close());
    assert.throws(() => llmRouterMiddleware({ router, collector, metadataLabels: ['team'] }), (e: unknown) => e instanceof ConfigurationError && e.field === 'metadataLabels');
  });

  test('NestJS: metrics.metadataLabels with metricsCollector, or without metrics, is a ConfigurationError naming the field (the labels would be lost)', () => {
    const collector = new MetricsCollector();
    closers.push(() => collector.close());
    const cases: Array<[Partial<LlmRouterModuleOptions>, RegExp]> = [
      [{ metricsCollector: collector }, /cannot be combined with metricsCollector/],
      [{ metricsEnabled: false }, /metricsEnabled: false/],
    ];
    for (const [extra, message] of cases) {
      assert.throws(
        () => LlmRouterModule.forRoot({ providers: [mockProvider('m')], metrics: { metadataLabels: ['team'] }, ...extra }),
        (e: unknown) => e instanceof ConfigurationError && e.field === 'metrics.metadataLabels' && message.test(e.message),
      );
    }
  });

  test('NestJS: metrics.metadataLabels labels the module collector\'s routed-request families', async () => {
    const module = makeModule({
      imports: [LlmRouterModule.forRoot({ providers: [mockProvider('m')], prices: PRICES, metrics: { metadataLabels: ['team'] } })],
    });
    const { app, url } = await startNest(module, 'express');
    closers.push(() => app.close());
    const router = app.get(LlmRouter);
    await ask(router, 'search');
    const text = await (await fetch(`${url}/metrics`)).text();
    const routed = lines(text, 'llm_router_routed_requests_total');
    assert.equal(routed.length, 1, text);
    assert.match(routed[0]!, /team="search"/);
  });
});
