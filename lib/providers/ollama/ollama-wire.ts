import { BadRequestError } from '../../errors/llm-router-error.js';
import type { ChatCompletion, ChatCompletionRequest, ChatMessage, FinishReason, ToolCall, Usage } from '../../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../types/embeddings.js';
import { num } from '../content.js';
import { parseDataUrl } from '../data-url.js';
import { parseToolArguments, toolNamesById } from '../tool-arguments.js';

/** Prefix of the tool call ids we make up when Ollama gives none; those ids are never sent back. */
const SYNTHETIC_ID_PREFIX = 'ollama_call_';

/**
 * Normalises Ollama's `done_reason` (`stop`, `length`, `load`, `unload`); a message that called tools
 * finished with `tool_calls` (Ollama itself says `stop`).
 */
export function ollamaFinishReason(reason: unknown, calledTools: boolean): FinishReason {
  if (reason === 'length') return 'length';
  return calledTools ? 'tool_calls' : 'stop';
}

/** The id of the `index`-th tool call of response `responseId` when Ollama gave none. */
export function syntheticToolCallId(responseId: string, index: number): string {
  return `${SYNTHETIC_ID_PREFIX}${responseId}_${index}`;
}

function messageToOllama(m: ChatMessage, index: number, names: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role === 'developer' ? 'system' : m.role };
  const c = m.content;
  if (c === null || typeof c === 'string') {
    out.content = c ?? '';
  } else {
    let text = '';
    const images: string[] = [];
    for (let j = 0; j < c.length; j++) {
      const p = c[j]!;
      if (p.type === 'text') {
        text = text.length === 0 ? p.text : `${text}\n${p.text}`;
        continue;
      }
      const data = parseDataUrl(p.imageUrl.url);
      if (data === undefined) {
        const field = `messages[${index}].content[${j}].imageUrl.url`;
        throw new BadRequestError(`Invalid request: ${field} must be a base64 data URL (Ollama does not fetch image URLs)`, { field });
      }
      images.push(data.data);
    }
    out.content = text;
    if (images.length > 0) out.images = images;
  }
  if (m.role === 'assistant' && m.toolCalls !== undefined && m.toolCalls.length > 0) {
    out.tool_calls = m.toolCalls.map((call, j) => {
      const wire: Record<string, unknown> = {
        function: {
          name: call.function.name,
          arguments: parseToolArguments(call.function.arguments, `messages[${index}].toolCalls[${j}].function.arguments`),
        },
      };
      if (!call.id.startsWith(SYNTHETIC_ID_PREFIX)) wire.id = call.id;
      return wire;
    });
  }
  if (m.role === 'tool' && m.toolCallId !== undefined) {
    const name = names.get(m.toolCallId);
    if (name !== undefined) out.tool_name = name;
  }
  return out;
}

/**
 * Maps a unified request to an `/api/chat` body. `stream` is always sent (Ollama streams by default);
 * sampling settings go in `options`; JSON arguments become objects; `toolChoice: 'none'` sends no tools
 * (Ollama has no tool choice).
 */
export function chatRequestToOllama(req: ChatCompletionRequest, model: string, stream: boolean): Record<string, unknown> {
  const names = toolNamesById(req.messages);
  const body: Record<string, unknown> = {
    model,
    messages: req.messages.map((m, i) => messageToOllama(m, i, names)),
    stream,
  };
  const options: Record<string, unknown> = {};
  if (req.temperature !== undefined) options.temperature = req.temperature;
  if (req.topP !== undefined) options.top_p = req.topP;
  if (req.maxTokens !== undefined) options.num_predict = req.maxTokens;
  if (req.stop !== undefined) options.stop = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.seed !== undefined) options.seed = req.seed;
  if (req.presencePenalty !== undefined) options.presence_penalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) options.frequency_penalty = req.frequencyPenalty;
  if (Object.keys(options).length > 0) body.options = options;
  if (req.tools !== undefined && req.tools.length > 0 && req.toolChoice !== 'none') {
    body.tools = req.tools.map((t) => {
      const fn: Record<string, unknown> = { name: t.function.name };
      if (t.function.description !== undefined) fn.description = t.function.description;
      fn.parameters = t.function.parameters ?? { type: 'object', properties: {} };
      return { type: 'function', function: fn };
    });
  }
  if (req.responseFormat?.type === 'json_object') body.format = 'json';
  return body;
}

/** Ollama's counts to the unified usage (Ollama omits zero counts). */
export function usageFromOllama(json: any): Usage {
  const promptTokens = num(json?.prompt_eval_count);
  const completionTokens = num(json?.eval_count);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

/** Ollama's `message.tool_calls` (arguments as objects) as unified tool calls (arguments as JSON text). */
export function toolCallsFromOllama(calls: unknown, responseId: string, firstIndex = 0): ToolCall[] {
  if (!Array.isArray(calls)) return [];
  return calls.map((c: any, i) => ({
    id: typeof c?.id === 'string' && c.id.length > 0 ? c.id : syntheticToolCallId(responseId, firstIndex + i),
    type: 'function',
    function: {
      name: String(c?.function?.name ?? ''),
      arguments: typeof c?.function?.arguments === 'string' ? c.function.arguments : JSON.stringify(c?.function?.arguments ?? {}),
    },
  }));
}

/** Seconds since the epoch of Ollama's `created_at`, or now. */
export function createdOf(json: any): number {
  const t = typeof json?.created_at === 'string' ? Date.parse(json.created_at) : Number.NaN;
  return Math.floor((Number.isNaN(t) ? Date.now() : t) / 1000);
}

/** Maps a non-streamed `/api/chat` answer to the unified completion. */
export function chatCompletionFromOllama(json: any, provider: string, model: string, responseId: string, requestId: string): ChatCompletion {
  const toolCalls = toolCallsFromOllama(json?.message?.tool_calls, responseId);
  const text = typeof json?.message?.content === 'string' ? json.message.content : '';
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: toolCalls.length > 0 && text.length === 0 ? null : text,
    reasoning: typeof json?.message?.thinking === 'string' && json.message.thinking.length > 0 ? json.message.thinking : null,
    refusal: null,
  };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  return {
    id: responseId,
    object: 'chat.completion',
    created: createdOf(json),
    model: typeof json?.model === 'string' ? json.model : model,
    provider,
    requestId,
    choices: [{ index: 0, message, finishReason: ollamaFinishReason(json?.done_reason, toolCalls.length > 0) }],
    usage: usageFromOllama(json),
  };
}

/** The `/api/embed` body. */
export function embeddingsRequestToOllama(req: EmbeddingsRequest, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model, input: req.input };
  if (req.dimensions !== undefined) body.dimensions = req.dimensions;
  return body;
}

/** Maps an `/api/embed` answer (`embeddings`, `prompt_eval_count`). */
export function embeddingsFromOllama(json: any, provider: string, model: string): EmbeddingsResponse {
  const vectors: unknown[] = Array.isArray(json?.embeddings) ? json.embeddings : [];
  const promptTokens = num(json?.prompt_eval_count);
  return {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: Array.isArray(v) ? (v as number[]) : [] })),
    model: typeof json?.model === 'string' ? json.model : model,
    provider,
    usage: { promptTokens, totalTokens: promptTokens },
  };
}
