import type { ChatCompletion, ChatCompletionChunk, ToolCall, ToolCallDelta, Usage } from '../types/chat.js';
import type {
  OpenAIChatCompletion,
  OpenAIChatCompletionChunk,
  OpenAIChatCompletionMessage,
  OpenAIChunkDelta,
  OpenAIToolCall,
  OpenAIToolCallDelta,
  OpenAIUsage,
} from './openai-json.js';

/** `usage` in OpenAI's snake_case; absent details are 0, as OpenAI reports them. */
export function toOpenAIUsage(usage: Usage): OpenAIUsage {
  const prompt = usage.promptTokensDetails;
  const out: OpenAIUsage = {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: prompt?.cachedTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.completionTokensDetails?.reasoningTokens ?? 0 },
  };
  if (prompt?.cacheWriteTokens !== undefined) out.prompt_tokens_details.cache_write_tokens = prompt.cacheWriteTokens;
  return out;
}

function toToolCall(call: ToolCall): OpenAIToolCall {
  return { id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } };
}

function toToolCallDelta(call: ToolCallDelta): OpenAIToolCallDelta {
  const out: OpenAIToolCallDelta = { index: call.index };
  if (call.id !== undefined) out.id = call.id;
  if (call.type !== undefined) out.type = call.type;
  if (call.function !== undefined) {
    const fn: { name?: string; arguments?: string } = {};
    if (call.function.name !== undefined) fn.name = call.function.name;
    if (call.function.arguments !== undefined) fn.arguments = call.function.arguments;
    out.function = fn;
  }
  return out;
}

/**
 * A `ChatCompletion` as OpenAI's `chat.completion` JSON (snake_case), ready for `res.json()`. A choice
 * with no finish reason reads `stop`; `reasoning` is present only when the provider sent reasoning text.
 */
export function toOpenAIChatCompletion(res: ChatCompletion): OpenAIChatCompletion {
  return {
    id: res.id,
    object: 'chat.completion',
    created: res.created,
    model: res.model,
    choices: res.choices.map((choice) => {
      const m = choice.message;
      const message: OpenAIChatCompletionMessage = { role: 'assistant', content: m.content, refusal: m.refusal ?? null };
      if (m.toolCalls !== undefined && m.toolCalls.length > 0) message.tool_calls = m.toolCalls.map(toToolCall);
      if (typeof m.reasoning === 'string') message.reasoning = m.reasoning;
      return { index: choice.index, message, finish_reason: choice.finishReason ?? 'stop', logprobs: null };
    }),
    usage: toOpenAIUsage(res.usage),
  };
}

/** A `ChatCompletionChunk` as OpenAI's `chat.completion.chunk` JSON (snake_case); `usage` only on the chunk that has it. */
export function toOpenAIChatCompletionChunk(chunk: ChatCompletionChunk): OpenAIChatCompletionChunk {
  const out: OpenAIChatCompletionChunk = {
    id: chunk.id,
    object: 'chat.completion.chunk',
    created: chunk.created,
    model: chunk.model,
    choices: chunk.choices.map((choice) => {
      const d = choice.delta;
      const delta: OpenAIChunkDelta = {};
      if (d.role !== undefined) delta.role = d.role;
      if (d.content !== undefined) delta.content = d.content;
      if (d.reasoning !== undefined) delta.reasoning = d.reasoning;
      if (d.refusal !== undefined) delta.refusal = d.refusal;
      if (d.toolCalls !== undefined) delta.tool_calls = d.toolCalls.map(toToolCallDelta);
      return { index: choice.index, delta, finish_reason: choice.finishReason, logprobs: null };
    }),
  };
  if (chunk.usage != null) out.usage = toOpenAIUsage(chunk.usage);
  return out;
}
