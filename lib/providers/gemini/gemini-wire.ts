import { BadRequestError } from '../../errors/llm-router-error.js';
import type {
  ChatCompletion,
  ChatCompletionRequest,
  ChatMessage,
  ContentPart,
  FinishReason,
  ToolCall,
  ToolChoice,
  Usage,
} from '../../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../types/embeddings.js';
import { num, textOf } from '../content.js';
import { parseDataUrl } from '../data-url.js';
import { makeUsage, zeroUsage } from '../usage.js';
import { parseToolArguments, toolNamesById } from '../tool-arguments.js';
import type { ThoughtSignatures } from './thought-signatures.js';

/**
 * The signature Google documents for `functionCall` parts whose real `thoughtSignature` is unknown
 * (a history written by another model, or by another process); Gemini 3 refuses such parts without one.
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** Prefix of the tool call ids we make up when Gemini gives none; those ids are never sent back. */
const SYNTHETIC_ID_PREFIX = 'gemini_call_';

const FINISH: Record<string, FinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
};

/**
 * Normalises a Gemini `finishReason`; a candidate that called functions finished with `tool_calls`
 * (Gemini itself says `STOP`).
 */
export function geminiFinishReason(reason: unknown, calledTools: boolean): FinishReason | null {
  if (typeof reason !== 'string') return null;
  const mapped = FINISH[reason] ?? 'stop';
  return calledTools && mapped === 'stop' ? 'tool_calls' : mapped;
}

/** `models/{model}` unless the name already has a collection (`models/…`, `tunedModels/…`). */
export function geminiModelPath(model: string): string {
  const name = model.includes('/') ? model : `models/${model}`;
  return name.split('/').map(encodeURIComponent).join('/');
}

/** The id of the `index`-th function call of a response that gave none: stable for the response. */
export function syntheticToolCallId(responseId: string, index: number): string {
  return `${SYNTHETIC_ID_PREFIX}${responseId}_${index}`;
}

type Part = Record<string, unknown>;
type Content = { role: 'user' | 'model'; parts: Part[] };

/** JSON Schema keywords Gemini's OpenAPI-subset `Schema` refuses. */
const UNSUPPORTED_SCHEMA_KEYS = new Set(['$schema', '$id', 'additionalProperties']);

/** A copy of a JSON Schema without the keywords Gemini's `parameters` schema refuses. */
export function geminiSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(geminiSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (UNSUPPORTED_SCHEMA_KEYS.has(key)) continue;
    out[key] = key === 'properties' && value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).map(([name, s]) => [name, geminiSchema(s)]))
      : geminiSchema(value);
  }
  return out;
}

function imagePart(url: string, field: string): Part {
  const data = parseDataUrl(url);
  if (data !== undefined) return { inlineData: { mimeType: data.mimeType, data: data.data } };
  if (/^https?:\/\//i.test(url)) {
    const fileData: Record<string, string> = { fileUri: url };
    const mimeType = imageMimeType(url);
    if (mimeType !== undefined) fileData.mimeType = mimeType;
    return { fileData };
  }
  throw new BadRequestError(`Invalid request: ${field} must be a base64 data URL or an http(s) URL`, { field });
}

function imageMimeType(url: string): string | undefined {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  switch (ext) {
    case 'png':
      return 'image/png';
    case 'jpg':
    case 'jpeg':
      return 'image/jpeg';
    case 'webp':
      return 'image/webp';
    case 'heic':
      return 'image/heic';
    case 'heif':
      return 'image/heif';
    default:
      return undefined;
  }
}

function contentParts(content: ChatMessage['content'], field: string): Part[] {
  if (content === null) return [];
  if (typeof content === 'string') return [{ text: content }];
  const parts: Part[] = [];
  for (let i = 0; i < content.length; i++) {
    const p: ContentPart = content[i]!;
    parts.push(p.type === 'text' ? { text: p.text } : imagePart(p.imageUrl.url, `${field}[${i}].imageUrl.url`));
  }
  return parts;
}

