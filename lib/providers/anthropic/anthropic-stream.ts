import type { ChatCompletionChunk, ChatCompletionChunkChoice } from '../../types/chat.js';
import { isRecord, num } from '../content.js';
import { malformedEvent, type WireError } from '../provider-errors.js';
import type { StreamContext, WireStreamDecoder } from '../stream-events.js';
import { anthropicUsage } from './anthropic-usage.js';
import { anthropicErrorStatus, anthropicFinishReason, jsonAnswerFinish } from './anthropic-wire.js';

/**
 * The error of a Messages API body or `error` event: `{ type: 'error', error: { type, message } }`, typed
 * by `error.type` (`overloaded_error` is 529, `rate_limit_error` 429…); also a bare `{ error: … }`.
 */
export function anthropicWireError(json: Record<string, any>): WireError | undefined {
  if (json.type !== 'error' && json.error == null) return undefined;
  const error = json.error;
  if (typeof error === 'string') return { status: 500, message: error };
  const type = typeof error?.type === 'string' ? error.type : 'api_error';
  const detail = typeof error?.message === 'string' ? error.message : 'unknown error';
  return { status: anthropicErrorStatus(type), message: `${type}: ${detail}` };
}

interface ToolBlock {
  ordinal: number;
  sawArguments: boolean;
}

/**
 * Turns the Messages API's SSE events into chunks: `message_start` (id, model, input tokens),
 * `content_block_start` / `content_block_delta` (text, thinking and tool-use input fragments),
 * `content_block_stop` (a tool call that got no input is given `{}`), `message_delta` (stop reason,
 * output tokens), `message_stop` (the terminator; a final chunk carries the usage); `ping` is ignored.
 * With `jsonTool` (a `responseFormat: json_object` request), that tool's input fragments are content and
 * text blocks are dropped, as `chatCompletionFromAnthropic` does.
 */
export class AnthropicStreamDecoder implements WireStreamDecoder {
  done = false;
  private id = '';
  private model: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private input = 0;
  private cacheRead = 0;
  private cacheWrite = 0;
  private output = 0;
  /** Content block index -> its tool call (tool_use blocks only). */
  private readonly tools = new Map<number, ToolBlock>();
  /** The content block of the JSON tool's call, once it started. */
  private jsonBlock: ToolBlock | undefined;
  private jsonIndex = -1;

  constructor(
    private readonly ctx: StreamContext,
    private readonly jsonTool?: string,
  ) {
    this.model = ctx.model;
  }

  error(json: Record<string, any>, event: string | undefined): WireError | undefined {
    return json.type === 'error' || event === 'error' ? anthropicWireError({ type: 'error', error: json.error }) : undefined;
  }

  decode(json: Record<string, any>, event: string | undefined): ChatCompletionChunk | undefined {
    const type = typeof json.type === 'string' ? json.type : event;
    switch (type) {
      case 'message_start':
        return this.messageStart(json.message);
      case 'content_block_start':
        return this.blockStart(json);
      case 'content_block_delta':
        return this.blockDelta(json);
      case 'content_block_stop':
        return this.blockStop(json);
      case 'message_delta':
        return this.messageDelta(json);
      case 'message_stop':
        this.done = true;
        return { ...this.chunk(null), choices: [], usage: anthropicUsage(this.input, this.cacheRead, this.cacheWrite, this.output) };
      default:
        // ping, and event types added later, carry nothing for us
        return undefined;
    }
  }

  private messageStart(message: unknown): ChatCompletionChunk {
    if (!isRecord(message)) throw malformedEvent(this.ctx, 'message_start without a message');
    if (typeof message.id === 'string') this.id = message.id;
    if (typeof message.model === 'string') this.model = message.model;
    this.readUsage(message.usage);
    return this.chunk({ index: 0, delta: { role: 'assistant', content: '' }, finishReason: null });
  }

