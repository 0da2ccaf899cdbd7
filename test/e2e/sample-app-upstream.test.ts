import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { MockProviderServer } from '../../lib/testing/index.js';
import { startSampleExpressApp } from '../../sample-app/express/create-express-app.js';
import { startSampleNestApp } from '../../sample-app/nestjs/create-nest-app.js';
import { loadSampleConfig, type SampleConfig } from '../../sample-app/shared/config.js';
import type { RunningSampleApp } from '../../sample-app/shared/running-app.js';

const KEY = 'fake-e2e-upstream-key-not-a-secret';

const VARIANTS: Array<{ name: string; start: (config: SampleConfig) => Promise<RunningSampleApp> }> = [
  { name: 'NestJS on Fastify', start: (config) => startSampleNestApp(config, { platform: 'fastify', logger: false }) },
  { name: 'plain Express', start: (config) => startSampleExpressApp(config) },
];

/**
 * The sample app in front of a real HTTP provider (the mock provider server speaking OpenAI's wire
 * format), configured through an `LLM_ROUTER_CONFIG` file whose key comes from the environment: upstream
 * failures reach the OpenAI client with the gateway statuses, and a stream cut mid-way ends with an
 * SSE error event.
 */
for (const variant of VARIANTS) {
  describe(`sample app (${variant.name}) in front of an HTTP provider`, () => {
    let upstream: MockProviderServer;
    let app: RunningSampleApp;
    let openai: OpenAI;
    let dir: string;

    before(async () => {
      upstream = await MockProviderServer.start({ apiKeys: [KEY], models: ['up-model'], strictModels: true });
      dir = await mkdtemp(join(tmpdir(), 'llm-router-e2e-'));
      const file = join(dir, 'config.json');
      await writeFile(
        file,
        JSON.stringify({
          providers: [
            { providerType: 'openai-compatible', name: 'upstream', baseUrl: `${upstream.url}/v1`, apiKey: '${UPSTREAM_KEY}', models: ['up-model'], timeoutMs: 400 },
          ],
          retry: { maxRetries: 0 },
          circuitBreaker: false,
        }),
      );
      const config = loadSampleConfig({ LLM_ROUTER_CONFIG: file, UPSTREAM_KEY: KEY, PORT: '0' });
      assert.equal(config.source, 'file');
      app = await variant.start(config);
      openai = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: 'client-side-key', maxRetries: 0, timeout: 10_000 });
    });

    after(async () => {
      await app.close();
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    });

    test('the key from the config file reaches the provider; the answer comes back in OpenAI shape', async () => {
      const res = await openai.chat.completions.create({ model: 'up-model', messages: [{ role: 'user', content: 'hello upstream' }] });
      assert.equal(res.object, 'chat.completion');
      assert.match(res.choices[0]!.message.content ?? '', /hello upstream/);
      assert.ok(res.usage!.total_tokens > 0);
      const seen = upstream.requests.at(-1)!;
      assert.equal(seen.path, '/v1/chat/completions');
      assert.equal((seen.body as { model: string }).model, 'up-model');
    });

    test('what the router routes reaches the provider; safety_identifier as its user; hints that change no answer are accepted', async () => {
      const seen = upstream.requests.length;
      const completion = await openai.chat.completions.create({
        model: 'up-model',
        messages: [{ role: 'user', content: 'hi' }],
        max_completion_tokens: 7,
        temperature: 0.5,
        safety_identifier: 'hashed-user-1',
        parallel_tool_calls: true,
        reasoning_effort: null,
        service_tier: 'auto',
        store: false,
        prompt_cache_key: 'conversation-1',
        prompt_cache_retention: '24h',
      });
      assert.equal(completion.object, 'chat.completion');
      const sent = upstream.requests.slice(seen);
      assert.equal(sent.length, 1);
      const body = sent[0]!.body as Record<string, unknown>;
      assert.equal(body.max_tokens ?? body.max_completion_tokens, 7);
      assert.equal(body.temperature, 0.5);
      assert.equal(body.user, 'hashed-user-1');
    });

    test('a stream cut by the provider ends with an SSE error event and no [DONE]; the openai client throws', async () => {
      upstream.enqueueFault({ cutAfterChunks: 2 }, { match: { stream: true } });
      const raw = await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'up-model', stream: true, messages: [{ role: 'user', content: 'cut me' }] }),
      });
      assert.equal(raw.status, 200);
      const text = await raw.text();
      const events = text.split('\n\n').filter(Boolean);
      const last = JSON.parse(events.at(-1)!.replace(/^data: /, '')) as { error: { type: string; code: string; message: string } };
      assert.equal(last.error.type, 'api_error', 'the error event of the core writeOpenAIEventStream');
      assert.equal(last.error.code, 'StreamError');
      assert.ok(!text.includes('[DONE]'));
      assert.ok(events.length >= 2, 'chunks came before the error');

      upstream.enqueueFault({ cutAfterChunks: 2 }, { match: { stream: true } });
      const stream = await openai.chat.completions.create({ model: 'up-model', stream: true, messages: [{ role: 'user', content: 'cut me again' }] });
      await assert.rejects(async () => {
        for await (const _ of stream) void _;
      }, OpenAI.APIError);
    });

    test('a provider 429 with Retry-After is openai.RateLimitError with the Retry-After header', async () => {
      upstream.enqueueFault({ status: 429, headers: { 'retry-after': '2' } });
      await assert.rejects(openai.chat.completions.create({ model: 'up-model', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
        assert.ok(e instanceof OpenAI.RateLimitError, String(e));
        assert.equal(e.headers?.get('retry-after'), '2');
        assert.equal(e.code, 'rate_limit_exceeded');
        return true;
      });
    });

    test('a provider 401 is a 502 that names no key', async () => {
      upstream.enqueueFault({ status: 401 });
      await assert.rejects(openai.chat.completions.create({ model: 'up-model', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
        assert.ok(e instanceof OpenAI.InternalServerError, String(e));
        assert.equal(e.status, 502);
        assert.equal(e.code, 'upstream_authentication_failed');
        assert.ok(!JSON.stringify(e.error).includes(KEY));
        return true;
      });
    });

    test('a provider 503 is a 502 upstream error; a provider that hangs past timeoutMs is a 504', async () => {
      upstream.enqueueFault({ status: 503 });
      await assert.rejects(openai.chat.completions.create({ model: 'up-model', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
        assert.ok(e instanceof OpenAI.APIError && e.status === 502 && e.code === 'upstream_status_503', String(e));
        return true;
      });
      upstream.enqueueFault({ hang: true });
      await assert.rejects(openai.chat.completions.create({ model: 'up-model', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
        assert.ok(e instanceof OpenAI.APIError && e.status === 504 && e.code === 'upstream_timeout', String(e));
        return true;
      });
    });

    test('the metrics count the failures by error type', async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      for (const type of ['RateLimitError', 'AuthenticationError', 'ProviderError', 'TimeoutError']) {
        assert.match(text, new RegExp(`^llm_router_errors_total\\{[^}]*error_type="${type}"[^}]*\\} [1-9]`, 'm'), type);
      }
    });
  });
}
