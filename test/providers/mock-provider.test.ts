import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client } from '../../lib/client.js';
import { MockProviderServer, mockEmbedding, mockTokenCount } from '../../lib/testing/index.js';
import type { ChatCompletionNonStreamingRequest, ChatTool } from '../../lib/types/chat.js';
import { drain, streamText } from '../core/core-test-kit.js';
import { streamedToolCalls, withClient } from '../support/provider-test-kit.js';

// The embedded `mock` provider and `MockProviderServer` answer with the same mock model: the same reply
// text, token counts, embeddings and schema-shaped tool arguments.

const BOOKING_TOOL: ChatTool = {
  type: 'function',
  function: {
    name: 'book_table',
    parameters: {
      type: 'object',
      properties: {
        restaurant: { type: 'string' },
        guests: { type: 'integer' },
        outdoor: { type: 'boolean' },
        time: { type: 'string', enum: ['19:00', '20:00'] },
        notes: { type: ['string', 'null'] },
        contact: { type: 'object', properties: { phone: { type: 'string' } } },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
      },
      required: ['restaurant', 'guests'],
    },
  },
};

const REQUESTS: Array<{ name: string; request: ChatCompletionNonStreamingRequest }> = [
  { name: 'text', request: { messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there, model' }] } },
  { name: 'length cut', request: { messages: [{ role: 'user', content: 'one two three four five' }], maxTokens: 3 } },
  { name: 'tool call', request: { messages: [{ role: 'user', content: 'book it' }], tools: [BOOKING_TOOL] } },
  { name: 'tool choice none', request: { messages: [{ role: 'user', content: 'just talk' }], tools: [BOOKING_TOOL], toolChoice: 'none' } },
];

async function both<T>(request: (client: Client) => Promise<T>): Promise<{ embedded: T; server: T }> {
  const server = await MockProviderServer.start();
  try {
    const embedded = await withClient({ providerType: 'mock', defaultModel: 'mock-model' }, request);
    const served = await withClient({ providerType: 'openai', apiKey: 'fake-mock-provider-test-key', baseUrl: `${server.url}/v1`, defaultModel: 'mock-model' }, request);
    return { embedded, server: served };
  } finally {
    await server.close();
  }
}

describe('mock provider', () => {
  for (const { name, request } of REQUESTS) {
    test(`answers like MockProviderServer: ${name}`, async () => {
      const { embedded, server } = await both((c) => c.chat.completions.create(request));
      const e = embedded.choices[0]!;
      const s = server.choices[0]!;
      assert.equal(e.message.content, s.message.content);
      assert.equal(e.finishReason, s.finishReason);
      assert.deepEqual(embedded.usage, server.usage);
      assert.deepEqual(
        e.message.toolCalls?.map((c) => [c.function.name, JSON.parse(c.function.arguments)]),
        s.message.toolCalls?.map((c) => [c.function.name, JSON.parse(c.function.arguments)]),
      );
    });
  }

  test('the reply is "Echo: <last message>" and tokens are words', async () => {
    await withClient({ providerType: 'mock', defaultModel: 'mock-model' }, async (c) => {
      const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hello there' }] });
      assert.equal(res.choices[0]!.message.content, 'Echo: hello there');
      assert.deepEqual(res.usage, { promptTokens: 2, completionTokens: mockTokenCount('Echo: hello there'), totalTokens: 5 });
      assert.equal(res.choices[0]!.message.reasoning, null);
      assert.equal(res.choices[0]!.message.refusal, null);
    });
  });

  test("tool arguments fit the tool's JSON schema, streamed and not", async () => {
    await withClient({ providerType: 'mock', defaultModel: 'mock-model' }, async (c) => {
      const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'book it' }], tools: [BOOKING_TOOL] });
      const call = res.choices[0]!.message.toolCalls![0]!;
      const args = JSON.parse(call.function.arguments);
      assert.deepEqual(args, { restaurant: 'mock', guests: 1, outdoor: true, time: '19:00', notes: 'mock', contact: { phone: 'mock' }, tags: ['mock'] });
      assert.equal(res.choices[0]!.finishReason, 'tool_calls');
      const chunks = await drain(await c.chat.completions.create({ messages: [{ role: 'user', content: 'book it' }], tools: [BOOKING_TOOL], stream: true }));
      const [streamed] = streamedToolCalls(chunks);
      assert.equal(streamed!.name, 'book_table');
      assert.deepEqual(JSON.parse(streamed!.arguments), args);
    });
  });

  test('after a tool result it answers in text', async () => {
    await withClient({ providerType: 'mock', defaultModel: 'mock-model' }, async (c) => {
      const res = await c.chat.completions.create({
        messages: [
          { role: 'user', content: 'book it' },
          { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'book_table', arguments: '{}' } }] },
          { role: 'tool', toolCallId: 'call_1', content: 'booked for 8' },
        ],
        tools: [BOOKING_TOOL],
      });
      assert.equal(res.choices[0]!.message.content, 'Echo: booked for 8');
    });
  });

  test('completionTokens makes every reply exactly that many words; streams carry the same text', async () => {
    await withClient({ providerType: 'mock', defaultModel: 'mock-model', mock: { completionTokens: 7, chunkSize: 2 } }, async (c) => {
      const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.choices[0]!.message.content, 'Echo: hi Echo: hi Echo: hi Echo:');
      assert.equal(res.usage.completionTokens, 7);
      const chunks = await drain(await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true }));
      assert.equal(streamText(chunks), res.choices[0]!.message.content);
      assert.equal(chunks.filter((ch) => ch.choices[0]?.delta.content).length, 4, '7 words in chunks of 2');
      assert.deepEqual(chunks.at(-1)!.usage, res.usage);
    });
  });

  test('reasoning: message.reasoning, delta.reasoning before the text, and reasoning tokens, as MockProviderServer sends them', async () => {
    const reasoning = 'The user greets me, so I greet back.';
    const words = mockTokenCount(reasoning);
    const server = await MockProviderServer.start({ reasoning });
    try {
      const request = { messages: [{ role: 'user' as const, content: 'hello there' }] };
      const embedded = { providerType: 'mock', defaultModel: 'mock-model', mock: { reasoning, chunkSize: 2 } } as const;
      const served = { providerType: 'openai', apiKey: 'fake-mock-provider-test-key', baseUrl: `${server.url}/v1`, defaultModel: 'mock-model' } as const;
      const fromServer = await withClient(served, (c) => c.chat.completions.create(request));
      await withClient(embedded, async (c) => {
        const res = await c.chat.completions.create(request);
        assert.equal(res.choices[0]!.message.content, 'Echo: hello there');
        assert.equal(res.choices[0]!.message.reasoning, reasoning);
        assert.equal(res.choices[0]!.message.reasoning, fromServer.choices[0]!.message.reasoning);
        assert.deepEqual(res.usage, { promptTokens: 2, completionTokens: 3 + words, totalTokens: 5 + words, completionTokensDetails: { reasoningTokens: words } });
        assert.deepEqual(res.usage, fromServer.usage);

        const chunks = await drain(await c.chat.completions.create({ ...request, stream: true }));
        assert.equal(chunks.map((ch) => ch.choices[0]?.delta.reasoning ?? '').join(''), reasoning);
        assert.equal(streamText(chunks), 'Echo: hello there');
        assert.equal(chunks.filter((ch) => ch.choices[0]?.delta.reasoning).length, Math.ceil(words / 2), 'reasoning in chunks of 2 words');
        assert.equal(chunks.filter((ch) => ch.choices[0]?.delta.content).length, 2, '3 words in chunks of 2');
        const lastReasoning = chunks.findLastIndex((ch) => ch.choices[0]?.delta.reasoning);
        const firstText = chunks.findIndex((ch) => ch.choices[0]?.delta.content);
        assert.ok(lastReasoning < firstText, 'the reasoning comes before the text');
        assert.deepEqual(chunks.at(-1)!.usage, res.usage);

        const tool = await c.chat.completions.create({ messages: [{ role: 'user', content: 'book it' }], tools: [BOOKING_TOOL] });
        assert.equal(tool.choices[0]!.message.reasoning, reasoning);
        assert.equal(tool.choices[0]!.message.toolCalls![0]!.function.name, 'book_table');
        const toolChunks = await drain(await c.chat.completions.create({ messages: [{ role: 'user', content: 'book it' }], tools: [BOOKING_TOOL], stream: true }));
        assert.equal(toolChunks.map((ch) => ch.choices[0]?.delta.reasoning ?? '').join(''), reasoning);
        assert.equal(streamedToolCalls(toolChunks)[0]!.name, 'book_table');
      });
    } finally {
      await server.close();
    }
  });

  test('needs no defaultModel: answers as mock-model, tool arguments fitting the schema', async () => {
    await withClient({ providerType: 'mock' }, async (c) => {
      const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'book it' }], tools: [BOOKING_TOOL] });
      assert.equal(res.model, 'mock-model');
      const args = JSON.parse(res.choices[0]!.message.toolCalls![0]!.function.arguments) as Record<string, unknown>;
      assert.equal(typeof args.restaurant, 'string');
      assert.ok(Number.isInteger(args.guests));
      assert.ok(['19:00', '20:00'].includes(args.time as string));
      const text = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(text.choices[0]!.message.content, 'Echo: hi');
    });
  });

  test('the model comes from the request when the config names none', async () => {
    await withClient({ providerType: 'mock' }, async (c) => {
      const res = await c.chat.completions.create({ model: 'my-mock', messages: [{ role: 'user', content: 'x' }] });
      assert.equal(res.model, 'my-mock');
    });
  });

  test('embeddings are the mock model\'s, as MockProviderServer makes them', async () => {
    const { embedded, server } = await both((c) => c.embeddings.create({ input: ['alpha', 'beta gamma'], model: 'mock-model' }));
    assert.deepEqual(embedded.data.map((d) => d.embedding), server.data.map((d) => d.embedding));
    assert.deepEqual(embedded.data[0]!.embedding, mockEmbedding('alpha', 8));
    assert.deepEqual(embedded.usage, server.usage);
  });
});
