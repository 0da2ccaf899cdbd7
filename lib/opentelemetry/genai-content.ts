import { parseDataUrl } from '../providers/data-url.js';
import type { ChatCompletionChoice, ChatMessage, FinishReason, ToolCall } from '../types/chat.js';

// Message content in the shapes of the GenAI conventions' input and output message JSON schemas
// (`gen_ai.input.messages`, `gen_ai.output.messages`), serialized to JSON strings because span
// attributes of @opentelemetry/api 1.x hold primitives and arrays of primitives only.

type Part = Record<string, unknown> & { type: string };

interface GenAiMessage {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

/** `gen_ai.input.messages` of a chat request, as a JSON string. */
export function inputMessagesJson(messages: readonly ChatMessage[]): string {
  const out: GenAiMessage[] = new Array(messages.length);
  for (let i = 0; i < messages.length; i++) out[i] = inputMessage(messages[i]!);
  return JSON.stringify(out);
}

/** `gen_ai.output.messages` of a completion's choices, as a JSON string. */
export function outputMessagesJson(choices: readonly ChatCompletionChoice[]): string {
  const out: GenAiMessage[] = new Array(choices.length);
  for (let i = 0; i < choices.length; i++) {
    const { message, finishReason } = choices[i]!;
    const parts: Part[] = [];
    if (typeof message.reasoning === 'string' && message.reasoning !== '') parts.push({ type: 'reasoning', content: message.reasoning });
    if (typeof message.content === 'string' && message.content !== '') parts.push({ type: 'text', content: message.content });
    if (typeof message.refusal === 'string' && message.refusal !== '') parts.push({ type: 'refusal', content: message.refusal });
    if (message.toolCalls !== undefined) for (const call of message.toolCalls) parts.push(toolCallPart(call));
    out[i] = finishReason === null ? { role: 'assistant', parts } : { role: 'assistant', parts, finish_reason: outputFinishReason(finishReason) };
  }
  return JSON.stringify(out);
}

function inputMessage(message: ChatMessage): GenAiMessage {
  const role = message.role === 'developer' ? 'system' : message.role;
  const parts: Part[] = [];
  if (message.role === 'tool') {
    parts.push({ type: 'tool_call_response', id: message.toolCallId ?? null, response: textOf(message.content) });
    return { role, parts };
  }
  const { content } = message;
  if (typeof content === 'string') {
    if (content !== '') parts.push({ type: 'text', content });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (part.type === 'text') parts.push({ type: 'text', content: part.text });
      else if (part.type === 'image_url') parts.push(imagePart(part.imageUrl.url));
    }
  }
  if (message.toolCalls !== undefined) for (const call of message.toolCalls) parts.push(toolCallPart(call));
  return { role, parts };
}

function imagePart(url: string): Part {
  const data = parseDataUrl(url);
  if (data !== undefined) return { type: 'blob', modality: 'image', mime_type: data.mimeType, content: data.data };
  return { type: 'uri', modality: 'image', uri: url };
}

function toolCallPart(call: ToolCall): Part {
  return { type: 'tool_call', id: call.id, name: call.function.name, arguments: parseArguments(call.function.arguments) };
}

/** Tool arguments as an object when they are JSON (as the conventions ask), else the text as it is. */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) if (part.type === 'text') text += part.text;
  return text;
}

/** The output schema's finish reasons: `stop`, `length`, `content_filter`, `tool_call`, `error`. */
function outputFinishReason(reason: FinishReason): string {
  return reason === 'tool_calls' || reason === 'function_call' ? 'tool_call' : reason;
}
