import { mockArguments } from './mock-arguments.js';
import { mockTokenCount, repeatWords, truncateWords } from './token-count.js';

/** A function the model may call, reduced to what the mock model needs. */
export interface MockToolSpec {
  readonly name: string;
  /** Its JSON Schema (OpenAI `parameters`, Anthropic `input_schema`, Gemini `parameters`). */
  readonly parameters: unknown;
}

/** The tool choice of a request, normalised across formats. */
export type MockToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** A chat request as the mock model sees it, whatever the wire format it came in. */
export interface ChatInput {
  readonly model: string;
  readonly stream: boolean;
  /** The text of the last message: a user message, or the content of a tool result. */
  readonly lastText: string;
  readonly lastIsToolResult: boolean;
  /** The tokens (words) of every message of the request. */
  readonly promptTokens: number;
  readonly tools: readonly MockToolSpec[] | undefined;
  readonly toolChoice: MockToolChoice;
  readonly maxTokens: number | undefined;
}

/** What every answer carries besides its text or tool call. */
interface ReplyBase {
  readonly promptTokens: number;
  /** Every output token: the reply's (or the call's) and the reasoning's. */
  readonly completionTokens: number;
  /** The model's reasoning text, when `reasoning` is set. */
  readonly reasoning: string | undefined;
  /** The words of the reasoning (counted in `completionTokens`). */
  readonly reasoningTokens: number;
}

/** A text answer. `finish` is OpenAI's vocabulary; each format maps it to its own. */
export interface TextReplyPlan extends ReplyBase {
  readonly kind: 'text';
  readonly text: string;
  readonly finish: 'stop' | 'length' | 'content_filter';
}

/** A tool call answer. */
export interface ToolReplyPlan extends ReplyBase {
  readonly kind: 'tool';
  readonly name: string;
  readonly arguments: Record<string, unknown>;
  readonly argumentsJson: string;
}

export type ReplyPlan = TextReplyPlan | ToolReplyPlan;

/** What shapes the mock model's answers. */
export interface MockModelSettings {
  /** The reply text (or a function giving it, called only for a text answer); default `Echo: <text of the last message>`. */
  readonly reply?: string | (() => string);
  /** The arguments of every tool call; default derived from the tool's JSON Schema. */
  readonly toolArguments?: Record<string, unknown>;
  /** Make every text reply exactly this many words (its words repeated or cut); default the reply as it is. */
  readonly completionTokens?: number;
  /** Answer as if the safety filter stopped the output. */
  readonly contentFilter?: boolean;
  /** Reasoning text sent before every answer (its words count as completion and reasoning tokens). */
  readonly reasoning?: string;
}

/** The mock model's reply text to a last message: `Echo: <text>`, unless a reply is set. */
export function mockReplyText(lastText: string, reply?: string): string {
  return reply ?? `Echo: ${lastText}`;
}

/**
 * The mock model's answer to a chat request: a call of the chosen tool (the first, unless the tool
 * choice names one; none after a tool result or with `toolChoice: 'none'`) with arguments that fit its
 * schema; otherwise the reply text, cut at `maxTokens` words (finish `length`). Tokens are words: the
 * prompt's, and the reply's (a tool call's are its name's and its JSON arguments').
 */
export function planMockReply(input: ChatInput, settings: MockModelSettings = {}): ReplyPlan {
  const contentFilter = settings.contentFilter === true;
  const reasoning = contentFilter || settings.reasoning === undefined || settings.reasoning.length === 0 ? undefined : settings.reasoning;
  const reasoningTokens = reasoning === undefined ? 0 : mockTokenCount(reasoning);
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
      completionTokens: mockTokenCount(tool.name) + mockTokenCount(argumentsJson) + reasoningTokens,
      reasoning,
      reasoningTokens,
    };
  }
  if (contentFilter) {
    return { kind: 'text', text: '', finish: 'content_filter', promptTokens: input.promptTokens, completionTokens: 0, reasoning, reasoningTokens };
  }
  const reply = settings.reply;
  let text = mockReplyText(input.lastText, typeof reply === 'function' ? reply() : reply);
  if (settings.completionTokens !== undefined) text = repeatWords(text, settings.completionTokens);
  let completionTokens = mockTokenCount(text);
  let finish: TextReplyPlan['finish'] = 'stop';
  if (input.maxTokens !== undefined && input.maxTokens >= 0 && completionTokens > input.maxTokens) {
    text = truncateWords(text, input.maxTokens);
    completionTokens = input.maxTokens;
    finish = 'length';
  }
  return { kind: 'text', text, finish, promptTokens: input.promptTokens, completionTokens: completionTokens + reasoningTokens, reasoning, reasoningTokens };
}

function chooseTool(input: ChatInput): MockToolSpec | undefined {
  const tools = input.tools;
  if (tools === undefined || tools.length === 0 || input.lastIsToolResult) return undefined;
  const choice = input.toolChoice;
  if (choice === 'none') return undefined;
  if (typeof choice === 'object') return tools.find((t) => t.name === choice.name) ?? tools[0];
  return tools[0];
}
