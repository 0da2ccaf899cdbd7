import type { ChatCompletionChunk, ChatCompletionStream, Usage } from 'llm-api-router';

/**
 * A router stream with OpenAI's usage rule applied, for `writeOpenAIEventStream`: chunks carry no
 * usage, and with `stream_options.include_usage` a last chunk without choices carries it (OpenAI's
 * final usage chunk). Stopping it (the client went away) stops the router stream, which records the
 * attempt as abandoned.
 */
export function withOpenAiUsage(stream: ChatCompletionStream, includeUsage: boolean): ChatCompletionStream {
  const wrapped: ChatCompletionStream = {
    requestId: stream.requestId,
    provider: stream.provider,
    model: stream.model,
    abort: () => stream.abort(),
    toReadableStream: () => ReadableStream.from(wrapped),
    async *[Symbol.asyncIterator](): AsyncGenerator<ChatCompletionChunk> {
      let usage: Usage | null = null;
      let last: ChatCompletionChunk | undefined;
      for await (const chunk of stream) {
        if (chunk.usage != null) usage = chunk.usage;
        last = chunk;
        if (chunk.choices.length === 0) continue;
        yield chunk.usage == null ? chunk : { ...chunk, usage: null };
      }
      if (includeUsage && usage !== null && last !== undefined) yield { ...last, choices: [], usage };
    },
  };
  return wrapped;
}
