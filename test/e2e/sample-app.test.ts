import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSampleExpressApp } from '../../sample-app/express/create-express-app.js';
import { startSampleNestApp } from '../../sample-app/nestjs/create-nest-app.js';
import { loadSampleConfig, MOCK_MODELS } from '../../sample-app/shared/config.js';
import type { RunningSampleApp } from '../../sample-app/shared/running-app.js';
import type { AttemptEndEvent } from '../../lib/index.js';

/** The sample app on its embedded mock providers (no key in this environment), on a free loopback port. */
function mockConfig(): ReturnType<typeof loadSampleConfig> {
  return loadSampleConfig({ PORT: '0', HOST: '127.0.0.1' });
}

const VARIANTS: Array<{ name: string; start: () => Promise<RunningSampleApp> }> = [
  { name: 'NestJS on Express', start: () => startSampleNestApp(mockConfig(), { platform: 'express', logger: false }) },
  { name: 'NestJS on Fastify', start: () => startSampleNestApp(mockConfig(), { platform: 'fastify', logger: false }) },
  { name: 'plain Express', start: () => startSampleExpressApp(mockConfig()) },
];

const words = (s: string): number => s.split(/\s+/).filter(Boolean).length;

for (const variant of VARIANTS) {
  describe(`sample app (${variant.name}) with the official openai client`, () => {
    let app: RunningSampleApp;
    let openai: OpenAI;

    before(async () => {
      app = await variant.start();
      openai = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: 'unused-by-the-sample-app', maxRetries: 0, timeout: 10_000 });
    });

    after(async () => {
      await app.close();
    });

    test('non-streaming: a chat.completion with content, finish reason and consistent usage', async () => {
      const res = await openai.chat.completions.create({ model: 'mock-chat', messages: [{ role: 'user', content: 'Hello there' }] });
      assert.equal(res.object, 'chat.completion');
      assert.equal(typeof res.id, 'string');
      assert.equal(res.model, 'mock-chat');
      assert.equal(res.choices.length, 1);
      const choice = res.choices[0]!;
      assert.equal(choice.message.role, 'assistant');
      assert.match(choice.message.content ?? '', /^Echo: Hello there/);
      assert.equal(choice.finish_reason, 'stop');
      assert.equal(res.usage?.prompt_tokens, 2);
      assert.equal(res.usage?.completion_tokens, words(choice.message.content!));
      assert.equal(res.usage?.total_tokens, res.usage!.prompt_tokens + res.usage!.completion_tokens);
    });

    test('non-streaming: max_tokens caps the answer and finish_reason is length', async () => {
      const res = await openai.chat.completions.create({ model: 'mock-chat-mini', max_tokens: 5, messages: [{ role: 'user', content: 'count' }] });
      assert.equal(res.model, 'mock-chat-mini');
      assert.equal(words(res.choices[0]!.message.content!), 5);
      assert.equal(res.usage?.completion_tokens, 5);
      assert.equal(res.choices[0]!.finish_reason, 'length');
    });

    test('streaming with stream_options.include_usage: content reassembles, usage arrives on a last chunk without choices', async () => {
      const stream = await openai.chat.completions.create({
        model: 'mock-chat',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Stream me a reply' }],
      });
      let content = '';
      let finish: string | null = null;
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) {
        chunks.push(chunk);
        assert.equal(chunk.object, 'chat.completion.chunk');
        for (const c of chunk.choices) {
          content += c.delta.content ?? '';
          if (c.finish_reason !== null) finish = c.finish_reason;
        }
      }
      assert.ok(chunks.length >= 3, `expected several chunks, got ${chunks.length}`);
      assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
      assert.match(content, /^Echo: Stream me a reply/);
      assert.equal(finish, 'stop');
      const last = chunks[chunks.length - 1]!;
      assert.deepEqual(last.choices, []);
      assert.equal(last.usage?.completion_tokens, words(content));
      assert.equal(last.usage?.prompt_tokens, 4);
      for (const c of chunks.slice(0, -1)) assert.ok(c.usage == null, 'chunks before the last carry no usage');
    });

    test('streaming without stream_options: no usage field, no usage chunk', async () => {
      const stream = await openai.chat.completions.create({ model: 'mock-chat', stream: true, messages: [{ role: 'user', content: 'again' }] });
      let content = '';
      let n = 0;
      for await (const chunk of stream) {
        n++;
        assert.equal(chunk.usage, undefined);
        assert.equal(chunk.choices.length, 1);
        content += chunk.choices[0]!.delta.content ?? '';
      }
      assert.ok(n >= 3);
      assert.match(content, /^Echo: again/);
    });

    test('raw SSE is framed like OpenAI: data lines, blank-line separated, ending with data: [DONE]', async () => {
      const res = await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-chat', stream: true, max_tokens: 4, messages: [{ role: 'user', content: 'x' }] }),
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.match(res.headers.get('x-llm-router-provider') ?? '', /^mock-(fast|steady)$/);
      const text = await res.text();
      assert.ok(text.endsWith('\n\ndata: [DONE]\n\n'), JSON.stringify(text.slice(-80)));
      const events = text.split('\n\n').filter(Boolean);
      for (const e of events) assert.match(e, /^data: /);
      for (const e of events.slice(0, -1)) assert.equal(JSON.parse(e.slice(6)).object, 'chat.completion.chunk');
    });

    test('tools: the tool call comes back in snake_case, and the tool result round-trips (streamed too)', async () => {
      const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
        { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      ];
      const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
      ];
      const first = await openai.chat.completions.create({ model: 'mock-chat', tools, tool_choice: 'auto', messages });
      const call = first.choices[0]!.message.tool_calls?.[0];
      assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
      assert.ok(call !== undefined && call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.equal(typeof JSON.parse(call.function.arguments), 'object');

      const second = await openai.chat.completions.create({
        model: 'mock-chat',
        tools,
        messages: [...messages, first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' }],
      });
      assert.equal(second.choices[0]!.finish_reason, 'stop');
      assert.match(second.choices[0]!.message.content ?? '', /sunny, 21 C/);

      const stream = await openai.chat.completions.create({ model: 'mock-chat', tools, messages, stream: true });
      let name = '';
      let args = '';
      let finish: string | null = null;
      for await (const chunk of stream) {
        for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
          assert.equal(d.index, 0);
          name += d.function?.name ?? '';
          args += d.function?.arguments ?? '';
        }
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.equal(name, 'get_weather');
      assert.equal(typeof JSON.parse(args), 'object');
      assert.equal(finish, 'tool_calls');
    });

    test('an unknown model is openai.NotFoundError with code model_not_found', async () => {
      await assert.rejects(
        openai.chat.completions.create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'hi' }] }),
        (e: unknown) => {
          assert.ok(e instanceof OpenAI.NotFoundError, String(e));
          assert.equal(e.status, 404);
          assert.equal(e.code, 'model_not_found');
          assert.equal(e.param, 'model');
          return true;
        },
      );
    });

    test('a temperature out of range is openai.BadRequestError naming the param', async () => {
      await assert.rejects(
        openai.chat.completions.create({ model: 'mock-chat', temperature: 3, messages: [{ role: 'user', content: 'hi' }] }),
        (e: unknown) => {
          assert.ok(e instanceof OpenAI.BadRequestError, String(e));
          assert.equal(e.status, 400);
          assert.equal(e.param, 'temperature');
          assert.equal(e.type, 'invalid_request_error');
          return true;
        },
      );
    });

    test('invalid JSON and a missing messages field are 400s with OpenAI error bodies', async () => {
      for (const [body, param] of [
        ['{"model": "mock-chat", "messages": [', null],
        [JSON.stringify({ model: 'mock-chat' }), 'messages'],
        [JSON.stringify({ model: 'mock-chat', messages: [{ role: 'wizard', content: 'hi' }] }), 'messages[0].role'],
        [JSON.stringify({ model: 'mock-chat', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } }), 'stream_options'],
      ] as const) {
        const res = await fetch(`${app.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        assert.equal(res.status, 400, body);
        const json = (await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
        assert.equal(json.error.type, 'invalid_request_error');
        assert.equal(json.error.param, param);
        assert.equal(typeof json.error.message, 'string');
        assert.ok('code' in json.error);
      }
    });

    test('GET /v1/models lists the routed models; retrieve finds one and 404s another', async () => {
      const page = await openai.models.list();
      assert.deepEqual(
        page.data.map((m) => m.id),
        [...MOCK_MODELS],
      );
      for (const m of page.data) {
        assert.equal(m.object, 'model');
        assert.equal(m.owned_by, 'mock-fast');
        assert.equal(typeof m.created, 'number');
      }
      assert.equal((await openai.models.retrieve('mock-chat-mini')).id, 'mock-chat-mini');
      await assert.rejects(openai.models.retrieve('nope'), OpenAI.NotFoundError);
    });

    test('a client that goes away mid-stream abandons the upstream stream', async () => {
      const ended = new Promise<AttemptEndEvent>((resolve) => {
        const listener = (e: AttemptEndEvent): void => {
          if (e.stream && e.abandoned) {
            app.router.off('attempt.end', listener);
            resolve(e);
          }
        };
        app.router.on('attempt.end', listener);
      });
      const abort = new AbortController();
      const res = await fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-chat', stream: true, messages: [{ role: 'user', content: 'a long one' }] }),
        signal: abort.signal,
      });
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.match(new TextDecoder().decode(first.value), /^data: /);
      abort.abort();
      const event = await ended;
      assert.equal(event.success, true);
      assert.equal(event.abandoned, true);
      assert.equal(event.finishReason, null, 'the stream did not run to its end');
    });

    test('a client that goes away before a non-streaming answer aborts the upstream request; the connection after it is served', async () => {
      const ended = new Promise<AttemptEndEvent>((resolve) => {
        const listener = (e: AttemptEndEvent): void => {
          if (!e.stream && e.errorType === 'AbortError') {
            app.router.off('attempt.end', listener);
            resolve(e);
          }
        };
        app.router.on('attempt.end', listener);
      });
      const abort = new AbortController();
      // The embedded mocks answer after 20 ms or more: the client leaves while the attempt is upstream.
      const started = (): void => {
        app.router.off('attempt.start', started);
        abort.abort();
      };
      app.router.on('attempt.start', started);
      const gone = fetch(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-chat', messages: [{ role: 'user', content: 'never mind' }] }),
        signal: abort.signal,
      });
      await assert.rejects(gone);
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no aborted attempt within 5 s')), 5_000).unref());
      const event = await Promise.race([ended, timeout]);
      assert.equal(event.success, false);
      assert.equal(event.abandoned, false);
      const next = await openai.chat.completions.create({ model: 'mock-chat', messages: [{ role: 'user', content: 'still here' }] });
      assert.match(next.choices[0]!.message.content ?? '', /^Echo: still here/);
    });

    test('GET /stats: summary, aggregates per provider and model, comparison, provider states', async () => {
      const res = await fetch(`${app.url}/stats`);
      assert.equal(res.status, 200);
      const stats = (await res.json()) as {
        summary: { totalRequests: number; successfulRequests: number; failedRequests: number; successRate: number; providers: string[] };
        aggregated: Array<{ provider: string; model: string; totalRequests: number; p95LatencyMs: number | null }>;
        comparison: Array<{ provider: string; successRate: number }>;
        providers: Array<{ name: string; state: string }>;
      };
      assert.ok(stats.summary.totalRequests >= 6, JSON.stringify(stats.summary));
      assert.equal(stats.summary.totalRequests, stats.summary.successfulRequests + stats.summary.failedRequests);
      assert.ok(stats.summary.providers.includes('mock-fast'));
      const fast = stats.aggregated.find((a) => a.provider === 'mock-fast' && a.model === 'mock-chat');
      assert.ok(fast !== undefined && fast.totalRequests > 0 && typeof fast.p95LatencyMs === 'number');
      assert.ok(stats.comparison.length >= 1);
      assert.deepEqual(
        stats.providers.map((p) => p.name),
        ['mock-fast', 'mock-steady'],
      );
    });

    test('GET /health: terminus-shaped, per provider', async () => {
      const res = await fetch(`${app.url}/health`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { status: string; details: { llm: { status: string; providers: Record<string, { status: string; circuit: string }> } } };
      assert.ok(body.status === 'ok' || body.status === 'degraded', body.status);
      assert.deepEqual(Object.keys(body).sort(), ['details', 'error', 'info', 'status'], 'the same terminus shape on every variant');
      assert.deepEqual(Object.keys(body.details.llm).sort(), ['providers', 'status', 'totalProviders', 'usableProviders', 'windowMs']);
      assert.deepEqual(Object.keys(body.details.llm.providers).sort(), ['mock-fast', 'mock-steady']);
      for (const p of Object.values(body.details.llm.providers)) {
        assert.match(p.status, /^(up|degraded|down)$/);
        for (const field of ['circuit', 'requests', 'failed', 'successRate', 'latencyEwmaMs', 'inFlight']) assert.ok(field in p, field);
      }
    });

    test('GET /metrics: Prometheus text with the router families', async () => {
      const res = await fetch(`${app.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      assert.match(text, /^llm_router_requests_total\{[^}]*provider="mock-fast"[^}]*\} \d+/m);
      assert.match(text, /^llm_router_request_duration_seconds_bucket\{/m);
    });

    test('an unknown route is a 404', async () => {
      const res = await fetch(`${app.url}/v1/nothing-here`);
      assert.equal(res.status, 404);
      await res.arrayBuffer();
    });
  });
}
