import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client } from '../../lib/client.js';
import { mockTokenCount } from '../../lib/testing/index.js';
import type { ChatCompletionChunk } from '../../lib/types/chat.js';
import { streamedToolCalls, useMockProviderServer, WEATHER_TOOL } from '../support/provider-test-kit.js';
import { ReplayServer } from './recording-replay.js';
import { clientOptions, FORMATS } from './wire-formats.js';

// MockProviderServer's `reasoning` option sends reasoning in each format's own shape; every provider
// reads it into message.reasoning / delta.reasoning and counts its tokens.

const REASONING = 'The user greets me, so I should greet back briefly.';
const WORDS = mockTokenCount(REASONING);

describe('reasoning from every wire format', () => {
  const bed = useMockProviderServer(() => ({ providerType: 'mock' }) as never, { reasoning: REASONING, chunkCount: 3 });

  for (const format of FORMATS) {
    test(`${format.format}: message.reasoning, delta.reasoning and reasoning tokens`, async () => {
      const client = new Client(clientOptions(format, bed.server.url));
      try {
        const res = await client.chat.completions.create({ messages: [{ role: 'user', content: 'hello there' }] });
        const message = res.choices[0]!.message;
        assert.equal(message.content, 'Echo: hello there');
        assert.equal(message.reasoning, REASONING);
        assert.equal(res.usage.completionTokens, 3 + WORDS);
        assert.equal(res.usage.totalTokens, res.usage.promptTokens + 3 + WORDS);
        // Anthropic and Ollama count thinking in their output tokens without reporting it apart.
        const reported = format.format === 'openai' || format.format === 'gemini';
        assert.deepEqual(res.usage.completionTokensDetails, reported ? { reasoningTokens: WORDS } : undefined);

        const chunks: ChatCompletionChunk[] = [];
        for await (const c of await client.chat.completions.create({ messages: [{ role: 'user', content: 'hello there' }], stream: true })) chunks.push(c);
        const reasoning = chunks.map((c) => c.choices[0]?.delta.reasoning ?? '').join('');
        const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
        assert.equal(reasoning, REASONING);
        assert.equal(text, 'Echo: hello there');
        const first = chunks.findIndex((c) => c.choices[0]?.delta.content);
        const last = chunks.findLastIndex((c) => c.choices[0]?.delta.reasoning);
        assert.ok(last < first, 'the reasoning comes before the text');
        assert.deepEqual(chunks.at(-1)!.usage, res.usage);

        const tool = await client.chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL] });
        assert.equal(tool.choices[0]!.message.reasoning, REASONING);
        assert.equal(tool.choices[0]!.message.toolCalls![0]!.function.name, 'get_weather');
        const toolChunks: ChatCompletionChunk[] = [];
        for await (const c of await client.chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL], stream: true })) toolChunks.push(c);
        assert.deepEqual(streamedToolCalls(toolChunks).map((c) => [c.name, JSON.parse(c.arguments)]), [['get_weather', { city: 'mock' }]]);
      } finally {
        await client.close();
      }
    });
  }

  test("OpenAI's refusal: message.refusal, not content", async () => {
    const replay = await ReplayServer.start();
    const client = new Client({ providerType: 'openai', apiKey: 'fake-refusal-key', baseUrl: `${replay.url}/v1`, defaultModel: 'm', maxRetries: 0, metricsEnabled: false } as never);
    try {
      const refusal = "I'm sorry, I can't help with that.";
      replay.serve({
        name: 'refusal',
        providerType: 'openai',
        status: 200,
        stream: false,
        contentType: 'application/json',
        body: JSON.stringify({ id: 'c', object: 'chat.completion', model: 'gpt', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 } }),
      });
      const res = await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
      assert.equal(res.choices[0]!.message.refusal, refusal);
      assert.equal(res.choices[0]!.message.content, null);
    } finally {
      await client.close();
      await replay.close();
    }
  });

  test('without the option no reasoning is sent: message.reasoning is null', async () => {
    bed.server.configure({ reasoning: undefined });
    for (const format of FORMATS) {
      const client = new Client(clientOptions(format, bed.server.url));
      try {
        const res = await client.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
        assert.equal(res.choices[0]!.message.reasoning, null, format.format);
        assert.equal(res.usage.completionTokensDetails, undefined, format.format);
      } finally {
        await client.close();
      }
    }
  });
});
