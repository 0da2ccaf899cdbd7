import type { ChatCompletionRequest, ChatMessage, ChatTool, ContentPart, ToolCall, ToolChoice } from 'llm-api-router';
import { invalidRequest, modelNotFound } from './api-error.js';
import { chatRequestShape } from './chat-request-schema.js';
import { parseJsonBody } from './json-body.js';
import { isObject, unsupported } from './json-shape.js';

/** A parsed OpenAI chat completion request, ready for the router. */
export interface ParsedChatRequest {
  request: ChatCompletionRequest;
  stream: boolean;
  /** `stream_options.include_usage`: send a final usage chunk. */
  includeUsage: boolean;
}

type Json = Record<string, unknown>;

/**
 * Parses the body of `POST /v1/chat/completions` (raw bytes, text, or an already parsed value) from
 * OpenAI's snake_case JSON into the router's camelCase request. Every member OpenAI defines is
 * type-checked (a wrong type is a 400 naming it in `param`), unknown members are refused as OpenAI
 * does, and what the router cannot honour (`n` > 1, logprobs, audio, `reasoning_effort`, …) is a 400 rather
 * than silently dropped. `safety_identifier` is the router's `user`. Only hints that change no answer are
 * accepted and not forwarded: `store`, `prompt_cache_key`, `prompt_cache_retention`, `service_tier` `auto` or
 * `default`, `parallel_tool_calls: true` and `stream_options.include_obfuscation`. Value ranges are left to the router's own validation (whose errors map back to snake_case).
 * `servedModels` undefined means any model name is routed; otherwise an unknown model is a 404.
 */
export function parseChatRequest(body: unknown, servedModels: ReadonlySet<string> | undefined): ParsedChatRequest {
  const json = typeof body === 'string' || body instanceof Uint8Array ? parseJsonBody(body) : body;
  if (!isObject(json)) throw invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
  chatRequestShape(json, '');
  refuseUnsupported(json);
  const model = json.model as string | undefined;
  if (model !== undefined && servedModels !== undefined && !servedModels.has(model)) throw modelNotFound(model);
  const stream = json.stream === true;
  const streamOptions = json.stream_options as Json | null | undefined;
  if (streamOptions != null && !stream) throw invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  const request: ChatCompletionRequest = { messages: (json.messages as Json[]).map(toMessage) };
  if (model !== undefined) request.model = model;
  if (stream) request.stream = true;
  copy(json, 'temperature', request, 'temperature');
  copy(json, 'top_p', request, 'topP');
  copy(json, 'max_tokens', request, 'maxTokens');
  if (request.maxTokens === undefined) copy(json, 'max_completion_tokens', request, 'maxTokens');
  copy(json, 'stop', request, 'stop');
  copy(json, 'user', request, 'user');
  if (typeof json.safety_identifier === 'string') {
    if (request.user !== undefined && request.user !== json.safety_identifier) {
      throw invalidRequest("Invalid 'safety_identifier': this router forwards one end-user id; give 'safety_identifier' or 'user', or the same value in both.", 'safety_identifier', 'invalid_value');
    }
    request.user = json.safety_identifier;
  }
  copy(json, 'seed', request, 'seed');
  copy(json, 'presence_penalty', request, 'presencePenalty');
  copy(json, 'frequency_penalty', request, 'frequencyPenalty');
  copy(json, 'metadata', request, 'metadata');
  if (json.tools !== undefined) request.tools = (json.tools as Json[]).map(toTool);
  if (json.tool_choice !== undefined) request.toolChoice = toToolChoice(json.tool_choice);
  if (json.response_format !== undefined) request.responseFormat = { type: (json.response_format as { type: 'text' | 'json_object' }).type };
  return { request, stream, includeUsage: stream && streamOptions?.include_usage === true };
}

