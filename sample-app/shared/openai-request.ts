import type { ChatCompletionRequest, ChatMessage, ContentPart, ToolCall } from 'llm-api-router';
import { invalidRequest, modelNotFound } from './api-error.js';

/** A parsed OpenAI chat completion request, ready for the router. */
export interface ParsedChatRequest {
  request: ChatCompletionRequest;
  stream: boolean;
  /** `stream_options.include_usage`: send a final usage chunk. */
  includeUsage: boolean;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses the body of `POST /v1/chat/completions` (raw bytes, text, or an already parsed value) from
 * OpenAI's snake_case JSON into the router's camelCase request. Structural problems are 400s in OpenAI's
 * wording; value ranges are left to the router's own validation (whose errors map back to snake_case).
 * `servedModels` undefined means any model name is routed; otherwise an unknown model is a 404.
 */
export function parseChatRequest(body: unknown, servedModels: ReadonlySet<string> | undefined): ParsedChatRequest {
  const json = typeof body === 'string' || Buffer.isBuffer(body) ? parseJson(body) : body;
  if (!isObject(json)) throw invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
  const { model, messages } = json;
  if (messages === undefined) throw invalidRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages)) throw invalidRequest("Invalid type for 'messages': expected an array.", 'messages', 'invalid_type');
  if (model !== undefined && typeof model !== 'string') throw invalidRequest("Invalid type for 'model': expected a string.", 'model', 'invalid_type');
  if (typeof model === 'string' && servedModels !== undefined && !servedModels.has(model)) throw modelNotFound(model);
  if (json.n !== undefined && json.n !== null && json.n !== 1) throw invalidRequest("Invalid 'n': only n=1 is supported by this router.", 'n');
  const stream = json.stream === true;
  if (json.stream !== undefined && json.stream !== null && typeof json.stream !== 'boolean') {
    throw invalidRequest("Invalid type for 'stream': expected a boolean.", 'stream', 'invalid_type');
  }
  const streamOptions = json.stream_options;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!stream) throw invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
    if (!isObject(streamOptions)) throw invalidRequest("Invalid type for 'stream_options': expected an object.", 'stream_options', 'invalid_type');
  }
  const request: ChatCompletionRequest = { messages: messages.map(toMessage) };
  if (model !== undefined) request.model = model;
  if (stream) request.stream = true;
  copy(json, 'temperature', request, 'temperature');
  copy(json, 'top_p', request, 'topP');
  copy(json, 'max_tokens', request, 'maxTokens');
  if (request.maxTokens === undefined) copy(json, 'max_completion_tokens', request, 'maxTokens');
  copy(json, 'stop', request, 'stop');
  copy(json, 'user', request, 'user');
  copy(json, 'seed', request, 'seed');
  copy(json, 'presence_penalty', request, 'presencePenalty');
  copy(json, 'frequency_penalty', request, 'frequencyPenalty');
  copy(json, 'tools', request, 'tools');
  copy(json, 'tool_choice', request, 'toolChoice');
  const format = json.response_format;
  if (format !== undefined && format !== null) {
    const type = isObject(format) ? format.type : undefined;
    if (type !== 'text' && type !== 'json_object') {
      throw invalidRequest("Invalid 'response_format.type': this router supports 'text' and 'json_object'.", 'response_format.type');
    }
    request.responseFormat = { type };
  }
  return { request, stream, includeUsage: stream && isObject(streamOptions) && streamOptions.include_usage === true };
}

function parseJson(body: string | Buffer): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') throw invalidRequest('The request body is empty; expected a JSON object.', null, 'invalid_json');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalidRequest(`We could not parse the JSON body of your request. (${(e as Error).message})`, null, 'invalid_json');
  }
}

function copy<K extends keyof ChatCompletionRequest>(from: Json, key: string, to: ChatCompletionRequest, target: K): void {
  const v = from[key];
  if (v !== undefined && v !== null) to[target] = v as ChatCompletionRequest[K];
}

function toMessage(m: unknown, index: number): ChatMessage {
  if (!isObject(m)) throw invalidRequest(`Invalid type for 'messages[${index}]': expected an object.`, `messages[${index}]`, 'invalid_type');
  const out: ChatMessage = { role: m.role as ChatMessage['role'], content: toContent(m.content, index) };
  if (typeof m.name === 'string') out.name = m.name;
  if (Array.isArray(m.tool_calls)) out.toolCalls = m.tool_calls.map((c, j) => toToolCall(c, index, j));
  if (m.tool_call_id !== undefined) out.toolCallId = m.tool_call_id as string;
  return out;
}

function toContent(content: unknown, index: number): ChatMessage['content'] {
  if (!Array.isArray(content)) return content as ChatMessage['content'];
  return content.map((part, j): ContentPart => {
    const at = `messages[${index}].content[${j}]`;
    if (isObject(part) && part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
    if (isObject(part) && part.type === 'image_url' && isObject(part.image_url) && typeof part.image_url.url === 'string') {
      const { url, detail } = part.image_url;
      return detail === 'auto' || detail === 'low' || detail === 'high' ? { type: 'image_url', imageUrl: { url, detail } } : { type: 'image_url', imageUrl: { url } };
    }
    const type = isObject(part) ? JSON.stringify(part.type) : 'a non-object';
    throw invalidRequest(`Invalid content part '${at}' (type ${type}): expected { type: 'text', text } or { type: 'image_url', image_url: { url } }.`, at);
  });
}

function toToolCall(call: unknown, index: number, j: number): ToolCall {
  const fn = isObject(call) ? call.function : undefined;
  if (!isObject(call) || !isObject(fn) || typeof fn.name !== 'string' || typeof call.id !== 'string') {
    const at = `messages[${index}].tool_calls[${j}]`;
    throw invalidRequest(`Invalid '${at}': expected { id, type: 'function', function: { name, arguments } }.`, at);
  }
  return { id: call.id, type: 'function', function: { name: fn.name, arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) } };
}