function modelParts(m: ChatMessage, index: number, signatures: ThoughtSignatures): Part[] {
  const parts: Part[] = [];
  const text = textOf(m.content);
  if (text.length > 0) parts.push({ text });
  const calls = m.toolCalls ?? [];
  for (let j = 0; j < calls.length; j++) {
    const c = calls[j]!;
    const functionCall: Record<string, unknown> = {
      name: c.function.name,
      args: parseToolArguments(c.function.arguments, `messages[${index}].toolCalls[${j}].function.arguments`),
    };
    if (!c.id.startsWith(SYNTHETIC_ID_PREFIX)) functionCall.id = c.id;
    const part: Part = { functionCall };
    const signature = signatures.get(c.id) ?? (j === 0 ? SKIP_THOUGHT_SIGNATURE : undefined);
    if (signature !== undefined) part.thoughtSignature = signature;
    parts.push(part);
  }
  if (parts.length === 0) parts.push({ text: '' });
  return parts;
}

function functionResponsePart(m: ChatMessage, index: number, names: Map<string, string>): Part {
  const id = m.toolCallId!;
  const name = names.get(id);
  if (name === undefined) {
    throw new BadRequestError(`Invalid request: messages[${index}].toolCallId "${id}" answers no earlier tool call`, {
      field: `messages[${index}].toolCallId`,
    });
  }
  const text = textOf(m.content);
  let response: unknown;
  try {
    response = JSON.parse(text);
  } catch {
    response = undefined;
  }
  const functionResponse: Record<string, unknown> = {
    name,
    response: response !== null && typeof response === 'object' && !Array.isArray(response) ? response : { content: text },
  };
  if (!id.startsWith(SYNTHETIC_ID_PREFIX)) functionResponse.id = id;
  return { functionResponse };
}

function toolConfigOf(choice: ToolChoice): Record<string, unknown> {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
}

/**
 * Maps a unified request to a `GenerateContentRequest`: system and developer messages become
 * `systemInstruction`, assistant turns `model` contents (tool calls as `functionCall` parts), and
 * consecutive tool messages one `user` content of `functionResponse` parts.
 */
export function chatRequestToGemini(req: ChatCompletionRequest, signatures: ThoughtSignatures): Record<string, unknown> {
  const system: Part[] = [];
  const contents: Content[] = [];
  const names = toolNamesById(req.messages);
  let toolTurn: Part[] | undefined;
  for (let i = 0; i < req.messages.length; i++) {
    const m = req.messages[i]!;
    if (m.role === 'tool') {
      if (toolTurn === undefined) {
        toolTurn = [];
        contents.push({ role: 'user', parts: toolTurn });
      }
      toolTurn.push(functionResponsePart(m, i, names));
      continue;
    }
    toolTurn = undefined;
    if (m.role === 'system' || m.role === 'developer') {
      const text = textOf(m.content);
      if (text.length > 0) system.push({ text });
    } else if (m.role === 'assistant') {
      contents.push({ role: 'model', parts: modelParts(m, i, signatures) });
    } else {
      const parts = contentParts(m.content, `messages[${i}].content`);
      contents.push({ role: 'user', parts: parts.length === 0 ? [{ text: '' }] : parts });
    }
  }
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  const generationConfig: Record<string, unknown> = {};
  if (req.temperature !== undefined) generationConfig.temperature = req.temperature;
  if (req.topP !== undefined) generationConfig.topP = req.topP;
  if (req.maxTokens !== undefined) generationConfig.maxOutputTokens = req.maxTokens;
  if (req.stop !== undefined) generationConfig.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.seed !== undefined) generationConfig.seed = req.seed;
  if (req.presencePenalty !== undefined) generationConfig.presencePenalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) generationConfig.frequencyPenalty = req.frequencyPenalty;
  if (req.responseFormat?.type === 'json_object') generationConfig.responseMimeType = 'application/json';
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  if (req.tools !== undefined && req.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: req.tools.map((t) => {
          const fn: Record<string, unknown> = { name: t.function.name };
          if (t.function.description !== undefined) fn.description = t.function.description;
          if (t.function.parameters !== undefined) fn.parameters = geminiSchema(t.function.parameters);
          return fn;
        }),
      },
    ];
    if (req.toolChoice !== undefined) body.toolConfig = toolConfigOf(req.toolChoice);
  }
  return body;
}

/**
 * Gemini `usageMetadata` to the unified usage: thinking tokens count as completion (and reasoning)
 * tokens; `promptTokenCount` already includes the cached ones (`cachedContentTokenCount`).
 */
