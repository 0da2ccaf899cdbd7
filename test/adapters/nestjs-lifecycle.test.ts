import 'reflect-metadata';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Type } from '@nestjs/common';
import { LLM_METRICS_COLLECTOR, LlmRouterModule } from '../../adapters/nestjs/index.js';
import { MetricsCollector } from '../../lib/index.js';
import { LlmRouter } from '../../lib/index.js';
import { ChatController, PLATFORMS, type Platform, makeModule, mockProvider, startNest } from './nest-helpers.js';

const CYCLES = 50;

/** One request on a connection of its own, resolved once that connection is closed. */
function httpRequest(url: string, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const done = () => resolve({ status: res.statusCode ?? 0, text });
        const socket = res.socket;
        if (socket === null || socket.closed) done();
        else socket.once('close', done);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

function processListeners(): Record<string, number> {
  return Object.fromEntries(process.eventNames().map((name) => [String(name), process.listenerCount(name)]));
}

/** The application module a user's e2e tests would boot again and again. */
const AppModule = makeModule({
  imports: [LlmRouterModule.forRoot({ providers: [mockProvider('p0')], metrics: { path: '/ops/metrics' } })],
  controllers: [ChatController],
});

/** Starts the application, sends one chat request, reads the metrics, and closes it. */
async function cycle(platform: Platform, module: Type<unknown>, path: string, expectedRecords: number): Promise<{ router: LlmRouter; collector: MetricsCollector }> {
  const { app, url } = await startNest(module, platform);
  const router = app.get(LlmRouter);
  const collector = app.get<MetricsCollector>(LLM_METRICS_COLLECTOR);
  try {
    assert.equal((await httpRequest(`${url}/chat`, 'POST', '{"content":"hi"}')).status, 201);
    const metrics = await httpRequest(`${url}${path}`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, new RegExp(`^llm_router_requests_total\\{[^}]*provider="p0"[^}]*\\} ${expectedRecords}$`, 'm'));
    assert.equal(collector.getMetrics().length, expectedRecords);
  } finally {
    await app.close();
  }
  return { router, collector };
}

for (const platform of PLATFORMS) {
  describe(`LlmRouterModule lifecycle on the ${platform} platform`, () => {
    test(`${CYCLES} start/stop cycles of one application module: a collector of its own each time, no "already registered", nothing left open`, async () => {
      await cycle(platform, AppModule, '/ops/metrics', 1);
      const resourcesBefore = activeResources();
      const listenersBefore = processListeners();
      const seen = new Set<MetricsCollector>();
      const routers: LlmRouter[] = [];
      for (let i = 0; i < CYCLES; i++) {
        const { router, collector } = await cycle(platform, AppModule, '/ops/metrics', 1);
        seen.add(collector);
        routers.push(router);
      }
      assert.equal(seen.size, CYCLES, 'every application had a collector of its own');
      assert.deepEqual(activeResources(), resourcesBefore, 'no handle, timer or socket left behind');
      assert.deepEqual(processListeners(), listenersBefore, 'no process listener left behind');
      for (const router of routers) {
        await assert.rejects(router.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), /closed/);
      }
      for (const collector of seen) {
        assert.equal(collector.registry.getMetricsAsArray().length, 0, 'the module closed the collector it created');
        assert.equal(collector.getMetrics().length, 1, 'its records stay readable');
      }
    });

    test('a metricsCollector shared by successive applications keeps counting and is left open', async () => {
      const shared = new MetricsCollector();
      try {
        for (let i = 0; i < 5; i++) {
          const module = makeModule({
            imports: [LlmRouterModule.forRoot({ providers: [mockProvider('p0')], metricsCollector: shared, metrics: { path: `/metrics-${i}` } })],
            controllers: [ChatController],
          });
          const { collector } = await cycle(platform, module, `/metrics-${i}`, i + 1);
          assert.equal(collector, shared);
        }
        assert.equal(shared.getSummary().totalRequests, 5);
        assert.ok(shared.registry.getMetricsAsArray().length > 0, 'a collector passed in options is not closed by the module');
      } finally {
        shared.close();
      }
    });
  });
}
