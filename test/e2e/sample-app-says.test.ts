import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { LoggerService } from '@nestjs/common';
import { startSampleExpressApp } from '../../sample-app/express/create-express-app.js';
import { startSampleNestApp } from '../../sample-app/nestjs/create-nest-app.js';
import type { SampleConfig } from '../../sample-app/shared/config.js';
import type { RunningSampleApp } from '../../sample-app/shared/running-app.js';
import type { RequestEndEvent } from '../../lib/index.js';

/** A provider that always fails (503) in front of one that answers: every request retries, then falls back. */
function config(): SampleConfig {
  return {
    router: {
      providers: [
        { providerType: 'mock', name: 'flaky', defaultModel: 'mock-chat', models: ['mock-chat'], maxRetries: 1, mock: { errorRate: 1, errorStatus: 503 } },
        { providerType: 'mock', name: 'steady', defaultModel: 'mock-chat', models: ['mock-chat'], maxRetries: 0 },
      ],
      retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 2 },
      circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
    },
    port: 0,
    host: '127.0.0.1',
    metricsPath: '/metrics',
    source: 'file',
  };
}

function capture(): { lines: Array<{ level: string; message: string }>; nest: LoggerService; info: (m: string) => void } {
  const lines: Array<{ level: string; message: string }> = [];
  const push = (level: string) => (message: unknown) => lines.push({ level, message: String(message) });
  return { lines, nest: { log: push('log'), error: push('error'), warn: push('warn'), debug: push('debug'), verbose: push('verbose') }, info: push('log') };
}

const VARIANTS: Array<{ name: string; start: (log: ReturnType<typeof capture>) => Promise<RunningSampleApp> }> = [
  { name: 'NestJS on Express', start: (log) => startSampleNestApp(config(), { platform: 'express', logger: log.nest }) },
  { name: 'NestJS on Fastify', start: (log) => startSampleNestApp(config(), { platform: 'fastify', logger: log.nest }) },
  { name: 'plain Express', start: (log) => startSampleExpressApp(config(), { log: log.info }) },
];

for (const variant of VARIANTS) {
  describe(`the sample app says what happens (${variant.name})`, () => {
    let app: RunningSampleApp;
    let log: ReturnType<typeof capture>;
    let openai: OpenAI;
    before(async () => {
      log = capture();
      app = await variant.start(log);
      openai = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    });
    after(async () => {
      await app.close();
    });

    test('retries, fallbacks and the circuit opening are logged at info', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await openai.chat.completions.create({ model: 'mock-chat', messages: [{ role: 'user', content: `hi ${i}` }] });
        assert.match(res.choices[0]!.message.content ?? '', /hi/);
      }
      const info = log.lines.filter((l) => l.level === 'log').map((l) => l.message);
      assert.ok(info.some((m) => /^retry: request \S+ flaky\/mock-chat attempt 1 failed \(ProviderError 503\), retrying in \d+ ms$/.test(m)), info.join('\n'));
      assert.ok(info.some((m) => /^fallback: request \S+ flaky -> steady after ProviderError 503$/.test(m)), info.join('\n'));
      assert.ok(info.some((m) => /^circuit: flaky closed -> open \(.+\)$/.test(m)), info.join('\n'));
    });

    test('x-request-id on a non-streaming answer: the id of the router request', async () => {
      const ended = new Promise<RequestEndEvent>((resolve) => app.router.once('request.end', resolve));
      const res = await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-chat', messages: [{ role: 'user', content: 'id?' }] }),
      });
      assert.equal(res.status, 200);
      await res.json();
      const id = res.headers.get('x-request-id');
      assert.ok(id !== null && id.length > 0, 'the header is there');
      assert.equal(id, (await ended).requestId);
    });

    test('POST /v1/embeddings answers the official client (base64 by default) and float on request', async () => {
      const viaSdk = await openai.embeddings.create({ model: 'mock-chat', input: ['first text', 'second text'] });
      assert.equal(viaSdk.object, 'list');
      assert.equal(viaSdk.data.length, 2);
      assert.deepEqual(viaSdk.data.map((d) => d.index), [0, 1]);
      assert.ok(viaSdk.usage.prompt_tokens > 0 && viaSdk.usage.total_tokens >= viaSdk.usage.prompt_tokens);
      const res = await fetch(`${app.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-chat', input: ['first text', 'second text'], encoding_format: 'float' }),
      });
      assert.equal(res.status, 200);
      assert.ok(res.headers.get('x-request-id'));
      const floats = (await res.json()) as { data: Array<{ embedding: number[] }> };
      for (let i = 0; i < 2; i++) {
        const a = viaSdk.data[i]!.embedding;
        const b = floats.data[i]!.embedding;
        assert.equal(a.length, b.length);
        assert.ok(a.length > 0);
        a.forEach((x, j) => assert.ok(Math.abs(x - b[j]!) < 1e-6, `component ${j}`));
      }
      const bad = await fetch(`${app.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 5 }) });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'input');
      assert.equal((await fetch(`${app.url}/v1/embeddings`)).status, 405);
    });

    test('/stats has each section once: the summary holds totals, the aggregates are only under aggregated', async () => {
      const stats = (await (await fetch(`${app.url}/stats`)).json()) as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(stats).sort(), ['aggregated', 'comparison', 'generatedAt', 'providers', 'summary', 'windowMs']);
      assert.equal('aggregated' in stats.summary!, false);
      assert.ok((stats.summary!.totalRequests as number) > 0);
    });
  });
}