export function usageFromGemini(u: any): Usage | null {
  if (u === null || typeof u !== 'object') return null;
  const promptTokens = num(u.promptTokenCount) + num(u.toolUsePromptTokenCount);
  const reasoningTokens = num(u.thoughtsTokenCount);
  const completionTokens = num(u.candidatesTokenCount) + reasoningTokens;
  const total = typeof u.totalTokenCount === 'number' ? u.totalTokenCount : promptTokens + completionTokens;
  return makeUsage(promptTokens, completionTokens, total, { cachedTokens: num(u.cachedContentTokenCount), reasoningTokens });
}

/** A `functionCall` part as a unified tool call. */
export function toolCallFromGemini(call: any, responseId: string, index: number): ToolCall {
  const id = typeof call?.id === 'string' && call.id.length > 0 ? call.id : syntheticToolCallId(responseId, index);
  return { id, type: 'function', function: { name: String(call?.name ?? ''), arguments: JSON.stringify(call?.args ?? {}) } };
}

/** The response id, or a fresh one when Gemini sent none. */
export function responseIdOf(json: any): string {
  return typeof json?.responseId === 'string' && json.responseId.length > 0 ? json.responseId : Math.random().toString(36).slice(2, 12);
}

/** Maps a `GenerateContentResponse` to the unified completion; remembers the thought signatures of its function calls. */
export function chatCompletionFromGemini(json: any, provider: string, model: string, signatures: ThoughtSignatures, requestId: string): ChatCompletion {
  const responseId = responseIdOf(json);
  const cand = Array.isArray(json?.candidates) ? json.candidates[0] : undefined;
  const parts = Array.isArray(cand?.content?.parts) ? cand.content.parts : [];
  let text = '';
  let sawText = false;
  let reasoning: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const p of parts) {
    if (p?.thought === true) {
      if (typeof p.text === 'string') reasoning = (reasoning ?? '') + p.text;
      continue;
    }
    if (typeof p?.text === 'string') {
      text += p.text;
      sawText = true;
    } else if (p?.functionCall != null) {
      const call = toolCallFromGemini(p.functionCall, responseId, toolCalls.length);
      if (typeof p.thoughtSignature === 'string') signatures.set(call.id, p.thoughtSignature);
      toolCalls.push(call);
    }
  }
  let finishReason = geminiFinishReason(cand?.finishReason, toolCalls.length > 0);
  if (cand === undefined && json?.promptFeedback?.blockReason != null) finishReason = 'content_filter';
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: sawText || toolCalls.length === 0 ? text : null,
    reasoning,
    refusal: null,
  };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  return {
    id: responseId,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: typeof json?.modelVersion === 'string' ? json.modelVersion : model,
    provider,
    requestId,
    choices: [{ index: 0, message, finishReason }],
    usage: usageFromGemini(json?.usageMetadata) ?? zeroUsage(),
  };
}

/** The `embedContent` body for one input, or the `batchEmbedContents` body for several. */
export function embeddingsRequestToGemini(req: EmbeddingsRequest, model: string): { batch: boolean; body: Record<string, unknown> } {
  const name = model.includes('/') ? model : `models/${model}`;
  const one = (text: string): Record<string, unknown> => {
    const r: Record<string, unknown> = { model: name, content: { parts: [{ text }] } };
    if (req.dimensions !== undefined) r.outputDimensionality = req.dimensions;
    return r;
  };
  if (typeof req.input === 'string') return { batch: false, body: one(req.input) };
  return { batch: true, body: { requests: req.input.map(one) } };
}

/** Maps an `embedContent` (`embedding`) or `batchEmbedContents` (`embeddings`) answer. */
export function embeddingsFromGemini(json: any, provider: string, model: string): EmbeddingsResponse {
  const vectors: unknown[] = Array.isArray(json?.embeddings) ? json.embeddings : json?.embedding != null ? [json.embedding] : [];
  const promptTokens = num(json?.usageMetadata?.promptTokenCount);
  return {
    object: 'list',
    data: vectors.map((v: any, index) => ({ object: 'embedding', index, embedding: Array.isArray(v?.values) ? v.values : [] })),
    model,
    provider,
    usage: { promptTokens, totalTokens: promptTokens },
  };
}
