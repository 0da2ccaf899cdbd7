import type { WireFormat } from './fault.js';

/** What the reply generator is told about a chat request; given to a `reply` function option. */
export interface MockReplyContext {
  readonly format: WireFormat;
  readonly path: string;
  /** The model of the request, echoed in the answer. */
  readonly model: string;
  /** The text of the last message: a user message, or the content of a tool result. */
  readonly lastMessage: string;
  /** True when the last message is a tool result. */
  readonly afterToolResult: boolean;
}

/** A function the model may call, reduced to what the mock needs. */
export interface MockToolSpec {
  readonly name: string;
  /** Its JSON Schema (OpenAI `parameters`, Anthropic `input_schema`, Gemini `parameters`). */
  readonly parameters: unknown;
}

/** The tool choice of a request, normalised across formats. */
export type MockToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** A chat request, normalised by a wire format for the reply generator. */
export interface ChatInput {
  readonly model: string;
  readonly stream: boolean;
  readonly lastText: string;
  readonly lastIsToolResult: boolean;
  readonly promptTokens: number;
  readonly tools: readonly MockToolSpec[] | undefined;
  readonly toolChoice: MockToolChoice;
  readonly maxTokens: number | undefined;
}

/** A text answer. `finish` is OpenAI's vocabulary; each format maps it to its own. */
export interface TextReplyPlan {
  readonly kind: 'text';
  readonly text: string;
  readonly finish: 'stop' | 'length' | 'content_filter';
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** A tool call answer. */
export interface ToolReplyPlan {
  readonly kind: 'tool';
  readonly name: string;
  readonly arguments: Record<string, unknown>;
  readonly argumentsJson: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export type ReplyPlan = TextReplyPlan | ToolReplyPlan;

/** The reply-related server options the generator reads. */
export interface ReplySettings {
  readonly reply: string | ((context: MockReplyContext) => string) | undefined;
  readonly toolArguments: Record<string, unknown> | undefined;
}

/**
 * The mock's token count of a text: the number of words, a word being a maximal run of characters
 * other than ASCII whitespace. `''` and `'  '` count 0, `'Echo: hello world'` counts 3.
 */
export function mockTokenCount(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) <= 32) {
      inWord = false;
    } else if (!inWord) {
      inWord = true;
      count++;
    }
  }
  return count;
}

/** The text up to the end of its `words`-th word. */
export function truncateWords(text: string, words: number): string {
  if (words <= 0) return '';
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) <= 32) {
      if (inWord && count === words) return text.slice(0, i);
      inWord = false;
    } else if (!inWord) {
      inWord = true;
      count++;
    }
  }
  return text;
}

/**
 * Splits a text into at most `count` pieces at word ends, so that whitespace leads the next piece (as
 * model tokens do: `"Echo:"`, `" hello"`) and the pieces concatenate to the text. An empty text gives no piece.
 */
export function splitWords(text: string, count: number): string[] {
  if (text.length === 0) return [];
  const ends: number[] = [];
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) <= 32) {
      if (inWord) ends.push(i);
      inWord = false;
    } else {
      inWord = true;
    }
  }
  if (inWord) ends.push(text.length);
  const words = ends.length;
  const pieces = Math.max(1, Math.min(count, words));
  if (pieces === 1) return [text];
  const out: string[] = [];
  let from = 0;
  for (let p = 1; p < pieces; p++) {
    const at = ends[Math.floor((p * words) / pieces) - 1]!;
    out.push(text.slice(from, at));
    from = at;
  }
  out.push(text.slice(from));
  return out;
}

/** Splits a string into at most `count` non-empty pieces of near-equal length. */
export function splitEven(text: string, count: number): string[] {
  const pieces = Math.max(1, Math.min(count, text.length));
  const out: string[] = [];
  let from = 0;
  for (let p = 1; p <= pieces; p++) {
    const to = Math.round((p * text.length) / pieces);
    out.push(text.slice(from, to));
    from = to;
  }
  return out;
}

/**
 * Deterministic arguments for a JSON Schema: every property gets `enum[0]` when it has an enum, else
 * `"mock"` for strings, `1` for numbers and integers, `true` for booleans, `[]` for arrays, and objects
 * recurse. Gemini's upper-case type names are understood.
 */
export function mockArguments(schema: unknown, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (schema === null || typeof schema !== 'object' || depth > 4) return out;
  const properties = (schema as { properties?: unknown }).properties;
  if (properties === null || typeof properties !== 'object') return out;
  for (const [key, prop] of Object.entries(properties as Record<string, unknown>)) {
    out[key] = mockValue(prop, depth + 1);
  }
  return out;
}

function mockValue(schema: unknown, depth: number): unknown {
  if (schema === null || typeof schema !== 'object') return null;
  const s = schema as { type?: unknown; enum?: unknown };
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (typeof type === 'string' ? type.toLowerCase() : '') {
    case 'string':
      return 'mock';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return mockArguments(schema, depth);
    default:
      return null;
  }
}

/** Decides the answer to a chat request: a tool call, or text. */
export function planReply(
  input: ChatInput,
  settings: ReplySettings,
  format: WireFormat,
  path: string,
  contentFilter: boolean,
): ReplyPlan {
  const tool = contentFilter ? undefined : chooseTool(input);
  if (tool !== undefined) {
    const args = settings.toolArguments ?? mockArguments(tool.parameters);
    const argumentsJson = JSON.stringify(args);
    return {
      kind: 'tool',
      name: tool.name,
      arguments: args,
      argumentsJson,
      promptTokens: input.promptTokens,
      completionTokens: mockTokenCount(tool.name) + mockTokenCount(argumentsJson),
    };
  }
  if (contentFilter) {
    return { kind: 'text', text: '', finish: 'content_filter', promptTokens: input.promptTokens, completionTokens: 0 };
  }
  const reply = settings.reply;
  let text =
    reply === undefined
      ? `Echo: ${input.lastText}`
      : typeof reply === 'string'
        ? reply
        : reply({
            format,
            path,
            model: input.model,
            lastMessage: input.lastText,
            afterToolResult: input.lastIsToolResult,
          });
  let completionTokens = mockTokenCount(text);
  let finish: TextReplyPlan['finish'] = 'stop';
  if (input.maxTokens !== undefined && input.maxTokens >= 0 && completionTokens > input.maxTokens) {
    text = truncateWords(text, input.maxTokens);
    completionTokens = input.maxTokens;
    finish = 'length';
  }
  return { kind: 'text', text, finish, promptTokens: input.promptTokens, completionTokens };
}

function chooseTool(input: ChatInput): MockToolSpec | undefined {
  const tools = input.tools;
  if (tools === undefined || tools.length === 0 || input.lastIsToolResult) return undefined;
  const choice = input.toolChoice;
  if (choice === 'none') return undefined;
  if (typeof choice === 'object') return tools.find((t) => t.name === choice.name) ?? tools[0];
  return tools[0];
}

/**
 * A deterministic embedding of a text: `dimensions` values derived from an FNV-1a hash of the text, each
 * a multiple of 1/1024 in [-1, 1] so that the float and the base64 (float32) encodings agree exactly.
 */
export function mockEmbedding(text: string, dimensions: number): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  let x = h >>> 0 || 1;
  const out = new Array<number>(dimensions);
  for (let i = 0; i < dimensions; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = ((x % 2049) - 1024) / 1024;
  }
  return out;
}

/** The little-endian float32 base64 encoding OpenAI uses for `encoding_format: "base64"`. */
export function embeddingToBase64(values: readonly number[]): string {
  const buf = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i]!, i * 4);
  return buf.toString('base64');
}
