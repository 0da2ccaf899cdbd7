import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
  ContentPart,
  FinishReason,
  ToolCall,
  ToolCallDelta,
  Usage,
} from '../../types/chat.js';
import { num, numOrUndefined } from '../content.js';
import { makeUsage, zeroUsage } from '../usage.js';

/** Options of the OpenAI request mapping that differ across the OpenAI-compatible family. */
export interface OpenAiWireOptions {
  /** Send `stream_options.include_usage` on streams (OpenAI and most compatible APIs). */
  includeUsage: boolean;
  /** Name of the completion-length field: `max_completion_tokens` (OpenAI) or `max_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Send the `model` field (Azure takes the model from the deployment path). */
  sendModel: boolean;
  /** Name of the sampling-seed field (`random_seed` on Mistral); null drops it. */
  seedField: 'seed' | 'random_seed' | null;
  /** Name of the end-user field (`user_id` on Zhipu); null drops it. */
  userField: 'user' | 'user_id' | null;
  /** Whether `presence_penalty` / `frequency_penalty` are accepted. */
  penalties: boolean;
  /** Whether the `developer` role is accepted; otherwise it is sent as `system`. */
  developerRole: boolean;
  /** Whether messages may carry `name` (Mistral rejects it). */
  messageNames: boolean;
  /** `auto-only`: the API knows only `tool_choice: "auto"` (Zhipu); `none` then drops the tools. */
  toolChoice: 'full' | 'auto-only';
}

/** The wire options of plain OpenAI. */
export const OPENAI_WIRE: Readonly<OpenAiWireOptions> = Object.freeze({
  includeUsage: true,
  maxTokensField: 'max_completion_tokens',
  sendModel: true,
  seedField: 'seed',
  userField: 'user',
  penalties: true,
  developerRole: true,
  messageNames: true,
  toolChoice: 'full',
});

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  function_call: 'function_call',
  eos: 'stop',
  model_length: 'length',
  insufficient_system_resource: 'length',
  sensitive: 'content_filter',
  network_error: 'stop',
  error: 'stop',
};

/** Normalises a finish reason of the OpenAI family to OpenAI's own values. */
export function openAiFinishReason(reason: unknown): FinishReason | null {
  if (typeof reason !== 'string') return null;
  return FINISH[reason] ?? 'stop';
}

function contentToWire(content: ChatMessage['content']): unknown {
  if (content === null || typeof content === 'string') return content;
  return content.map((part: ContentPart) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image_url', image_url: { url: part.imageUrl.url, detail: part.imageUrl.detail } },
  );
}

/** Maps a unified message to OpenAI's wire shape. */
export function messageToOpenAi(m: ChatMessage, options: OpenAiWireOptions = OPENAI_WIRE): Record<string, unknown> {
  const role = m.role === 'developer' && !options.developerRole ? 'system' : m.role;
  const out: Record<string, unknown> = { role, content: contentToWire(m.content) };
  if (m.name !== undefined && options.messageNames) out.name = m.name;
  if (m.toolCalls !== undefined && m.toolCalls.length > 0) {
    out.tool_calls = m.toolCalls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.function.name, arguments: c.function.arguments },
    }));
  }
  if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
  return out;
}

function toolsToWire(tools: NonNullable<ChatCompletionRequest['tools']>): unknown[] {
  return tools.map((t) => {
    const fn: Record<string, unknown> = { name: t.function.name };
    if (t.function.description !== undefined) fn.description = t.function.description;
    if (t.function.parameters !== undefined) fn.parameters = t.function.parameters;
    if (t.function.strict !== undefined) fn.strict = t.function.strict;
    return { type: 'function', function: fn };
  });
}

/** Maps a unified request to an OpenAI chat completion body. */
export function chatRequestToOpenAi(
  req: ChatCompletionRequest,
  model: string,
  stream: boolean,
  options: OpenAiWireOptions,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (options.sendModel) body.model = model;
  body.messages = req.messages.map((m) => messageToOpenAi(m, options));
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.maxTokens !== undefined) body[options.maxTokensField] = req.maxTokens;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop !== undefined) body.stop = req.stop;
  const tc = req.toolChoice;
  if (req.tools !== undefined && req.tools.length > 0 && !(options.toolChoice === 'auto-only' && tc === 'none')) {
    body.tools = toolsToWire(req.tools);
    if (tc !== undefined) body.tool_choice = options.toolChoice === 'auto-only' ? 'auto' : tc;
  }
  if (req.user !== undefined && options.userField !== null) body[options.userField] = req.user;
  if (req.seed !== undefined && options.seedField !== null) body[options.seedField] = req.seed;
  if (options.penalties) {
    if (req.presencePenalty !== undefined) body.presence_penalty = req.presencePenalty;
    if (req.frequencyPenalty !== undefined) body.frequency_penalty = req.frequencyPenalty;
  }
  if (req.responseFormat !== undefined) body.response_format = { type: req.responseFormat.type };
  if (stream) {
    body.stream = true;
    if (options.includeUsage) body.stream_options = { include_usage: true };
  }
  return body;
}

/**
 * The text of an answer's `content`: a string, or (Mistral's reasoning models) an array of parts whose
 * `text` parts are joined; null when absent.
 */
export function contentFromOpenAi(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  let text = '';
  for (const part of content) if (part?.type === 'text' && typeof part.text === 'string') text += part.text;
  return text;
}

/** The text of Mistral's `thinking` content parts (each holding text parts); undefined when there are none. */
function thinkingParts(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  let text: string | undefined;
  for (const part of content) {
    if (part?.type !== 'thinking') continue;
    const inner = Array.isArray(part.thinking) ? part.thinking : [part];
    for (const t of inner) {
      const piece = typeof t?.text === 'string' ? t.text : typeof t?.thinking === 'string' ? t.thinking : undefined;
      if (piece !== undefined) text = (text ?? '') + piece;
    }
  }
  return text;
}

