import type { LlmRouterError } from '../errors/llm-router-error.js';
import type { ChatCompletionChunk } from '../types/chat.js';

/** A source iterator that may offer an item it already holds synchronously (`StreamCall`). */
export type BufferedIterator = AsyncIterator<ChatCompletionChunk> & { takeBuffered?(): IteratorResult<ChatCompletionChunk> | undefined };

/** At most this many chunks that carry nothing are held before the stream is handed on regardless. */
const MAX_HELD = 16;

/** Whether a chunk carries part of the answer: text, a tool call, reasoning, a refusal, a finish reason or the usage. */
function carriesContent(chunk: ChatCompletionChunk): boolean {
  if (chunk.usage != null) return true;
  const choice = chunk.choices[0];
  if (choice === undefined) return false;
  if (choice.finishReason !== null) return true;
  const d = choice.delta;
  return (
    (d.content != null && d.content.length > 0) ||
    (d.toolCalls !== undefined && d.toolCalls.length > 0) ||
    (d.reasoning != null && d.reasoning.length > 0) ||
    (d.refusal != null && d.refusal.length > 0)
  );
}

/**
 * Reads a stream the provider accepted up to its first chunk that carries content, holding the chunks
 * before it (the role, an empty first delta). A failure before any content (an error event right after
 * the 200, as Anthropic sends `overloaded_error`; a cut; a failed Gemini candidate) then rejects here,
 * inside the attempt, which is retried or fallen back like a refused stream, rather than reaching a caller
 * who has read nothing of use. Resolves to the same chunks, held ones first.
 */
export async function untilFirstContent(source: AsyncIterable<ChatCompletionChunk>, errors: StreamErrors): Promise<AsyncIterable<ChatCompletionChunk>> {
  const iterator = source[Symbol.asyncIterator]() as BufferedIterator;
  const held: Array<IteratorResult<ChatCompletionChunk>> = [];
  try {
    for (;;) {
      const result = iterator.takeBuffered?.() ?? (await iterator.next());
      held.push(result);
      if (result.done === true || carriesContent(result.value) || held.length >= MAX_HELD) break;
    }
  } catch (error) {
    throw errors.classify(error, true);
  }
  return new HeldStream(iterator, held);
}

/** Types what broke a stream (the attempt's controller): a cut after the 200 is a `StreamError`, not a `NetworkError`. */
export interface StreamErrors {
  classify(error: unknown, streaming: boolean): LlmRouterError;
}

/** The chunks held by `untilFirstContent`, then the rest of the source; still offers buffered chunks synchronously. */
class HeldStream implements AsyncIterableIterator<ChatCompletionChunk> {
  #next = 0;

  constructor(
    private readonly source: BufferedIterator,
    private held: Array<IteratorResult<ChatCompletionChunk>> | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<ChatCompletionChunk> {
    return this;
  }

  takeBuffered(): IteratorResult<ChatCompletionChunk> | undefined {
    const held = this.held;
    if (held !== undefined) {
      const result = held[this.#next++]!;
      if (this.#next === held.length) this.held = undefined;
      return result;
    }
    return this.source.takeBuffered?.();
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.held !== undefined) return Promise.resolve(this.takeBuffered()!);
    return this.source.next();
  }

  return(value?: unknown): Promise<IteratorResult<ChatCompletionChunk>> {
    this.held = undefined;
    return this.source.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
  }
}