  private blockStart(json: Record<string, any>): ChatCompletionChunk | undefined {
    const block = json.content_block;
    if (typeof json.index !== 'number' || !isRecord(block)) {
      throw malformedEvent(this.ctx, 'content_block_start without index or content_block');
    }
    if (block.type === 'tool_use' && this.jsonTool !== undefined && block.name === this.jsonTool) {
      this.jsonIndex = json.index;
      this.jsonBlock = { ordinal: -1, sawArguments: false };
      return undefined;
    }
    if (block.type === 'text' && this.jsonTool !== undefined) return undefined;
    if (block.type === 'tool_use') {
      const ordinal = this.tools.size;
      this.tools.set(json.index, { ordinal, sawArguments: false });
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
    if (block.type === 'thinking' && typeof block.thinking === 'string' && block.thinking.length > 0) {
      return this.chunk({ index: 0, delta: { reasoning: block.thinking }, finishReason: null });
    }
    return undefined;
  }

  private blockDelta(json: Record<string, any>): ChatCompletionChunk | undefined {
    const delta = json.delta;
    if (typeof json.index !== 'number' || !isRecord(delta)) {
      throw malformedEvent(this.ctx, 'content_block_delta without index or delta');
    }
    switch (delta.type) {
      case 'text_delta':
        if (typeof delta.text !== 'string') throw malformedEvent(this.ctx, 'text_delta without text');
        if (this.jsonTool !== undefined) return undefined;
        return this.chunk({ index: 0, delta: { content: delta.text }, finishReason: null });
      case 'thinking_delta':
        if (typeof delta.thinking !== 'string') throw malformedEvent(this.ctx, 'thinking_delta without thinking');
        return delta.thinking.length === 0 ? undefined : this.chunk({ index: 0, delta: { reasoning: delta.thinking }, finishReason: null });
      case 'input_json_delta': {
        if (json.index === this.jsonIndex) return this.jsonDelta(delta.partial_json);
        const tool = this.tools.get(json.index);
        if (tool === undefined) throw malformedEvent(this.ctx, `input_json_delta for block ${json.index}, which is not a tool_use block`);
        if (typeof delta.partial_json !== 'string') throw malformedEvent(this.ctx, 'input_json_delta without partial_json');
        if (delta.partial_json.length === 0) return undefined;
        tool.sawArguments = true;
        return this.chunk({ index: 0, delta: { toolCalls: [{ index: tool.ordinal, function: { arguments: delta.partial_json } }] }, finishReason: null });
      }
      default:
        return undefined;
    }
  }

  private jsonDelta(piece: unknown): ChatCompletionChunk | undefined {
    if (typeof piece !== 'string') throw malformedEvent(this.ctx, 'input_json_delta without partial_json');
    if (piece.length === 0) return undefined;
    this.jsonBlock!.sawArguments = true;
    return this.chunk({ index: 0, delta: { content: piece }, finishReason: null });
  }

  /** A tool call whose block ends without input had no arguments: `{}`, as the non-streamed answer says. */
  private blockStop(json: Record<string, any>): ChatCompletionChunk | undefined {
    if (json.index === this.jsonIndex && !this.jsonBlock!.sawArguments) {
      this.jsonBlock!.sawArguments = true;
      return this.chunk({ index: 0, delta: { content: '{}' }, finishReason: null });
    }
    const tool = typeof json.index === 'number' ? this.tools.get(json.index) : undefined;
    if (tool === undefined || tool.sawArguments) return undefined;
    tool.sawArguments = true;
    return this.chunk({ index: 0, delta: { toolCalls: [{ index: tool.ordinal, function: { arguments: '{}' } }] }, finishReason: null });
  }

  private messageDelta(json: Record<string, any>): ChatCompletionChunk | undefined {
    this.readUsage(json.usage);
    const reason = jsonAnswerFinish(anthropicFinishReason(json.delta?.stop_reason), this.jsonBlock !== undefined, this.tools.size);
    if (reason === null) return undefined;
    return this.chunk({ index: 0, delta: {}, finishReason: reason });
  }

  /** `message_start` carries the input tokens; `message_delta` the cumulative output tokens (and, lately, input tokens too). */
  private readUsage(u: unknown): void {
    if (!isRecord(u)) return;
    if (typeof u.input_tokens === 'number') {
      this.input = u.input_tokens;
      if (typeof u.cache_read_input_tokens === 'number') this.cacheRead = num(u.cache_read_input_tokens);
      if (typeof u.cache_creation_input_tokens === 'number') this.cacheWrite = num(u.cache_creation_input_tokens);
    }
    if (typeof u.output_tokens === 'number') this.output = u.output_tokens;
  }

  private chunk(choice: ChatCompletionChunkChoice | null): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      provider: this.ctx.provider,
      requestId: this.ctx.requestId,
      choices: choice === null ? [] : [choice],
    };
  }
}
