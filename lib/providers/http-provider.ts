import { errorFromStatus, parseRetryAfter } from '../errors/error-from-status.js';
import { ProviderError, StreamError, type LlmRouterError } from '../errors/llm-router-error.js';
import type { HttpCall, HttpClient, HttpResponse } from '../http/http-client.js';
import { EventStreamReader, type TextEventSplitter } from '../http/event-stream-reader.js';
import { NdjsonSplitter } from '../http/read-ndjson.js';
import { SseSplitter, type EventSourceMessage } from '../http/read-sse.js';
import { redact } from '../http/redact.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../types/embeddings.js';
import type { ProviderType } from '../types/provider-config.js';
import type { AbortEmitter } from '../http/abort-emitter.js';
import type { AttemptContext, Provider } from './provider.js';
import type { ResolvedProviderConfig } from './resolved-provider-config.js';

/** An attempt context that also offers its signal in the light form undici takes (the router's does). */
interface HttpAttemptContext extends AttemptContext {
  readonly httpSignal?: AbortEmitter;
}

/** A request a provider wants sent: path (with query) under its origin, JSON body, extra headers. */
export interface ProviderCall {
  path: string;
  body?: unknown;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
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

/**
 * The base of every HTTP provider: sends calls through the shared `HttpClient`, maps error statuses to
 * typed errors (with `Retry-After`), reads JSON answers and SSE / NDJSON streams. Subclasses only map
 * formats.
 */
export abstract class HttpProvider implements Provider {
  readonly name: string;
  abstract readonly type: ProviderType;
  readonly supportsEmbeddings: boolean = false;
  /** How the provider frames its streams. */
  protected readonly streamFormat: 'sse' | 'ndjson' = 'sse';
  protected readonly secrets: string[];
  private headerCache: { auth: Record<string, string>; json: Record<string, string>; stream: Record<string, string> } | undefined;

  constructor(
    readonly config: ResolvedProviderConfig,
    protected readonly http: HttpClient,
  ) {
    this.name = config.name;
    this.secrets = config.apiKey === undefined ? [] : [config.apiKey];
  }

  protected abstract chatCall(request: ChatCompletionRequest, model: string, stream: boolean): ProviderCall;
  protected abstract chatResult(json: any, model: string): ChatCompletion;
  protected abstract streamDecoder(model: string, requestId: string): StreamDecoder;

  /** Auth and version headers sent with every call. Returning the same object while they do not change lets the merged headers be reused. */
  protected abstract authHeaders(): Record<string, string> | Promise<Record<string, string>>;

  protected embeddingsCall(_request: EmbeddingsRequest, _model: string): ProviderCall {
    throw new ProviderError(`${this.type} has no embeddings API`, { provider: this.name });
  }

  protected embeddingsResult(_json: any, _model: string): EmbeddingsResponse {
    throw new ProviderError(`${this.type} has no embeddings API`, { provider: this.name });
  }

  /** The human message inside a provider's error body. */
  protected errorMessage(text: string): string {
    try {
      const json = JSON.parse(text);
      const err = json?.error;
      if (typeof err === 'string') return err;
      if (typeof err?.message === 'string') return err.message;
      if (typeof json?.message === 'string') return json.message;
      if (typeof json?.detail === 'string') return json.detail;
      const details = validationDetails(json?.detail ?? json?.message?.detail);
      if (details !== undefined) return details;
    } catch {
      // not JSON: use the text itself
    }
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
  }

  async chat(request: ChatCompletionRequest, ctx: AttemptContext): Promise<ChatCompletion> {
    const res = await this.dispatch(this.chatCall(request, ctx.model, false), ctx, false);
    if (res.statusCode < 200 || res.statusCode >= 300) throw await this.failure(res, ctx);
    return this.chatResult(await this.readJson(res, ctx), ctx.model);
  }

  async chatStream(request: ChatCompletionRequest, ctx: AttemptContext): Promise<AsyncIterable<ChatCompletionChunk>> {
    const res = await this.send(this.chatCall(request, ctx.model, true), ctx, true);
    return this.readStream(res, this.streamDecoder(ctx.model, ctx.requestId), ctx);
  }

  async embeddings(request: EmbeddingsRequest, ctx: AttemptContext): Promise<EmbeddingsResponse> {
    const res = await this.send(this.embeddingsCall(request, ctx.model), ctx, false);
    return this.embeddingsResult(await this.readJson(res, ctx), ctx.model);
  }

  async close(): Promise<void> {}

