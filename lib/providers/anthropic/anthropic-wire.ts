import { BadRequestError } from '../../errors/llm-router-error.js';
import type {
  ChatCompletion,
  ChatCompletionRequest,
  ChatMessage,
  ContentPart,
  FinishReason,
  ToolCall,
  ToolChoice,
} from '../../types/chat.js';
import { num, textOf } from '../content.js';
import { anthropicUsage } from './anthropic-usage.js';
import { parseDataUrl } from '../data-url.js';
import { parseToolArguments } from '../tool-arguments.js';

/** `max_tokens` is required by the Messages API; this is sent when the request sets no `maxTokens`. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** The `anthropic-version` header every call carries. */
export const ANTHROPIC_VERSION = '2023-06-01';

const FINISH: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Anthropic's `error.type` values and the HTTP status each comes with (errors page of the API docs). */
const ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** Normalises an Anthropic `stop_reason` to OpenAI's finish reasons. */
export function anthropicFinishReason(reason: unknown): FinishReason | null {
  if (typeof reason !== 'string') return null;
  return FINISH[reason] ?? 'stop';
}

/** A JSON tool's call is the answer, not a tool call: `tool_calls` becomes `stop` unless another tool was called. */
export function jsonAnswerFinish(reason: FinishReason | null, jsonAnswered: boolean, otherToolCalls: number): FinishReason | null {
  return reason === 'tool_calls' && jsonAnswered && otherToolCalls === 0 ? 'stop' : reason;
}

/** The HTTP status of an Anthropic `error.type` (used for errors sent inside a stream). */
export function anthropicErrorStatus(type: unknown): number {
  return (typeof type === 'string' ? ERROR_STATUS[type] : undefined) ?? 500;
}

type Block = Record<string, unknown>;
type WireMessage = { role: 'user' | 'assistant'; content: string | Block[] };

function imageBlock(url: string, field: string): Block {
  const data = parseDataUrl(url);
  if (data !== undefined) return { type: 'image', source: { type: 'base64', media_type: data.mimeType, data: data.data } };
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw new BadRequestError(`Invalid request: ${field} must be a base64 data URL or an http(s) URL`, { field });
}

function partsToBlocks(parts: ContentPart[], field: string): Block[] {
  const out: Block[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.type === 'text') {
      if (p.text.length > 0) out.push({ type: 'text', text: p.text });
    } else {
      out.push(imageBlock(p.imageUrl.url, `${field}[${i}].imageUrl.url`));
    }
  }
  return out;
}

function userContent(content: ChatMessage['content'], field: string): string | Block[] {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return partsToBlocks(content, field);
}

function assistantContent(m: ChatMessage, index: number): string | Block[] {
  const calls = m.toolCalls;
  if (calls === undefined || calls.length === 0) return userContent(m.content, `messages[${index}].content`);
  const blocks: Block[] = [];
  const text = textOf(m.content);
  if (text.length > 0) blocks.push({ type: 'text', text });
  for (let j = 0; j < calls.length; j++) {
    const c = calls[j]!;
    blocks.push({
      type: 'tool_use',
      id: c.id,
      name: c.function.name,
      input: parseToolArguments(c.function.arguments, `messages[${index}].toolCalls[${j}].function.arguments`),
    });
  }
  return blocks;
}

function toolResultBlock(m: ChatMessage, index: number): Block {
  const block: Block = { type: 'tool_result', tool_use_id: m.toolCallId };
  const c = m.content;
  if (typeof c === 'string') block.content = c;
  else if (c !== null) block.content = partsToBlocks(c, `messages[${index}].content`);
  return block;
}

function toolChoiceToAnthropic(choice: ToolChoice): Record<string, unknown> {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  return { type: 'tool', name: choice.function.name };
}

/**
 * The name of the tool that carries the answer of a `responseFormat: json_object` request (the Messages
 * API has no JSON mode: the model is made to call a tool whose input is the JSON object), unique among the
 * request's tools; undefined when there is none, or when `toolChoice` already makes the answer a tool call.
 */
export function anthropicJsonToolName(req: ChatCompletionRequest): string | undefined {
  if (req.responseFormat?.type !== 'json_object') return undefined;
  const choice = req.toolChoice;
  if (choice === 'required' || (typeof choice === 'object' && choice !== null)) return undefined;
  const tools = req.tools ?? [];
  let name = 'json';
  for (let n = 1; tools.some((t) => t.function.name === name); n++) name = `json_${n}`;
  return name;
}

