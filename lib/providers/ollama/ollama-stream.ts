import { ProviderError, type StreamError } from '../../errors/llm-router-error.js';
import type { EventSourceMessage } from '../../http/read-sse.js';
import { redact } from '../../http/redact.js';
import type { ChatCompletionChunk, ChatCompletionChunkChoice } from '../../types/chat.js';
import type { StreamDecoder } from '../http-provider.js';
import { createdOf, ollamaFinishReason, toolCallsFromOllama, usageFromOllama } from './ollama-wire.js';

/** What the decoder needs from its provider. */
export interface OllamaStreamContext {
  provider: string;
  model: string;
  requestId: string;
  /** The id given to the stream's chunks (Ollama sends none). */
  responseId: string;
  secrets: readonly string[];
  malformed(what: string, cause?: unknown): StreamError;
}

/**
 * Turns `/api/chat` NDJSON lines into chunks. Each line is a partial message; the line with
 * `done: true` is the terminator and carries `done_reason` and the token counts; a line
 * `{"error": "…"}` is a failure of the model run.
 */
export class OllamaStreamDecoder implements StreamDecoder {
  done = false;
  private created: number | undefined;
  private model: string;
  private toolCalls = 0;
  private sentRole = false;

  constructor(private readonly ctx: OllamaStreamContext) {
    this.model = ctx.model;
  }

  decode(event: EventSourceMessage | string): ChatCompletionChunk[] | ChatCompletionChunk | undefined {
    if (this.done) return undefined;
    const data = typeof event === 'string' ? event : event.data;
    let json: any;
    try {
      json = JSON.parse(data);
    } catch (cause) {
      throw this.ctx.malformed('not JSON', cause);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw this.ctx.malformed('not an object');
    if (json.error != null) {
      const detail = typeof json.error === 'string' ? json.error : JSON.stringify(json.error);
      throw new ProviderError(redact(`${this.ctx.provider} (ollama) stream error: ${detail}`, this.ctx.secrets), {
        provider: this.ctx.provider,
        requestId: this.ctx.requestId,
      });
    }
    this.created ??= createdOf(json);
    if (typeof json.model === 'string') this.model = json.model;

    const delta: ChatCompletionChunkChoice['delta'] = {};
    if (!this.sentRole) {
      delta.role = 'assistant';
      this.sentRole = true;
    }
    const message = json.message;
    if (typeof message?.content === 'string' && message.content.length > 0) delta.content = message.content;
    const calls = toolCallsFromOllama(message?.tool_calls, this.ctx.responseId, this.toolCalls);
    if (calls.length > 0) {
      delta.toolCalls = calls.map((c, i) => ({ index: this.toolCalls + i, id: c.id, type: 'function', function: { ...c.function } }));
      this.toolCalls += calls.length;
    }
    if (json.done !== true) {
      return delta.content === undefined && delta.toolCalls === undefined && delta.role === undefined
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
      id: this.ctx.responseId,
      object: 'chat.completion.chunk',
      created: this.created ?? Math.floor(Date.now() / 1000),
      model: this.model,
      provider: this.ctx.provider,
      choices,
    };
  }
}