  /** Sends a call; throws the typed error of a non-2xx answer. */
  protected async send(call: ProviderCall, ctx: AttemptContext, stream: boolean): Promise<HttpResponse> {
    const res = await this.dispatch(call, ctx, stream);
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    throw await this.failure(res, ctx);
  }

  /** Sends a call and resolves with the answer, whatever its status. */
  private dispatch(call: ProviderCall, ctx: AttemptContext, stream: boolean): Promise<HttpResponse> {
    const auth = this.authHeaders();
    if (auth instanceof Promise) return auth.then((headers) => this.dispatchWith(call, ctx, stream, headers));
    return this.dispatchWith(call, ctx, stream, auth);
  }

  private dispatchWith(call: ProviderCall, ctx: AttemptContext, stream: boolean, auth: Record<string, string>): Promise<HttpResponse> {
    const http: HttpCall = {
      path: call.path,
      method: call.method ?? 'POST',
      headers: call.headers === undefined ? this.baseHeaders(auth, stream) : { ...this.baseHeaders(auth, stream), ...call.headers },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: (ctx as HttpAttemptContext).httpSignal ?? ctx.signal,
      bodyTimeoutMs: stream ? ctx.timeoutMs : 0,
    };
    return this.http.request(this.config.origin, http);
  }

  /** The typed error of a non-2xx answer, with the message of its body. */
  private async failure(res: HttpResponse, ctx: AttemptContext): Promise<LlmRouterError> {
    let text = '';
    try {
      text = await res.body.text();
    } catch {
      // the body could not be read; the status alone says what happened
    }
    return this.statusError(res.statusCode, res.headers, text, ctx);
  }

  /**
   * Content type, accept, the config's headers and `auth`, merged once and reused while `authHeaders()`
   * returns the same object.
   */
  private baseHeaders(auth: Record<string, string>, stream: boolean): Record<string, string> {
    let cache = this.headerCache;
    if (cache === undefined || cache.auth !== auth) {
      cache = this.headerCache = {
        auth,
        json: { 'content-type': 'application/json', accept: 'application/json', ...this.config.headers, ...auth },
        stream: { 'content-type': 'application/json', accept: 'text/event-stream', ...this.config.headers, ...auth },
      };
    }
    return stream ? cache.stream : cache.json;
  }

  protected statusError(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    text: string,
    ctx: AttemptContext,
  ): LlmRouterError {
    const detail = text.length > 0 ? this.errorMessage(text) : `HTTP ${status}`;
    const message = redact(`${this.name} (${this.type}) answered ${status}: ${detail}`, this.secrets);
    return errorFromStatus(status, message, {
      provider: this.name,
      requestId: ctx.requestId,
      retryAfterMs: parseRetryAfter(headers),
    });
  }

  protected async readJson(res: HttpResponse, ctx: AttemptContext): Promise<any> {
    const text = await res.body.text();
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new ProviderError(`${this.name} (${this.type}) answered with malformed JSON`, {
        provider: this.name,
        statusCode: res.statusCode,
        requestId: ctx.requestId,
        cause,
      });
    }
  }

  private readStream(res: HttpResponse, decoder: StreamDecoder, ctx: AttemptContext): AsyncIterable<ChatCompletionChunk> {
    const splitter: TextEventSplitter<EventSourceMessage | string> = this.streamFormat === 'sse' ? new SseSplitter() : new NdjsonSplitter();
    return new EventStreamReader(res.body as AsyncIterable<Buffer | string>, splitter, {
      decode: (event) => decoder.decode(event),
      end: () => {
        if (!decoder.done) {
          throw new StreamError(`${this.name} (${this.type}) stream ended before its end-of-stream marker`, {
            provider: this.name,
            statusCode: res.statusCode,
            requestId: ctx.requestId,
          });
        }
      },
    });
  }

  /** A `StreamError` for an event that cannot be read. */
  protected malformed(what: string, requestId: string, cause?: unknown): StreamError {
    return new StreamError(`${this.name} (${this.type}) sent a malformed stream event: ${what}`, {
      provider: this.name,
      requestId,
      cause,
    });
  }
}

/** FastAPI / pydantic validation details (Mistral's 422): `msg (loc)` of each entry. */
function validationDetails(detail: unknown): string | undefined {
  if (!Array.isArray(detail) || detail.length === 0) return undefined;
  return detail
    .map((d: { msg?: unknown; loc?: unknown }) => {
      const msg = typeof d?.msg === 'string' ? d.msg : JSON.stringify(d);
      return Array.isArray(d?.loc) ? `${msg} (${d.loc.join('.')})` : msg;
    })
    .join('; ');
}
