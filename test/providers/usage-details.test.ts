import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../lib/client.js';
import type { ChatCompletionChunk, Usage } from '../../lib/types/chat.js';
import { ReplayServer, type Recording } from './recording-replay.js';

// Cached and cache-write input tokens: promptTokens counts every input token (OpenAI's meaning), the
// details say how many were read from or written to the cache.

const json = (providerType: string, body: unknown): Recording => ({ name: providerType, providerType, status: 200, stream: false, contentType: 'application/json', body: JSON.stringify(body) });
const sse = (providerType: string, body: string): Recording => ({ name: providerType, providerType, status: 200, stream: true, contentType: 'text/event-stream', body });

describe('prompt token details', () => {
  let server: ReplayServer;
  before(async () => {
    server = await ReplayServer.start();
  });
  after(() => server.close());

  async function usageOf(providerType: string, rec: Recording): Promise<Usage> {
    const baseUrl = providerType === 'gemini' ? `${server.url}/v1beta` : `${server.url}/v1`;
    const client = new Client({ providerType, apiKey: 'fake-usage-details-key', baseUrl, defaultModel: 'm', maxRetries: 0, metricsEnabled: false } as never);
    try {
      server.serve(rec);
      if (!rec.stream) return (await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] })).usage;
      let usage: Usage | null | undefined;
      for await (const c of (await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true })) as AsyncIterable<ChatCompletionChunk>) if (c.usage) usage = c.usage;
      return usage!;
    } finally {
      await client.close();
    }
  }

  test("Anthropic: input_tokens leaves out cache reads and writes; they are added, and reported apart", async () => {
    const u = { input_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 7 };
    const expected = { promptTokens: 125, completionTokens: 7, totalTokens: 132, promptTokensDetails: { cachedTokens: 100, cacheWriteTokens: 20 } };
    assert.deepEqual(await usageOf('anthropic', json('anthropic', { id: 'm', type: 'message', role: 'assistant', model: 'c', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage: u })), expected);
    const stream =
      `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'm', model: 'c', usage: { ...u, output_tokens: 1 } } })}\n\n` +
      `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n` +
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n` +
      `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}\n\n` +
      `event: message_stop\ndata: {"type":"message_stop"}\n\n`;
    assert.deepEqual(await usageOf('anthropic', sse('anthropic', stream)), expected);
  });

  test('OpenAI cached_tokens, OpenRouter cache_write_tokens, DeepSeek prompt_cache_hit_tokens', async () => {
    const body = (usage: unknown) => ({ id: 'c', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage });
    assert.deepEqual(
      await usageOf('openai', json('openai', body({ prompt_tokens: 1200, completion_tokens: 10, total_tokens: 1210, prompt_tokens_details: { cached_tokens: 1024 } }))),
      { promptTokens: 1200, completionTokens: 10, totalTokens: 1210, promptTokensDetails: { cachedTokens: 1024 } },
    );
    assert.deepEqual(
      await usageOf('openrouter', json('openrouter', body({ prompt_tokens: 300, completion_tokens: 5, total_tokens: 305, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 280 } }))),
      { promptTokens: 300, completionTokens: 5, totalTokens: 305, promptTokensDetails: { cacheWriteTokens: 280 } },
    );
    assert.deepEqual(
      await usageOf('deepseek', json('deepseek', body({ prompt_tokens: 64, completion_tokens: 2, total_tokens: 66, prompt_cache_hit_tokens: 60, prompt_cache_miss_tokens: 4 }))),
      { promptTokens: 64, completionTokens: 2, totalTokens: 66, promptTokensDetails: { cachedTokens: 60 } },
    );
  });

  test('Gemini cachedContentTokenCount (already inside promptTokenCount) and thoughtsTokenCount', async () => {
    const usage = { promptTokenCount: 900, cachedContentTokenCount: 800, candidatesTokenCount: 10, thoughtsTokenCount: 30, totalTokenCount: 940 };
    const body = { candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, finishReason: 'STOP' }], usageMetadata: usage, modelVersion: 'g', responseId: 'r' };
    assert.deepEqual(await usageOf('gemini', json('gemini', body)), {
      promptTokens: 900,
      completionTokens: 40,
      totalTokens: 940,
      promptTokensDetails: { cachedTokens: 800 },
      completionTokensDetails: { reasoningTokens: 30 },
    });
  });
});
