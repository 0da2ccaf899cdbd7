import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AuthenticationError,
  BadRequestError,
  Client,
  ProviderError,
  RateLimitError,
  StreamError,
  type ChatCompletionChunk,
  type ProviderConfig,
  type ProviderType,
  type ToolCall,
} from '../../lib/index.js';
import { chatChunkFromOpenAi, chatCompletionFromOpenAi, chatRequestToOpenAi, OPENAI_WIRE } from '../../lib/providers/openai/openai-wire.js';
import { HttpClient } from '../../lib/http/http-client.js';
import { OPENAI_FAMILY_PRESETS } from '../../lib/providers/openai/openai-family.js';
import { OpenAiProvider } from '../../lib/providers/openai/openai-provider.js';
import { DEFAULT_RETRY, resolveProviderConfig } from '../../lib/config/index.js';
import { signZhipuToken, ZhipuTokenCache, ZHIPU_TOKEN_TTL_MS } from '../../lib/providers/zhipu/zhipu-token.js';
import { MockProviderServer, type MockRequestLogEntry } from '../../lib/testing/index.js';
import { drain, errorText, recordEvents, rejects, streamText, TEST_KEY } from '../core/core-test-kit.js';
import { WEATHER_TOOL, withClient } from '../support/provider-test-kit.js';

const ZHIPU_ID = 'a1b2c3d4e5f6';
const ZHIPU_SECRET = 'zhipuSecretPart9f8e7d6c5b4a';
const ZHIPU_KEY = `${ZHIPU_ID}.${ZHIPU_SECRET}`;

interface Member {
  type: ProviderType;
  /** Path of the base URL under the server. */
  base: string;
  /** Path of chat completions the provider must call. */
  chatPath: string;
  apiKey: string;
  extra?: Partial<ProviderConfig>;
  auth: 'bearer' | 'api-key' | 'zhipu-jwt';
  sendsModel: boolean;
  developerRole: boolean;
  messageNames: boolean;
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  seedField: 'seed' | 'random_seed' | null;
  userField: 'user' | 'user_id' | null;
  penalties: boolean;
  /** Asks for usage with `stream_options.include_usage`. */
  streamOptions: boolean;
  toolChoiceAutoOnly: boolean;
  embeddings: false | { path: string; dimensionsField: 'dimensions' | 'output_dimension'; encodingFormat: boolean };
}

/** A member of the family: what differs from a plain OpenAI-compatible API at `base`. */
function member(m: Pick<Member, 'type'> & Partial<Omit<Member, 'embeddings'>> & { embeddings?: false | Partial<Exclude<Member['embeddings'], false>> }): Member {
  const base = m.base ?? '/v1';
  const { embeddings, ...rest } = m;
  return {
    base,
    chatPath: `${base}/chat/completions`,
    apiKey: TEST_KEY,
    auth: 'bearer',
    sendsModel: true,
    developerRole: false,
    messageNames: true,
    maxTokensField: 'max_tokens',
    seedField: 'seed',
    userField: 'user',
    penalties: true,
    streamOptions: true,
    toolChoiceAutoOnly: false,
    ...rest,
    embeddings: embeddings === false ? false : { path: `${base}/embeddings`, dimensionsField: 'dimensions', encodingFormat: true, ...embeddings },
  };
}

// Expectations from each API's own reference (see lib/providers/openai/openai-family.ts for the sources).
const FAMILY: Member[] = [
  member({ type: 'openai', developerRole: true, maxTokensField: 'max_completion_tokens' }),
  member({
    type: 'azure-openai',
    base: '',
    chatPath: '/openai/deployments/chat-deploy/chat/completions',
    extra: { deployment: 'chat-deploy' },
    auth: 'api-key',
    sendsModel: false,
    embeddings: { path: '/openai/deployments/chat-deploy/embeddings' },
  }),
  member({
    type: 'openrouter',
    base: '/api/v1',
    extra: { headers: { 'HTTP-Referer': 'https://app.example.com', 'X-Title': 'Router Tests' } },
    streamOptions: false,
  }),
  member({ type: 'deepseek', seedField: null, userField: null, embeddings: false }),
  member({ type: 'xai', maxTokensField: 'max_completion_tokens', embeddings: false }),
  member({ type: 'groq', base: '/openai/v1', maxTokensField: 'max_completion_tokens', embeddings: false }),
  member({ type: 'mistral', messageNames: false, seedField: 'random_seed', userField: null, streamOptions: false, embeddings: { dimensionsField: 'output_dimension' } }),
  member({
    type: 'zhipu',
    base: '/api/paas/v4',
    apiKey: ZHIPU_KEY,
    auth: 'zhipu-jwt',
    seedField: null,
    userField: 'user_id',
    penalties: false,
    streamOptions: false,
    toolChoiceAutoOnly: true,
    embeddings: { encodingFormat: false },
  }),
  member({ type: 'aliyun', base: '/compatible-mode/v1', userField: null }),
  member({ type: 'openai-compatible' }),
];


