import { CHARS_PER_TOKEN, TOKENS_PER_MESSAGE } from '../../config/defaults.js';
import type { ChatMessage } from '../../types/chat.js';

/**
 * The prompt tokens of a request before any provider counted them: `ceil(characters / 4)` of the
 * text (message contents and text parts, tool call arguments; embeddings inputs) plus 4 per message.
 * Used for `tpm` (with `maxTokens`) and by `lowest-cost`; the actual usage replaces it when the
 * attempt ends.
 */
export function estimatePromptTokens(request: { messages?: readonly ChatMessage[]; input?: string | readonly string[] }): number {
  let chars = 0;
  let extra = 0;
  const messages = request.messages;
  if (messages !== undefined) {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      extra += TOKENS_PER_MESSAGE;
      const c = m.content;
      if (typeof c === 'string') chars += c.length;
      else if (c !== null && c !== undefined) for (const part of c) if (part.type === 'text') chars += part.text.length;
      if (m.toolCalls !== undefined) for (const call of m.toolCalls) chars += call.function.arguments.length + call.function.name.length;
    }
  }
  const input = request.input;
  if (typeof input === 'string') chars += input.length;
  else if (input !== undefined) for (const s of input) chars += s.length;
  return Math.ceil(chars / CHARS_PER_TOKEN) + extra;
}