/** Members of the right type whose values this router cannot serve. */
function refuseUnsupported(json: Json): void {
  if (json.n != null && json.n !== 1) throw invalidRequest("Invalid 'n': only n=1 is supported by this router.", 'n');
  if (json.logprobs === true) throw unsupported('logprobs', 'this router does not return log probabilities.');
  if (json.top_logprobs != null) throw unsupported('top_logprobs', 'this router does not return log probabilities.');
  if (json.audio != null) throw unsupported('audio', 'this router answers text only.');
  if (Array.isArray(json.modalities) && json.modalities.includes('audio')) throw unsupported('modalities', "this router answers text only (['text']).");
  if (json.functions !== undefined) throw unsupported('functions', "deprecated by OpenAI and not routed; use 'tools'.");
  if (json.function_call !== undefined) throw unsupported('function_call', "deprecated by OpenAI and not routed; use 'tool_choice'.");
  if (json.web_search_options !== undefined) throw unsupported('web_search_options', 'this router does not search the web.');
  if (isObject(json.logit_bias) && Object.keys(json.logit_bias).length > 0) throw unsupported('logit_bias', 'this router cannot bias tokens across providers.');
  if (json.reasoning_effort != null) throw unsupported('reasoning_effort', "this router does not set a reasoning effort; the provider's default applies.");
  if (json.verbosity != null) throw unsupported('verbosity', 'this router does not set a verbosity.');
  if (json.parallel_tool_calls === false) throw unsupported('parallel_tool_calls', 'this router cannot turn parallel tool calls off across providers.');
  if (json.prediction != null) throw unsupported('prediction', 'this router does not send predicted outputs.');
  if (json.service_tier != null && json.service_tier !== 'auto' && json.service_tier !== 'default') throw unsupported('service_tier', "this router routes at the providers' default tier ('auto' or 'default').");
}

function copy<K extends keyof ChatCompletionRequest>(from: Json, key: string, to: ChatCompletionRequest, target: K): void {
  const v = from[key];
  if (v !== undefined && v !== null) to[target] = v as ChatCompletionRequest[K];
}

function toMessage(m: Json, index: number): ChatMessage {
  const out: ChatMessage = { role: m.role as ChatMessage['role'], content: toContent(m.content, index) };
  if (m.name !== undefined) out.name = m.name as string;
  if (m.tool_calls !== undefined) out.toolCalls = (m.tool_calls as Json[]).map(toToolCall);
  if (m.tool_call_id !== undefined) out.toolCallId = m.tool_call_id as string;
  if (m.function_call != null) throw unsupported(`messages[${index}].function_call`, "deprecated by OpenAI and not routed; use 'tool_calls'.");
  return out;
}

function toContent(content: unknown, index: number): ChatMessage['content'] {
  if (content === undefined || content === null) return null;
  if (!Array.isArray(content)) return content as string;
  const parts: ContentPart[] = [];
  content.forEach((part: Json, j) => {
    const url = part.image_url as { url: string; detail?: 'auto' | 'low' | 'high' } | undefined;
    if (part.type === 'text') parts.push({ type: 'text', text: part.text as string });
    else if (url !== undefined) parts.push({ type: 'image_url', imageUrl: url.detail === undefined ? { url: url.url } : { url: url.url, detail: url.detail } });
    else if (part.type !== 'refusal') throw unsupported(`messages[${index}].content[${j}].type`, `'${String(part.type)}' parts are not supported by this router.`);
  });
  return parts;
}

function toToolCall(call: Json): ToolCall {
  const fn = call.function as { name: string; arguments: string };
  return { id: call.id as string, type: 'function', function: { name: fn.name, arguments: fn.arguments } };
}

function toTool(tool: Json): ChatTool {
  const fn = tool.function as { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
  const out: ChatTool = { type: 'function', function: { name: fn.name } };
  if (fn.description !== undefined) out.function.description = fn.description;
  if (fn.parameters !== undefined) out.function.parameters = fn.parameters;
  if (fn.strict != null) out.function.strict = fn.strict;
  return out;
}

function toToolChoice(choice: unknown): ToolChoice {
  if (typeof choice === 'string') return choice as ToolChoice;
  return { type: 'function', function: { name: ((choice as Json).function as { name: string }).name } };
}
