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

/** Options of the OpenAI request mapping that differ across the OpenAI-compatible family. */
export interface OpenAiWireOptions {
  /** Send `stream_options.include_usage` on streams (OpenAI and most compatible APIs). */
  includeUsage: boolean;
  /** Name of the completion-length field: `max_completion_tokens` (OpenAI) or `max_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

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
    part.type === 'text' ? part : { type: 'image_url', image_url: { url: part.imageUrl.url, detail: part.imageUrl.detail } },
  );
}

/** Maps a unified message to OpenAI's wire shape. */
export function messageToOpenAi(m: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role, content: contentToWire(m.content) };
  if (m.name !== undefined) out.name = m.name;
  if (m.toolCalls !== undefined && m.toolCalls.length > 0) out.tool_calls = m.toolCalls;
  if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
  return out;
}

/** Maps a unified request to an OpenAI chat completion body. */
export function chatRequestToOpenAi(
  req: ChatCompletionRequest,
  model: string,
  stream: boolean,
  options: OpenAiWireOptions,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model, messages: req.messages.map(messageToOpenAi) };
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.maxTokens !== undefined) body[options.maxTokensField] = req.maxTokens;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop !== undefined) body.stop = req.stop;
  if (req.tools !== undefined && req.tools.length > 0) body.tools = req.tools;
  if (req.toolChoice !== undefined) body.tool_choice = req.toolChoice;
  if (req.user !== undefined) body.user = req.user;
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.presencePenalty !== undefined) body.presence_penalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) body.frequency_penalty = req.frequencyPenalty;
  if (req.responseFormat !== undefined) body.response_format = req.responseFormat;
  if (stream) {
    body.stream = true;
    if (options.includeUsage) body.stream_options = { include_usage: true };
  }
  return body;
}

/** Maps OpenAI usage to the unified shape (null when absent). */
export function usageFromOpenAi(u: any): Usage | null {
  if (u == null || typeof u !== 'object') return null;
  const promptTokens = Number(u.prompt_tokens ?? 0);
  const completionTokens = Number(u.completion_tokens ?? 0);
  return { promptTokens, completionTokens, totalTokens: Number(u.total_tokens ?? promptTokens + completionTokens) };
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
export function chatCompletionFromOpenAi(json: any, provider: string, model: string): ChatCompletion {
  const choices = Array.isArray(json?.choices) ? json.choices : [];
  return {
    id: String(json?.id ?? ''),
    object: 'chat.completion',
    created: Number(json?.created ?? Math.floor(Date.now() / 1000)),
    model: String(json?.model ?? model),
    provider,
    choices: choices.map((c: any, i: number) => {
      const toolCalls = toolCallsFromOpenAi(c?.message?.tool_calls);
      const message: ChatCompletion['choices'][number]['message'] = {
        role: 'assistant',
        content: c?.message?.content ?? null,
      };
      if (toolCalls !== undefined) message.toolCalls = toolCalls;
      return { index: Number(c?.index ?? i), message, finishReason: openAiFinishReason(c?.finish_reason) };
    }),
    usage: usageFromOpenAi(json?.usage) ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
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
export function chatChunkFromOpenAi(json: any, provider: string, model: string): ChatCompletionChunk {
  const choices = Array.isArray(json?.choices) ? json.choices : [];
  const chunk: ChatCompletionChunk = {
    id: String(json?.id ?? ''),
    object: 'chat.completion.chunk',
    created: Number(json?.created ?? 0),
    model: String(json?.model ?? model),
    provider,
    choices: choices.map((c: any, i: number) => {
      const delta: ChatCompletionChunk['choices'][number]['delta'] = {};
      const d = c?.delta ?? {};
      if (d.role === 'assistant') delta.role = 'assistant';
      if (d.content !== undefined) delta.content = d.content;
      const toolCalls = toolCallDeltasFromOpenAi(d.tool_calls);
      if (toolCalls !== undefined) delta.toolCalls = toolCalls;
      return { index: Number(c?.index ?? i), delta, finishReason: openAiFinishReason(c?.finish_reason) };
    }),
  };
  const usage = usageFromOpenAi(json?.usage);
  if (usage !== null) chunk.usage = usage;
  return chunk;
}
