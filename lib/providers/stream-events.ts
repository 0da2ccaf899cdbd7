import type { EventSourceMessage } from '../http/read-sse.js';
import type { ChatCompletionChunk } from '../types/chat.js';
import { isRecord } from './content.js';
import { StreamError } from '../errors/llm-router-error.js';
import { malformedEvent, wireErrorToError, type ErrorScope, type WireError } from './provider-errors.js';

/** What a stream's decoder knows of its call: the error scope plus the model asked for. */
export interface StreamContext extends ErrorScope {
  /** The provider's model name sent with the request (answers may name another). */
  readonly model: string;
}

/** Turns a provider's stream events into chunks. One decoder per stream. */
export interface StreamDecoder {
  /**
   * Maps one event (an SSE message, or an NDJSON line's text) to zero, one or several chunks.
   * Throws `StreamError` on a malformed event, or the provider's error for an error event.
   */
  decode(event: EventSourceMessage | string): ChatCompletionChunk | ChatCompletionChunk[] | undefined;
  /** True once the provider's end-of-stream marker was seen. */
  readonly done: boolean;
}

/** A provider's wire mapping of stream events, after the shared parse, guard and error steps. */
export interface WireStreamDecoder {
  readonly done: boolean;
  /** Whether events after the end marker still count (Gemini's late usage); otherwise they are ignored unread. */
  readonly readsAfterDone?: boolean;
  /** Handles an event whose data is a plain marker rather than JSON (OpenAI's `[DONE]`); true when it was one. */
  marker?(data: string): boolean;
  /** The provider error the event carries, if it is an error event. */
  error(json: Record<string, any>, event: string | undefined): WireError | undefined;
  /** Maps an event (a JSON object) to chunks. */
  decode(json: Record<string, any>, event: string | undefined): ChatCompletionChunk | ChatCompletionChunk[] | undefined;
}

/**
 * The one stream-event path of every provider: read the event's data, let the wire decoder see markers,
 * parse it (a malformed event is a `StreamError` whose cause keeps no text), refuse what is not an
 * object, throw the typed and redacted error of an error event, then map it.
 */
export class StreamEventDecoder implements StreamDecoder {
  constructor(
    private readonly ctx: StreamContext,
    private readonly wire: WireStreamDecoder,
    /** The status of the answer whose body is decoded, for the error of a stream cut short. */
    private readonly statusCode?: number,
  ) {}

  get done(): boolean {
    return this.wire.done;
  }

  decode(event: EventSourceMessage | string): ChatCompletionChunk | ChatCompletionChunk[] | undefined {
    const wire = this.wire;
    if (wire.done && wire.readsAfterDone !== true) return undefined;
    const data = typeof event === 'string' ? event : event.data;
    if (wire.marker !== undefined && wire.marker(data)) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch (cause) {
      throw malformedEvent(this.ctx, 'not JSON', cause);
    }
    if (!isRecord(json)) throw malformedEvent(this.ctx, 'not an object');
    const name = typeof event === 'string' ? undefined : event.event;
    const error = wire.error(json, name);
    if (error !== undefined) throw wireErrorToError(error, 'stream error', this.ctx);
    return wire.decode(json, name);
  }

  /** The body ended: a `StreamError` unless the provider's end-of-stream marker was seen. */
  end(): void {
    if (this.wire.done) return;
    const { provider, type, requestId } = this.ctx;
    throw new StreamError(`${provider} (${type}) stream ended before its end-of-stream marker`, { provider, statusCode: this.statusCode, requestId });
  }
}
