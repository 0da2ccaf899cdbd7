import type { ChatCompletion, ChatCompletionChunk, ToolCall, ToolCallDelta, Usage } from 'llm-api-router';

/** OpenAI's `usage` object. */
export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** OpenAI's `chat.completion` object. */
export interface OpenAiChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: OpenAiToolCall[] };
    logprobs: null;
    finish_reason: string | null;
  }>;
  usage: OpenAiUsage;
}

/** OpenAI's `chat.completion.chunk` object. */
export interface OpenAiChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string | null; tool_calls?: OpenAiToolCallDelta[] };
    logprobs: null;
    finish_reason: string | null;
  }>;
  usage?: OpenAiUsage | null;
}

interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

interface OpenAiToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** Router usage -> OpenAI usage. */
export function toOpenAiUsage(u: Usage): OpenAiUsage {
  return { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.totalTokens };
}

function toolCall(c: ToolCall): OpenAiToolCall {
  return { id: c.id, type: 'function', function: { name: c.function.name, arguments: c.function.arguments } };
}

function toolCallDelta(c: ToolCallDelta): OpenAiToolCallDelta {
  const out: OpenAiToolCallDelta = { index: c.index };
  if (c.id !== undefined) out.id = c.id;
  if (c.type !== undefined) out.type = c.type;
  if (c.function !== undefined) out.function = c.function;
  return out;
}

/** A router completion -> OpenAI's `chat.completion` (snake_case, without the router's `provider`). */
export function toOpenAiCompletion(c: ChatCompletion): OpenAiChatCompletion {
  return {
    id: c.id,
    object: 'chat.completion',
    created: c.created,
    model: c.model,
    choices: c.choices.map((ch) => {
      const message: OpenAiChatCompletion['choices'][number]['message'] = { role: 'assistant', content: ch.message.content, refusal: null };
      if (ch.message.toolCalls !== undefined && ch.message.toolCalls.length > 0) message.tool_calls = ch.message.toolCalls.map(toolCall);
      return { index: ch.index, message, logprobs: null, finish_reason: ch.finishReason };
    }),
    usage: toOpenAiUsage(c.usage),
  };
}

/**
 * The choices of a router chunk as an OpenAI `chat.completion.chunk`. `withUsageField` adds `usage: null`,
 * as OpenAI does on every chunk but the last when `stream_options.include_usage` is set.
 */
export function toOpenAiChunk(c: ChatCompletionChunk, withUsageField: boolean): OpenAiChatCompletionChunk {
  const out: OpenAiChatCompletionChunk = {
    id: c.id,
    object: 'chat.completion.chunk',
    created: c.created,
    model: c.model,
    choices: c.choices.map((ch) => {
      const delta: OpenAiChatCompletionChunk['choices'][number]['delta'] = {};
      if (ch.delta.role !== undefined) delta.role = ch.delta.role;
      if (ch.delta.content !== undefined) delta.content = ch.delta.content;
      if (ch.delta.toolCalls !== undefined) delta.tool_calls = ch.delta.toolCalls.map(toolCallDelta);
      return { index: ch.index, delta, logprobs: null, finish_reason: ch.finishReason };
    }),
  };
  if (withUsageField) out.usage = null;
  return out;
}

/** The final usage chunk OpenAI sends with `stream_options.include_usage`: no choices, the usage. */
export function toOpenAiUsageChunk(last: { id: string; created: number; model: string }, usage: Usage): OpenAiChatCompletionChunk {
  return { id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model, choices: [], usage: toOpenAiUsage(usage) };
}