function b64json(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Checks a Zhipu token the way the API does: HS256 over `header.payload` with the key's secret. */
function verifyZhipuToken(token: string, secret = ZHIPU_SECRET): boolean {
  const [h, p, s] = token.split('.');
  if (h === undefined || p === undefined || s === undefined) return false;
  if (createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url') !== s) return false;
  const header = b64json(h) as Record<string, unknown>;
  const payload = b64json(p) as Record<string, unknown>;
  const now = Date.now();
  return (
    header.alg === 'HS256' &&
    header.sign_type === 'SIGN' &&
    payload.api_key === ZHIPU_ID &&
    typeof payload.timestamp === 'number' &&
    typeof payload.exp === 'number' &&
    Math.abs(payload.timestamp - now) < 60_000 &&
    payload.exp > now
  );
}

describe('zhipu token', () => {
  it('is an HS256 JWT of {api_key, exp, timestamp} in milliseconds, signed with the secret', () => {
    const now = 1_700_000_000_000;
    const token = signZhipuToken(ZHIPU_KEY, now);
    const [h, p, s] = token.split('.');
    assert.deepEqual(b64json(h!), { alg: 'HS256', sign_type: 'SIGN' });
    assert.deepEqual(b64json(p!), { api_key: ZHIPU_ID, exp: now + ZHIPU_TOKEN_TTL_MS, timestamp: now });
    assert.equal(s, createHmac('sha256', ZHIPU_SECRET).update(`${h}.${p}`).digest('base64url'));
    assert.ok(!token.includes(ZHIPU_SECRET));
  });

  it('is cached until shortly before it expires', () => {
    let now = 1_000_000;
    const seen: string[] = [];
    const cache = new ZhipuTokenCache(ZHIPU_KEY, (t) => seen.push(t), () => now, 600_000);
    const first = cache.get();
    now += 400_000;
    assert.equal(cache.get(), first);
    now += 139_999;
    assert.equal(cache.get(), first, 'still used until 60 s before expiry');
    now += 1;
    const second = cache.get();
    assert.notEqual(second, first);
    assert.deepEqual(seen, [first, second]);
  });
});

describe('OpenAI wire mapping', () => {
  it('sends only the fields of the API, in its shape', () => {
    const body = chatRequestToOpenAi(
      {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', imageUrl: { url: 'https://x/y.png', detail: 'low' } }] },
          {
            role: 'assistant',
            content: null,
            toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' }, extra: 1 } as ToolCall],
          },
          { role: 'tool', content: 'ok', toolCallId: 'call_1' },
        ],
        toolChoice: 'auto',
        responseFormat: { type: 'json_object' },
      },
      'gpt-x',
      false,
      OPENAI_WIRE,
    );
    assert.deepEqual(body, {
      model: 'gpt-x',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', content: 'ok', tool_call_id: 'call_1' },
      ],
      response_format: { type: 'json_object' },
    });
  });

  it('reads Groq\'s x_groq.usage and Mistral\'s content parts', () => {
    const chunk = chatChunkFromOpenAi(
      {
        id: 'c1',
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
        x_groq: { id: 'req_1', usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, queue_time: 0.1 } },
      },
      'groq',
      'llama',
      'req-g',
    );
    assert.equal(chunk.requestId, 'req-g');
    assert.deepEqual(chunk.usage, { promptTokens: 3, completionTokens: 4, totalTokens: 7 });
    const completion = chatCompletionFromOpenAi(
      {
        id: 'x',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: [{ type: 'thinking', thinking: [] }, { type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }],
            },
            finish_reason: 'model_length',
          },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      },
      'mistral',
      'magistral',
      'req-m',
    );
    assert.equal(completion.requestId, 'req-m');
    assert.equal(completion.choices[0]!.message.content, 'Hi there');
    assert.equal(completion.choices[0]!.finishReason, 'length');
  });

  it('an in-stream error with a business code (Zhipu "1214") is a ProviderError, an HTTP-like code keeps its class', () => {
    class Probe extends OpenAiProvider {
      decode(data: string): unknown {
        return this.streamDecoder('glm-4', 'req-1').decode(data);
      }
    }
    const config = resolveProviderConfig({ providerType: 'zhipu', apiKey: ZHIPU_KEY }, '', DEFAULT_RETRY);
    const http = new HttpClient();
    const probe = new Probe(config, http);
    assert.throws(
      () => probe.decode(JSON.stringify({ error: { code: '1214', message: 'messages 参数非法' } })),
      (e: unknown) => e instanceof ProviderError && e.statusCode === 500 && /messages 参数非法/.test(e.message),
    );
    assert.throws(
      () => probe.decode(JSON.stringify({ error: { code: 429, message: 'slow down' } })),
      (e: unknown) => e instanceof RateLimitError && e.statusCode === 429,
    );
    assert.throws(() => probe.decode('{"choices": ['), (e: unknown) => e instanceof StreamError);
    assert.equal(probe.decode('[DONE]'), undefined);
    void http.close();
  });

  it('zhipu drops the tools for tool_choice "none" and sends "auto" for the others', () => {
    const wire = OPENAI_FAMILY_PRESETS.zhipu.wire;
    const none = chatRequestToOpenAi({ messages: [{ role: 'user', content: 'x' }], tools: [WEATHER_TOOL], toolChoice: 'none' }, 'glm', false, wire);
    assert.equal(none.tools, undefined);
    assert.equal(none.tool_choice, undefined);
    const required = chatRequestToOpenAi({ messages: [{ role: 'user', content: 'x' }], tools: [WEATHER_TOOL], toolChoice: 'required' }, 'glm', false, wire);
    assert.equal(required.tool_choice, 'auto');
  });
});

