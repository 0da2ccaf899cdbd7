import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, Get, Header } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { getLlmRouterToken, LlmRouterModule } from '../../adapters/nestjs/index.js';
import { LlmRouter, MetricsCollector } from '../../lib/index.js';
import { drive, makeModule, mockProvider, startNest } from './nest-helpers.js';

test("one prom-client registry serves the app's own metrics and two routers' (as @willsoto/nestjs-prometheus would)", async () => {
  const registry = new Registry();
  const visits = new Counter({ name: 'app_visits_total', help: 'Visits.', registers: [registry] });
  const collector = new MetricsCollector({ registry });

  @Controller('metrics')
  class AppMetricsController {
    @Get()
    @Header('content-type', registry.contentType)
    metrics(): Promise<string> {
      visits.inc();
      return registry.metrics();
    }
  }

  const module = makeModule({
    imports: [
      LlmRouterModule.forRoot({ providers: [mockProvider('chat-mock')], metricsCollector: collector, metrics: { enabled: false } }),
      LlmRouterModule.forRoot({ name: 'billing', providers: [mockProvider('billing-mock')], metricsCollector: collector, metrics: { enabled: false } }),
    ],
    controllers: [AppMetricsController],
  });
  const running = await startNest(module, 'express');
  try {
    await drive(running.app.get(LlmRouter), 2);
    await drive(running.app.get<LlmRouter>(getLlmRouterToken('billing')), 1);
    const text = await (await fetch(`${running.url}/metrics`)).text();
    assert.match(text, /^app_visits_total 1$/m);
    assert.match(text, /^llm_router_requests_total\{[^}]*provider="chat-mock"[^}]*\} 2$/m);
    assert.match(text, /^llm_router_requests_total\{[^}]*provider="billing-mock"[^}]*\} 1$/m);
    assert.equal(running.app.get(MetricsCollector), collector, 'the module hands out the collector it was given');
  } finally {
    await running.app.close();
    collector.close();
  }
});
