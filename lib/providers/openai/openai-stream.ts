import type { ChatCompletionChunk } from '../../types/chat.js';
import { httpStatusOf, type WireError } from '../provider-errors.js';
import type { StreamContext, WireStreamDecoder } from '../stream-events.js';
import { chatChunkFromOpenAi } from './openai-wire.js';

/**
 * The error object of the OpenAI family (`{ error: { message, type, code } }`, or `error` as a string),
 * in a stream event or a 2xx body. Its `status`/`code` types it when it is an HTTP status; a business code
 * (Zhipu's "1214") or none is a 500.
 */
export function openAiWireError(json: Record<string, any>): WireError | undefined {
  const error = json.error;
  if (error == null) return undefined;
  if (typeof error === 'string') return { status: 500, message: error };
  const message = typeof error.message === 'string' ? error.message : JSON.stringify(error);
  return { status: httpStatusOf(error.status, error.code) ?? 500, message };
}

/** OpenAI's `chat.completion.chunk` events, ended by `data: [DONE]`. */
export class OpenAiStreamDecoder implements WireStreamDecoder {
  done = false;

  constructor(private readonly ctx: StreamContext) {}

  marker(data: string): boolean {
    if (data !== '[DONE]') return false;
    this.done = true;
    return true;
  }

  error(json: Record<string, any>): WireError | undefined {
    return openAiWireError(json);
  }

  decode(json: Record<string, any>): ChatCompletionChunk | undefined {
    const chunk = chatChunkFromOpenAi(json, this.ctx.provider, this.ctx.model, this.ctx.requestId);
    // Azure's leading `prompt_filter_results` chunk carries neither a choice nor usage.
    return chunk.choices.length === 0 && chunk.usage === undefined ? undefined : chunk;
  }
}