/**
 * The reasoning text of a message or delta: `reasoning_content` (DeepSeek, xAI, DashScope), `reasoning`
 * (Groq, OpenRouter) or Mistral's thinking parts; undefined when it carries none.
 */
export function reasoningFromOpenAi(m: any): string | undefined {
  if (m == null || typeof m !== 'object') return undefined;
  if (typeof m.reasoning_content === 'string') return m.reasoning_content;
  if (typeof m.reasoning === 'string') return m.reasoning;
  return thinkingParts(m.content);
}

/**
 * Maps OpenAI usage to the unified shape (null when absent): cached tokens from `prompt_tokens_details`
 * (DeepSeek: `prompt_cache_hit_tokens`), cache writes (OpenRouter), reasoning tokens. Where reasoning
 * is billed outside `completion_tokens` (xAI: total = prompt + completion + reasoning) it is added to it.
 */
export function usageFromOpenAi(u: any): Usage | null {
  if (u == null || typeof u !== 'object') return null;
  const promptTokens = num(u.prompt_tokens);
  let completionTokens = num(u.completion_tokens);
  const reasoningTokens = num(u.completion_tokens_details?.reasoning_tokens);
  const total = numOrUndefined(u.total_tokens);
  if (reasoningTokens > 0 && total !== undefined && total === promptTokens + completionTokens + reasoningTokens) {
    completionTokens += reasoningTokens;
  }
  const details = u.prompt_tokens_details;
  return makeUsage(promptTokens, completionTokens, total ?? promptTokens + completionTokens, {
    cachedTokens: num(details?.cached_tokens) || num(u.prompt_cache_hit_tokens),
    cacheWriteTokens: num(details?.cache_write_tokens),
    reasoningTokens,
  });
}

function toolCallsFromOpenAi(calls: any): ToolCall[] | undefined {
  if (!Array.isArray(calls) || calls.length === 0) return undefined;
  return calls.map((c: any) => ({
    id: String(c.id),
    type: 'function',
    function: { name: String(c.function?.name ?? ''), arguments: String(c.function?.arguments ?? '') },
  }));
}

/** Maps an OpenAI chat completion body to the unified completion. */
export function chatCompletionFromOpenAi(json: any, provider: string, model: string, requestId: string): ChatCompletion {
  const choices = Array.isArray(json?.choices) ? json.choices : [];
  return {
    id: String(json?.id ?? ''),
    object: 'chat.completion',
    created: Number(json?.created ?? Math.floor(Date.now() / 1000)),
    model: String(json?.model ?? model),
    provider,
    requestId,
    choices: choices.map((c: any, i: number) => {
      const m = c?.message;
      const toolCalls = toolCallsFromOpenAi(m?.tool_calls);
      const message: ChatCompletion['choices'][number]['message'] = {
        role: 'assistant',
        content: contentFromOpenAi(m?.content),
        reasoning: reasoningFromOpenAi(m) ?? null,
        refusal: typeof m?.refusal === 'string' ? m.refusal : null,
      };
      if (toolCalls !== undefined) message.toolCalls = toolCalls;
      return { index: Number(c?.index ?? i), message, finishReason: openAiFinishReason(c?.finish_reason) };
    }),
    usage: usageFromOpenAi(json?.usage) ?? zeroUsage(),
  };
}

function toolCallDeltasFromOpenAi(deltas: any): ToolCallDelta[] | undefined {
  if (!Array.isArray(deltas) || deltas.length === 0) return undefined;
  return deltas.map((d: any, i: number) => {
    const out: ToolCallDelta = { index: Number(d.index ?? i) };
    if (d.id != null) out.id = String(d.id);
    if (d.type != null) out.type = 'function';
    if (d.function != null) {
      out.function = {};
      if (d.function.name != null) out.function.name = String(d.function.name);
      if (d.function.arguments != null) out.function.arguments = String(d.function.arguments);
    }
    return out;
  });
}

/** Maps one OpenAI `chat.completion.chunk` to the unified chunk. */
export function chatChunkFromOpenAi(json: any, provider: string, model: string, requestId: string): ChatCompletionChunk {
  const choices = Array.isArray(json?.choices) ? json.choices : [];
  const chunk: ChatCompletionChunk = {
    id: String(json?.id ?? ''),
    object: 'chat.completion.chunk',
    created: Number(json?.created ?? 0),
    model: String(json?.model ?? model),
    provider,
    requestId,
    choices: choices.map((c: any, i: number) => {
      const delta: ChatCompletionChunk['choices'][number]['delta'] = {};
      const d = c?.delta ?? {};
      if (d.role === 'assistant') delta.role = 'assistant';
      if (d.content !== undefined && (typeof d.content !== 'object' || d.content === null || hasTextPart(d.content))) {
        delta.content = contentFromOpenAi(d.content);
      }
      const reasoning = reasoningFromOpenAi(d);
      if (reasoning !== undefined && reasoning.length > 0) delta.reasoning = reasoning;
      if (typeof d.refusal === 'string' && d.refusal.length > 0) delta.refusal = d.refusal;
      const toolCalls = toolCallDeltasFromOpenAi(d.tool_calls);
      if (toolCalls !== undefined) delta.toolCalls = toolCalls;
      return { index: Number(c?.index ?? i), delta, finishReason: openAiFinishReason(c?.finish_reason) };
    }),
  };
  const usage = usageFromOpenAi(json?.usage ?? json?.x_groq?.usage);
  if (usage !== null) chunk.usage = usage;
  return chunk;
}

function hasTextPart(content: unknown[]): boolean {
  return content.some((part: any) => part?.type === 'text');
}
