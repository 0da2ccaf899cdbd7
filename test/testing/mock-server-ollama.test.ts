import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MockProviderServer, mockEmbedding } from '../../lib/testing/index.js';

// No official Ollama client is installed, so these tests assert the exact JSON shapes of Ollama's API doc,
// https://github.com/ollama/ollama/blob/main/docs/api.md: POST /api/chat streams NDJSON unless
// `"stream": false`, each object `{model, created_at, message:{role, content}, done:false}`, the final one
// `{…, done:true, done_reason, total_duration, load_duration, prompt_eval_count, prompt_eval_duration,
// eval_count, eval_duration}`; tool calls as `message.tool_calls[].function.{name, arguments(object)}`;
// POST /api/embed → {model, embeddings}; GET /api/tags → {models}; errors are {"error": "…"}.

interface OllamaChat {
  model: string;
  created_at: string;
  message: { role: string; content: string; tool_calls?: Array<{ function: { name: string; arguments: unknown } }> };
  done: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  total_duration?: number;
}

describe('MockProviderServer speaks the Ollama native API', () => {
  let server: MockProviderServer;

  before(async () => {
    server = await MockProviderServer.start({ models: ['llama3.2', 'all-minilm'] });
  });
  beforeEach(() => server.reset());
  after(() => server.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  test('/api/chat with stream:false: one object with message, done_reason and the metrics; no key needed', async () => {
    const res = await post('/api/chat', {
      model: 'llama3.2',
      stream: false,
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'why is the sky blue?' },
      ],
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as OllamaChat & Record<string, unknown>;
    assert.match(body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    const { created_at: _createdAt, ...rest } = body;
    assert.deepEqual(rest, {
      model: 'llama3.2',
      message: { role: 'assistant', content: 'Echo: why is the sky blue?' },
      done_reason: 'stop',
      done: true,
      total_duration: 1_000_000 + 7_000_000 + 60_000_000,
      load_duration: 1_000_000,
      prompt_eval_count: 7,
      prompt_eval_duration: 7_000_000,
      eval_count: 6,
      eval_duration: 60_000_000,
    });
  });

  test('/api/chat streams NDJSON by default; the final line has done:true and the counts', async () => {
    const res = await post('/api/chat', { model: 'llama3.2', messages: [{ role: 'user', content: 'one two three four five' }] });
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
    const raw = await res.text();
    assert.ok(raw.endsWith('\n'));
    const lines = raw.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as OllamaChat);
    assert.ok(lines.length >= 4);
    assert.deepEqual(lines.map((l) => l.done), [...new Array(lines.length - 1).fill(false), true]);
    assert.equal(lines.map((l) => l.message.content).join(''), 'Echo: one two three four five');
    const last = lines[lines.length - 1]!;
    assert.equal(last.done_reason, 'stop');
    assert.equal(last.message.content, '');
    assert.equal(last.prompt_eval_count, 5);
    assert.equal(last.eval_count, 6);
    assert.ok(lines.slice(0, -1).every((l) => l.done_reason === undefined && l.eval_count === undefined));
  });

  test('tool calls carry arguments as an object (streamed: one chunk before the done line); tool role answers text', async () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_current_weather',
          parameters: { type: 'object', properties: { location: { type: 'string' }, format: { type: 'string', enum: ['celsius', 'fahrenheit'] } } },
        },
      },
    ];
    const res = await post('/api/chat', { model: 'llama3.2', stream: false, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const body = (await res.json()) as OllamaChat;
    assert.equal(body.message.content, '');
    assert.deepEqual(body.message.tool_calls, [
      { function: { index: 0, name: 'get_current_weather', arguments: { location: 'mock', format: 'celsius' } } },
    ]);
    assert.equal(body.done_reason, 'stop');

    const streamed = await post('/api/chat', { model: 'llama3.2', tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const lines = (await streamed.text()).split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as OllamaChat);
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.done, false);
    assert.deepEqual(lines[0]!.message.tool_calls![0]!.function.arguments, { location: 'mock', format: 'celsius' });
    assert.equal(lines[1]!.done, true);

    const afterTool = await post('/api/chat', {
      model: 'llama3.2',
      stream: false,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_current_weather', arguments: { location: 'Paris' } } }] },
        { role: 'tool', content: '22 degrees' },
      ],
    });
    assert.equal(((await afterTool.json()) as OllamaChat).message.content, 'Echo: 22 degrees');
  });

  test('options.num_predict truncates with done_reason "length"', async () => {
    const res = await post('/api/chat', { model: 'llama3.2', stream: false, options: { num_predict: 2 }, messages: [{ role: 'user', content: 'a b c' }] });
    const body = (await res.json()) as OllamaChat;
    assert.equal(body.message.content, 'Echo: a');
    assert.equal(body.done_reason, 'length');
    assert.equal(body.eval_count, 2);
  });

  test('/api/embed, /api/tags, /api/version and GET /', async () => {
    const one = (await (await post('/api/embed', { model: 'all-minilm', input: 'Why is the sky blue?' })).json()) as Record<string, unknown>;
    assert.equal(one.model, 'all-minilm');
    assert.deepEqual(one.embeddings, [mockEmbedding('Why is the sky blue?', 8)]);
    assert.equal(one.prompt_eval_count, 5);
    const many = (await (await post('/api/embed', { model: 'all-minilm', input: ['a', 'b'] })).json()) as { embeddings: number[][] };
    assert.deepEqual(many.embeddings, [mockEmbedding('a', 8), mockEmbedding('b', 8)]);

    const tags = (await (await fetch(`${server.url}/api/tags`)).json()) as { models: Array<{ name: string; details: { format: string } }> };
    assert.deepEqual(tags.models.map((m) => m.name), ['llama3.2', 'all-minilm']);
    assert.equal(tags.models[0]!.details.format, 'gguf');
    assert.equal(typeof ((await (await fetch(`${server.url}/api/version`)).json()) as { version: string }).version, 'string');
    assert.equal(await (await fetch(`${server.url}/`)).text(), 'Ollama is running');
  });

  test('errors are {"error": "…"}: missing model 400, unknown model 404 (strictModels), injected 503, mid-stream error line', async () => {
    const noModel = await post('/api/chat', { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(noModel.status, 400);
    assert.deepEqual(await noModel.json(), { error: 'model is required' });

    server.configure({ strictModels: true });
    const unknown = await post('/api/chat', { model: 'mistral', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { error: 'model "mistral" not found, try pulling it first' });

    server.enqueueFault({ status: 503 }, { match: { path: '/api/chat' } });
    const busy = await post('/api/chat', { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(busy.status, 503);
    assert.equal(typeof ((await busy.json()) as { error: string }).error, 'string');

    server.enqueueFault({ midStreamError: { message: 'model runner crashed' } });
    const cut = await post('/api/chat', { model: 'llama3.2', messages: [{ role: 'user', content: 'one two three four five six' }] });
    const lines = (await cut.text()).split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines[lines.length - 1], { error: 'model runner crashed' });
    assert.ok(!lines.some((l) => l.done === true));
  });
});
