import { errorFromStatus } from '../../errors/error-from-status.js';
import type { StreamError } from '../../errors/llm-router-error.js';
import type { EventSourceMessage } from '../../http/read-sse.js';
import { redact } from '../../http/redact.js';
import type { ChatCompletionChunk, ChatCompletionChunkChoice } from '../../types/chat.js';
import type { StreamDecoder } from '../http-provider.js';
import { anthropicErrorStatus, anthropicFinishReason } from './anthropic-wire.js';

/** What the decoder needs from its provider. */
export interface AnthropicStreamContext {
  provider: string;
  model: string;
  requestId: string;
  secrets: readonly string[];
  malformed(what: string, cause?: unknown): StreamError;
}

/**
 * Turns the Messages API's SSE events into chunks: `message_start` (id, model, input tokens),
 * `content_block_start` / `content_block_delta` (text and tool-use input fragments), `message_delta`
 * (stop reason, output tokens), `message_stop` (the terminator; a final chunk carries the usage),
 * `ping` (ignored) and `error` (thrown as the typed error of its `error.type`).
 */
export class AnthropicStreamDecoder implements StreamDecoder {
  done = false;
  private id = '';
  private model: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private promptTokens = 0;
  private completionTokens = 0;
  /** Content block index -> the ordinal of its tool call (tool_use blocks only). */
  private readonly toolIndex = new Map<number, number>();

  constructor(private readonly ctx: AnthropicStreamContext) {
    this.model = ctx.model;
  }

  decode(event: EventSourceMessage | string): ChatCompletionChunk | undefined {
    if (this.done) return undefined;
    const data = typeof event === 'string' ? event : event.data;
    let json: any;
    try {
      json = JSON.parse(data);
    } catch (cause) {
      throw this.ctx.malformed('not JSON', cause);
    }
    if (json === null || typeof json !== 'object') throw this.ctx.malformed('not an object');
    const type = typeof json.type === 'string' ? json.type : typeof event === 'string' ? undefined : event.event;
    switch (type) {
      case 'message_start':
        return this.messageStart(json.message);
      case 'content_block_start':
        return this.blockStart(json);
      case 'content_block_delta':
        return this.blockDelta(json);
      case 'message_delta':
        return this.messageDelta(json);
      case 'message_stop':
        this.done = true;
        return { ...this.chunk(null), choices: [], usage: this.usage() };
      case 'error':
        throw this.streamError(json.error);
      default:
        // ping, content_block_stop, and event types added later carry nothing for us
        return undefined;
    }
  }

  private messageStart(message: any): ChatCompletionChunk {
    if (message === null || typeof message !== 'object') throw this.ctx.malformed('message_start without a message');
    if (typeof message.id === 'string') this.id = message.id;
    if (typeof message.model === 'string') this.model = message.model;
    this.readUsage(message.usage);
    return this.chunk({ index: 0, delta: { role: 'assistant', content: '' }, finishReason: null });
  }

  private blockStart(json: any): ChatCompletionChunk | undefined {
    const block = json.content_block;
    if (typeof json.index !== 'number' || block === null || typeof block !== 'object') {
      throw this.ctx.malformed('content_block_start without index or content_block');
    }
    if (block.type === 'tool_use') {
      const ordinal = this.toolIndex.size;
      this.toolIndex.set(json.index, ordinal);
      return this.chunk({
        index: 0,
        delta: {
          toolCalls: [{ index: ordinal, id: String(block.id ?? ''), type: 'function', function: { name: String(block.name ?? ''), arguments: '' } }],
        },
        finishReason: null,
      });
    }
    if (block.type === 'text' && typeof block.text === 'string' && block.text.length > 0) {
      return this.chunk({ index: 0, delta: { content: block.text }, finishReason: null });
    }
    return undefined;
  }

  private blockDelta(json: any): ChatCompletionChunk | undefined {
    const delta = json.delta;
    if (typeof json.index !== 'number' || delta === null || typeof delta !== 'object') {
      throw this.ctx.malformed('content_block_delta without index or delta');
    }
    if (delta.type === 'text_delta') {
      if (typeof delta.text !== 'string') throw this.ctx.malformed('text_delta without text');
      return this.chunk({ index: 0, delta: { content: delta.text }, finishReason: null });
    }
    if (delta.type === 'input_json_delta') {
      const ordinal = this.toolIndex.get(json.index);
      if (ordinal === undefined) throw this.ctx.malformed(`input_json_delta for block ${json.index}, which is not a tool_use block`);
      if (typeof delta.partial_json !== 'string') throw this.ctx.malformed('input_json_delta without partial_json');
      return this.chunk({ index: 0, delta: { toolCalls: [{ index: ordinal, function: { arguments: delta.partial_json } }] }, finishReason: null });
    }
    return undefined;
  }

  private messageDelta(json: any): ChatCompletionChunk | undefined {
    this.readUsage(json.usage);
    const reason = anthropicFinishReason(json.delta?.stop_reason);
    if (reason === null) return undefined;
    return this.chunk({ index: 0, delta: {}, finishReason: reason });
  }

  /** `message_start` carries the input tokens; `message_delta` the cumulative output tokens (and, lately, input tokens too). */
  private readUsage(u: any): void {
    if (u === null || typeof u !== 'object') return;
    if (typeof u.input_tokens === 'number') {
      this.promptTokens = u.input_tokens + count(u.cache_creation_input_tokens) + count(u.cache_read_input_tokens);
    }
    if (typeof u.output_tokens === 'number') this.completionTokens = u.output_tokens;
  }

  private usage(): ChatCompletionChunk['usage'] {
    return { promptTokens: this.promptTokens, completionTokens: this.completionTokens, totalTokens: this.promptTokens + this.completionTokens };
  }

  private chunk(choice: ChatCompletionChunkChoice | null): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      provider: this.ctx.provider,
      choices: choice === null ? [] : [choice],
    };
  }

  private streamError(error: any): Error {
    const type = typeof error?.type === 'string' ? error.type : 'api_error';
    const detail = typeof error?.message === 'string' ? error.message : 'unknown error';
    const message = redact(`${this.ctx.provider} (anthropic) stream error: ${type}: ${detail}`, this.ctx.secrets);
    return errorFromStatus(anthropicErrorStatus(type), message, { provider: this.ctx.provider, requestId: this.ctx.requestId });
  }
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