/** The JSON tool accepts any object. */
const JSON_TOOL_SCHEMA = Object.freeze({ type: 'object', properties: {}, additionalProperties: true });

/**
 * Maps a unified request to a Messages API body: system and developer messages become the top-level
 * `system`; assistant tool calls become `tool_use` blocks; consecutive tool messages become one user
 * turn of `tool_result` blocks; `responseFormat: json_object` adds the JSON tool (`anthropicJsonToolName`),
 * forced, or required beside the caller's tools when the model may choose among them.
 */
export function chatRequestToAnthropic(req: ChatCompletionRequest, model: string, stream: boolean): Record<string, unknown> {
  const system: string[] = [];
  const messages: WireMessage[] = [];
  let toolTurn: Block[] | undefined;
  for (let i = 0; i < req.messages.length; i++) {
    const m = req.messages[i]!;
    if (m.role === 'tool') {
      if (toolTurn === undefined) {
        toolTurn = [];
        messages.push({ role: 'user', content: toolTurn });
      }
      toolTurn.push(toolResultBlock(m, i));
      continue;
    }
    toolTurn = undefined;
    if (m.role === 'system' || m.role === 'developer') {
      const text = textOf(m.content);
      if (text.length > 0) system.push(text);
    } else if (m.role === 'assistant') {
      messages.push({ role: 'assistant', content: assistantContent(m, i) });
    } else {
      messages.push({ role: 'user', content: userContent(m.content, `messages[${i}].content`) });
    }
  }
  const body: Record<string, unknown> = {
    model,
    max_tokens: req.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length > 0) body.system = system.join('\n\n');
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop !== undefined) body.stop_sequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  const hasTools = req.tools !== undefined && req.tools.length > 0;
  const tools: Block[] = [];
  if (hasTools) {
    for (const t of req.tools!) {
      const tool: Block = {
        name: t.function.name,
        input_schema: t.function.parameters ?? { type: 'object', properties: {} },
      };
      if (t.function.description !== undefined) tool.description = t.function.description;
      tools.push(tool);
    }
    if (req.toolChoice !== undefined) body.tool_choice = toolChoiceToAnthropic(req.toolChoice);
  }
  const jsonTool = anthropicJsonToolName(req);
  if (jsonTool !== undefined) {
    tools.push({ name: jsonTool, description: 'Respond with a JSON object.', input_schema: JSON_TOOL_SCHEMA });
    body.tool_choice = hasTools && req.toolChoice !== 'none' ? { type: 'any', disable_parallel_tool_use: true } : { type: 'tool', name: jsonTool };
  }
  if (tools.length > 0) body.tools = tools;
  if (req.user !== undefined) body.metadata = { user_id: req.user };
  if (stream) body.stream = true;
  return body;
}

/**
 * Maps a Messages API response to the unified completion. With `jsonTool` (the request's JSON tool), that
 * tool's input is the content and the text around it (the model announcing the tool) is dropped.
 */
export function chatCompletionFromAnthropic(json: any, provider: string, model: string, requestId: string, jsonTool?: string): ChatCompletion {
  const u = json?.usage;
  const blocks = Array.isArray(json?.content) ? json.content : [];
  let text = '';
  let sawText = false;
  let reasoning: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const b of blocks) {
    if (b?.type === 'text' && typeof b.text === 'string') {
      if (jsonTool !== undefined) continue;
      text += b.text;
      sawText = true;
    } else if (b?.type === 'thinking' && typeof b.thinking === 'string') {
      reasoning = reasoning === null ? b.thinking : reasoning + b.thinking;
    } else if (b?.type === 'tool_use' && jsonTool !== undefined && b.name === jsonTool) {
      text += JSON.stringify(b.input ?? {});
      sawText = true;
    } else if (b?.type === 'tool_use') {
      toolCalls.push({
        id: String(b.id ?? ''),
        type: 'function',
        function: { name: String(b.name ?? ''), arguments: JSON.stringify(b.input ?? {}) },
      });
    }
  }
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: sawText || toolCalls.length === 0 ? text : null,
    reasoning,
    refusal: null,
  };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  return {
    id: String(json?.id ?? ''),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: String(json?.model ?? model),
    provider,
    requestId,
    choices: [{ index: 0, message, finishReason: jsonAnswerFinish(anthropicFinishReason(json?.stop_reason), sawText && jsonTool !== undefined, toolCalls.length) }],
    usage: anthropicUsage(num(u?.input_tokens), num(u?.cache_read_input_tokens), num(u?.cache_creation_input_tokens), num(u?.output_tokens)),
  };
}