describe('OpenAI-compatible family against the mock provider server', () => {
  let server: MockProviderServer;
  const keysSeen: Array<{ path: string; key: string }> = [];

  before(async () => {
    server = await MockProviderServer.start({
      authenticate: (key, { path }) => {
        keysSeen.push({ path, key });
        if (path.startsWith('/api/paas/v4/')) return verifyZhipuToken(key);
        return key === TEST_KEY;
      },
    });
  });
  after(() => server.close());

  const clients = new Map<ProviderType, Client>();
  after(async () => {
    await Promise.all([...clients.values()].map((c) => c.close()));
  });

  function clientOf(m: Member): Client {
    let c = clients.get(m.type);
    if (c === undefined) {
      c = new Client({
        providerType: m.type,
        apiKey: m.apiKey,
        baseUrl: `${server.url}${m.base}`,
        defaultModel: 'family-model',
        maxRetries: 0,
        circuitBreaker: false,
        metricsEnabled: false,
        ...m.extra,
      });
      clients.set(m.type, c);
    }
    return c;
  }

  function lastRequest(): MockRequestLogEntry {
    const r = server.requests.at(-1);
    assert.ok(r !== undefined, 'the server saw a request');
    return r;
  }

  const servedModel = (m: Member): string => (m.type === 'azure-openai' ? 'chat-deploy' : 'family-model');

  for (const m of FAMILY) {
    describe(m.type, () => {
      it('non-streaming chat: request mapped to the API, answer and usage mapped back', async () => {
        const client = clientOf(m);
        const before = keysSeen.length;
        const res = await client.chat.completions.create({
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'developer', content: 'Answer in English.' },
            { role: 'user', content: 'hello there', name: 'alice' },
          ],
          maxTokens: 50,
          temperature: 0.2,
          seed: 7,
          user: 'user-1',
          presencePenalty: 0.1,
        });
        assert.equal(res.object, 'chat.completion');
        assert.equal(res.provider, m.type);
        assert.equal(res.model, servedModel(m));
        assert.equal(res.choices[0]!.message.content, 'Echo: hello there');
        assert.equal(res.choices[0]!.finishReason, 'stop');
        assert.deepEqual(res.usage, { promptTokens: 7, completionTokens: 3, totalTokens: 10 });

        const req = lastRequest();
        assert.equal(req.method, 'POST');
        assert.equal(req.path, m.chatPath);
        const body = req.body as Record<string, unknown>;
        if (m.sendsModel) assert.equal(body.model, 'family-model');
        else assert.equal('model' in body, false);
        const messages = body.messages as Array<Record<string, unknown>>;
        assert.deepEqual(
          messages.map((x) => x.role),
          ['system', m.developerRole ? 'developer' : 'system', 'user'],
        );
        assert.equal(messages[2]!.name, m.messageNames ? 'alice' : undefined);
        assert.equal(body[m.maxTokensField], 50);
        assert.equal(body[m.maxTokensField === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens'], undefined);
        assert.equal(body.temperature, 0.2);
        for (const f of ['seed', 'random_seed'] as const) assert.equal(body[f], f === m.seedField ? 7 : undefined, f);
        for (const f of ['user', 'user_id'] as const) assert.equal(body[f], f === m.userField ? 'user-1' : undefined, f);
        assert.equal(body.presence_penalty, m.penalties ? 0.1 : undefined);
        assert.equal(body.stream, undefined);
        assert.equal(body.stream_options, undefined);

        assert.equal(req.headers['content-type'], 'application/json');
        if (m.auth === 'api-key') {
          assert.equal(req.headers['api-key'], '[REDACTED]');
          assert.equal(req.headers.authorization, undefined);
          assert.equal(req.query['api-version'], '2024-10-21');
        } else {
          assert.equal(req.headers.authorization, 'Bearer [REDACTED]');
          assert.equal(req.headers['api-key'], undefined);
        }
        const key = keysSeen.slice(before).at(-1)!.key;
        if (m.auth === 'zhipu-jwt') {
          assert.ok(verifyZhipuToken(key), 'a valid JWT signed with the secret');
          assert.ok(!key.includes(ZHIPU_SECRET));
        } else {
          assert.equal(key, TEST_KEY);
        }
        if (m.extra?.headers !== undefined) {
          assert.equal(req.headers['http-referer'], 'https://app.example.com');
          assert.equal(req.headers['x-title'], 'Router Tests');
        }
      });

      it('streaming chat: text in order, finish reason, usage on the last chunk where the API is asked', async () => {
        const client = clientOf(m);
        const rec = recordEvents(client);
        const stream = await client.chat.completions.create({ messages: [{ role: 'user', content: 'stream me please now' }], stream: true });
        assert.equal(stream.provider, m.type);
        const chunks = await drain(stream);
        rec.stop();
        assert.ok(chunks.length >= 3);
        assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.provider === m.type));
        assert.ok(chunks.every((c) => c.choices.length > 0 || c.usage != null), 'no empty chunk (Azure’s prompt filter results are skipped)');
        assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
        assert.equal(streamText(chunks), 'Echo: stream me please now');
        assert.equal(chunks.find((c) => c.choices[0]?.finishReason != null)?.choices[0]?.finishReason, 'stop');
        const body = lastRequest().body as Record<string, unknown>;
        assert.equal(body.stream, true);
        assert.deepEqual(body.stream_options, m.streamOptions ? { include_usage: true } : undefined);
        const end = rec.events.find((e) => e.type === 'attempt.end');
        assert.ok(end?.type === 'attempt.end' && end.success && end.stream);
        if (m.streamOptions) {
          const last = chunks.at(-1)!;
          assert.deepEqual(last.usage, { promptTokens: 4, completionTokens: 5, totalTokens: 9 });
          assert.deepEqual(last.choices, []);
          assert.deepEqual(end.usage, { promptTokens: 4, completionTokens: 5, totalTokens: 9 });
        }
      });

      it('tool calls: tools sent, call mapped back, result sent as a tool message', async () => {
        const client = clientOf(m);
        if (m.toolChoiceAutoOnly) {
          const sent = server.requests.length;
          const refused = await client.chat.completions
            .create({ messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [WEATHER_TOOL], toolChoice: 'required' })
            .catch((e: unknown) => e);
          assert.ok(refused instanceof BadRequestError && refused.field === 'toolChoice', 'a forced tool call is refused, not sent as auto');
          assert.equal(server.requests.length, sent);
        }
        const res = await client.chat.completions.create({
          messages: [{ role: 'user', content: 'weather in Paris?' }],
          tools: [WEATHER_TOOL],
          toolChoice: m.toolChoiceAutoOnly ? 'auto' : 'required',
        });
        const body = lastRequest().body as Record<string, unknown>;
        assert.deepEqual(body.tools, [WEATHER_TOOL]);
        assert.equal(body.tool_choice, m.toolChoiceAutoOnly ? 'auto' : 'required');
        const choice = res.choices[0]!;
        assert.equal(choice.finishReason, 'tool_calls');
        assert.equal(choice.message.content, null);
        const call = choice.message.toolCalls![0]!;
        assert.equal(call.type, 'function');
        assert.equal(call.function.name, 'get_weather');
        assert.deepEqual(JSON.parse(call.function.arguments), { city: 'mock' });
        assert.ok(call.id.length > 0);

        const res2 = await client.chat.completions.create({
          messages: [
            { role: 'user', content: 'weather in Paris?' },
            { role: 'assistant', content: null, toolCalls: [call] },
            { role: 'tool', toolCallId: call.id, content: 'sunny 21C' },
          ],
          tools: [WEATHER_TOOL],
        });
        const messages = (lastRequest().body as { messages: Array<Record<string, unknown>> }).messages;
        assert.deepEqual(messages[1], { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: call.function }] });
        assert.deepEqual(messages[2], { role: 'tool', content: 'sunny 21C', tool_call_id: call.id });
        assert.equal(res2.choices[0]!.message.content, 'Echo: sunny 21C');
        assert.equal(res2.choices[0]!.finishReason, 'stop');
      });

      it('streamed tool call: id and name first, arguments in fragments that join to JSON', async () => {
        const client = clientOf(m);
        const chunks: ChatCompletionChunk[] = await drain(
          await client.chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL], stream: true }),
        );
        const deltas = chunks.flatMap((c) => c.choices[0]?.delta.toolCalls ?? []);
        assert.ok(deltas.length >= 3, 'arguments arrive in several fragments');
        assert.equal(deltas[0]!.index, 0);
        assert.equal(deltas[0]!.function?.name, 'get_weather');
        assert.ok((deltas[0]!.id ?? '').length > 0);
        const args = deltas.map((d) => d.function?.arguments ?? '').join('');
        assert.deepEqual(JSON.parse(args), { city: 'mock' });
        assert.equal(chunks.find((c) => c.choices[0]?.finishReason != null)?.choices[0]?.finishReason, 'tool_calls');
      });

      if (m.embeddings !== false) {
        const e = m.embeddings;
        it('embeddings: path, body fields, vectors and usage', async () => {
          const client = clientOf(m);
          const res = await client.embeddings.create({ input: ['one two', 'three'], dimensions: 4 });
          const req = lastRequest();
          assert.equal(req.path, e.path);
          const body = req.body as Record<string, unknown>;
          assert.deepEqual(body.input, ['one two', 'three']);
          assert.equal(body[e.dimensionsField], 4);
          assert.equal(body[e.dimensionsField === 'dimensions' ? 'output_dimension' : 'dimensions'], undefined);
          assert.equal(body.encoding_format, e.encodingFormat ? 'float' : undefined);
          if (m.sendsModel) assert.equal(body.model, 'family-model');
          else assert.equal('model' in body, false);
          assert.equal(res.object, 'list');
          assert.equal(res.provider, m.type);
          assert.equal(res.data.length, 2);
          assert.deepEqual(
            res.data.map((d) => d.index),
            [0, 1],
          );
          if (e.dimensionsField === 'dimensions') assert.equal(res.data[0]!.embedding.length, 4);
          assert.ok(res.data[0]!.embedding.every((x) => typeof x === 'number'));
          assert.deepEqual(res.usage, { promptTokens: 3, totalTokens: 3 });
        });
      } else {
        it('has no embeddings API: rejected before any network call', async () => {
          const client = clientOf(m);
          const n = server.requests.length;
          const err = await rejects(client.embeddings.create({ input: 'x' }), BadRequestError);
          assert.equal(err.field, 'model');
          assert.equal(server.requests.length, n);
        });
      }

      it('errors: 401, 429 with Retry-After, 503 with the body message; never the key', async () => {
        const client = clientOf(m);
        const texts: string[] = [];
        server.enqueueFault({ status: 401 });
        const auth = await rejects(client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), AuthenticationError);
        assert.equal(auth.statusCode, 401);
        assert.equal(auth.provider, m.type);
        texts.push(errorText(auth));

        server.enqueueFault({ status: 429, headers: { 'retry-after': '3' } });
        const rate = await rejects(client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), RateLimitError);
        assert.equal(rate.retryAfterMs, 3000);
        texts.push(errorText(rate));

        server.enqueueFault({ status: 503, body: { error: { message: `Overloaded, key ${m.apiKey} was fine`, type: 'server_error' } } });
        const down = await rejects(client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), ProviderError);
        assert.equal(down.statusCode, 503);
        assert.match(down.message, /Overloaded, key \[REDACTED\] was fine/);
        texts.push(errorText(down));

        for (const t of texts) {
          assert.ok(!t.includes(m.apiKey), 'no key in any error');
          assert.ok(!t.includes(ZHIPU_SECRET));
        }
      });
    });
  }

  it('mistral: a 422 validation error is read into the message', async () => {
    const c = clientOf(FAMILY.find((m) => m.type === 'mistral')!);
    server.enqueueFault({
      status: 422,
      body: {
        object: 'error',
        message: {
          detail: [
            { type: 'extra_forbidden', loc: ['body', 'stream_options', 'include_usage'], msg: 'Extra inputs are not permitted', input: true },
          ],
        },
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
    const err = await rejects(c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), BadRequestError);
    assert.equal(err.statusCode, 422);
    assert.match(err.message, /answered 422: Extra inputs are not permitted \(body\.stream_options\.include_usage\)$/);
  });

  it('openai-compatible without a key sends no authorization header', async () => {
    await withClient({ providerType: 'openai-compatible', baseUrl: `${server.url}/v1`, defaultModel: 'local' }, async (c) => {
      await rejects(c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), AuthenticationError);
      assert.equal(lastRequest().headers.authorization, undefined);
    });
  });

  it('zhipu reuses its cached token across requests', async () => {
    const c = clientOf(FAMILY.find((m) => m.type === 'zhipu')!);
    const from = keysSeen.length;
    await c.chat.completions.create({ messages: [{ role: 'user', content: 'a' }] });
    await c.chat.completions.create({ messages: [{ role: 'user', content: 'b' }] });
    const tokens = keysSeen.slice(from).map((k) => k.key);
    assert.equal(tokens.length, 2);
    assert.equal(tokens[0], tokens[1]);
  });

  it('zhipu: a token signed with another secret is refused (the server really verifies)', async () => {
    await withClient({ providerType: 'zhipu', apiKey: `${ZHIPU_ID}.wrongSecret123`, baseUrl: `${server.url}/api/paas/v4`, defaultModel: 'glm-4' }, async (c) => {
      const err = await rejects(c.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), AuthenticationError);
      assert.ok(!errorText(err).includes('wrongSecret123'));
    });
  });

  it('azure: deployment defaults to the model, api-version is configurable, a /openai base path is not doubled', async () => {
    const options = { providerType: 'azure-openai', apiKey: TEST_KEY, baseUrl: `${server.url}/openai`, apiVersion: '2025-01-01-preview', defaultModel: 'gpt-4o-mini' } as const;
    await withClient(options, async (c) => {
      const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], model: 'my deployment' });
      const req = lastRequest();
      assert.equal(req.path, '/openai/deployments/my%20deployment/chat/completions');
      assert.equal(req.query['api-version'], '2025-01-01-preview');
      assert.equal(res.model, 'my deployment');
    });
  });

  it('azure: a request without a model goes to the configured deployment', async () => {
    await withClient({ providerType: 'azure-openai', apiKey: TEST_KEY, baseUrl: server.url, deployment: 'only-deploy' }, async (c) => {
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(lastRequest().path, '/openai/deployments/only-deploy/chat/completions');
    });
  });
});
