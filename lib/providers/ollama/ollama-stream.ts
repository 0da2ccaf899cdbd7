import type { ChatCompletionChunk, ChatCompletionChunkChoice } from '../../types/chat.js';
import type { WireError } from '../provider-errors.js';
import type { StreamContext, WireStreamDecoder } from '../stream-events.js';
import { createdOf, ollamaFinishReason, toolCallsFromOllama, usageFromOllama } from './ollama-wire.js';

/** The error line of `/api/chat` (`{"error": "…"}`), in a stream or a 2xx body: a failure of the model run. */
export function ollamaWireError(json: Record<string, any>): WireError | undefined {
  const error = json.error;
  if (error == null) return undefined;
  return { status: 500, message: typeof error === 'string' ? error : typeof error.message === 'string' ? error.message : JSON.stringify(error) };
}

/**
 * Turns `/api/chat` NDJSON lines into chunks. Each line is a partial message; the line with
 * `done: true` is the terminator and carries `done_reason` and the token counts; a line
 * `{"error": "…"}` is a failure of the model run.
 */
export class OllamaStreamDecoder implements WireStreamDecoder {
  done = false;
  private created: number | undefined;
  private model: string;
  private toolCalls = 0;
  private sentRole = false;

  constructor(
    private readonly ctx: StreamContext,
    /** The id given to the stream's chunks (Ollama sends none). */
    private readonly responseId: string,
  ) {
    this.model = ctx.model;
  }

  error(json: Record<string, any>): WireError | undefined {
    return ollamaWireError(json);
  }

  decode(json: Record<string, any>): ChatCompletionChunk[] | ChatCompletionChunk | undefined {
    this.created ??= createdOf(json);
    if (typeof json.model === 'string') this.model = json.model;

    const delta: ChatCompletionChunkChoice['delta'] = {};
    if (!this.sentRole) {
      delta.role = 'assistant';
      this.sentRole = true;
    }
    const message = json.message;
    if (typeof message?.content === 'string' && message.content.length > 0) delta.content = message.content;
    if (typeof message?.thinking === 'string' && message.thinking.length > 0) delta.reasoning = message.thinking;
    const calls = toolCallsFromOllama(message?.tool_calls, this.responseId, this.toolCalls);
    if (calls.length > 0) {
      delta.toolCalls = calls.map((c, i) => ({ index: this.toolCalls + i, id: c.id, type: 'function', function: { ...c.function } }));
      this.toolCalls += calls.length;
    }
    if (json.done !== true) {
      return delta.content === undefined && delta.reasoning === undefined && delta.toolCalls === undefined && delta.role === undefined
        ? undefined
        : this.chunk([{ index: 0, delta, finishReason: null }]);
    }
    this.done = true;
    const last = this.chunk([{ index: 0, delta, finishReason: ollamaFinishReason(json.done_reason, this.toolCalls > 0) }]);
    const usage = this.chunk([]);
    usage.usage = usageFromOllama(json);
    return [last, usage];
  }

  private chunk(choices: ChatCompletionChunkChoice[]): ChatCompletionChunk {
    return {
      id: this.responseId,
      object: 'chat.completion.chunk',
      created: this.created ?? Math.floor(Date.now() / 1000),
      model: this.model,
      provider: this.ctx.provider,
      requestId: this.ctx.requestId,
      choices,
    };
  }
}
