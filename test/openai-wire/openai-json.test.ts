import { test } from 'node:test';
import assert from 'node:assert/strict';
import type OpenAI from 'openai';
import {
  BadRequestError,
  Client,
  NoProviderAvailableError,
  RateLimitError,
  toOpenAIChatCompletion,
  toOpenAIChatCompletionChunk,
  toOpenAIError,
} from '../../lib/index.js';
import type { ChatCompletion, ChatCompletionChunk } from '../../lib/index.js';

test('a completion becomes OpenAI chat.completion JSON that the SDK type accepts', async () => {
  const client = new Client({ providerType: 'mock', defaultModel: 'mock-model', metricsEnabled: false });
  try {
    const res = await client.chat.completions.create({ messages: [{ role: 'user', content: 'hello there' }] });
    const json: OpenAI.Chat.ChatCompletion = toOpenAIChatCompletion(res);
    assert.equal(json.object, 'chat.completion');
    assert.equal(json.id, res.id);
    assert.equal(json.model, res.model);
    assert.equal(json.created, res.created);
    assert.deepEqual(json.choices[0], {
      index: 0,
      message: { role: 'assistant', content: res.choices[0]!.message.content, refusal: null },
      finish_reason: res.choices[0]!.finishReason,
      logprobs: null,
    });
    assert.deepEqual(json.usage, {
      prompt_tokens: res.usage.promptTokens,
      completion_tokens: res.usage.completionTokens,
      total_tokens: res.usage.totalTokens,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    assert.equal('provider' in json, false);
    assert.equal('requestId' in json, false);
  } finally {
    await client.close();
  }
});

test('tool calls, reasoning, refusal and token details are carried in snake_case', () => {
  const res: ChatCompletion = {
    id: 'c1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'm',
    provider: 'p',
    requestId: 'r',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          reasoning: 'thinking',
          refusal: null,
          toolCalls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        finishReason: 'tool_calls',
      },
      { index: 1, message: { role: 'assistant', content: 'no', reasoning: null, refusal: 'I cannot' }, finishReason: null },
    ],
    usage: {
      promptTokens: 10,
      completionTokens: 5,
      totalTokens: 15,
      promptTokensDetails: { cachedTokens: 4, cacheWriteTokens: 2 },
      completionTokensDetails: { reasoningTokens: 3 },
    },
  };
  assert.deepEqual(toOpenAIChatCompletion(res), {
    id: 'c1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'm',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          reasoning: 'thinking',
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        finish_reason: 'tool_calls',
        logprobs: null,
      },
      { index: 1, message: { role: 'assistant', content: 'no', refusal: 'I cannot' }, finish_reason: 'stop', logprobs: null },
    ],
    usage: {
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 4, cache_write_tokens: 2 },
      completion_tokens_details: { reasoning_tokens: 3 },
    },
  });
});

test('a chunk becomes OpenAI chat.completion.chunk JSON with only the delta fields it has', () => {
  const chunk: ChatCompletionChunk = {
    id: 'k',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    provider: 'p',
    requestId: 'req-k',
    choices: [
      {
        index: 0,
        delta: { role: 'assistant', content: '', reasoning: 'hm', toolCalls: [{ index: 0, id: 't', type: 'function', function: { name: 'f' } }, { index: 0, function: { arguments: '{}' } }] },
        finishReason: null,
      },
    ],
  };
  const json: OpenAI.Chat.ChatCompletionChunk = toOpenAIChatCompletionChunk(chunk);
  assert.deepEqual(json, {
    id: 'k',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [
      {
        index: 0,
        delta: {
          role: 'assistant',
          content: '',
          reasoning: 'hm',
          tool_calls: [
            { index: 0, id: 't', type: 'function', function: { name: 'f' } },
            { index: 0, function: { arguments: '{}' } },
          ],
        },
        finish_reason: null,
        logprobs: null,
      },
    ],
  });
  const last = toOpenAIChatCompletionChunk({ ...chunk, choices: [], usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } });
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, {
    prompt_tokens: 1,
    completion_tokens: 2,
    total_tokens: 3,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  });
});

test('errors become OpenAI error bodies with a gateway status; foreign errors say nothing', () => {
  assert.deepEqual(toOpenAIError(new BadRequestError('messages must not be empty', { field: 'messages' })), {
    status: 400,
    body: { error: { message: 'messages must not be empty', type: 'invalid_request_error', param: 'messages', code: 'BadRequestError' } },
  });
  assert.equal(toOpenAIError(new RateLimitError('slow down', { statusCode: 429 })).status, 429);
  assert.equal(toOpenAIError(new NoProviderAvailableError('none', [])).status, 503);
  assert.deepEqual(toOpenAIError(new Error('secret sk-live-123 leaked')).body, {
    error: { message: 'Internal server error', type: 'server_error', param: null, code: null },
  });
});
