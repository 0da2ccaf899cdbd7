import { planMockReply, type ChatInput, type ReplyPlan } from '../mock-model/mock-reply.js';
import type { WireFormat } from './fault.js';

export { mockArguments } from '../mock-model/mock-arguments.js';
export { embeddingToBase64, mockEmbedding } from '../mock-model/mock-embedding.js';
export type { ChatInput, MockToolChoice, MockToolSpec, ReplyPlan, TextReplyPlan, ToolReplyPlan } from '../mock-model/mock-reply.js';
export { splitEven, splitWords } from '../mock-model/stream-pieces.js';
export { mockTokenCount, truncateWords } from '../mock-model/token-count.js';

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

/** The reply-related server options the generator reads. */
export interface ReplySettings {
  readonly reply: string | ((context: MockReplyContext) => string) | undefined;
  readonly toolArguments: Record<string, unknown> | undefined;
  readonly reasoning?: string | undefined;
}

/**
 * Decides the answer to a chat request with the mock model (`lib/mock-model`), the server's `reply`
 * option (a text, or a function of the request) deciding the text.
 */
export function planReply(input: ChatInput, settings: ReplySettings, format: WireFormat, path: string, contentFilter: boolean): ReplyPlan {
  const reply = settings.reply;
  const text =
    typeof reply === 'function'
      ? () => reply({ format, path, model: input.model, lastMessage: input.lastText, afterToolResult: input.lastIsToolResult })
      : reply;
  return planMockReply(input, { reply: text, toolArguments: settings.toolArguments, contentFilter, reasoning: settings.reasoning });
}
