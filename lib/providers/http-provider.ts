import { errorFromStatus, parseRetryAfter } from '../errors/error-from-status.js';
import { ProviderError, type LlmRouterError } from '../errors/llm-router-error.js';
import type { AbortEmitter } from '../http/abort-emitter.js';
import type { HttpCall, HttpClient, HttpTextResponse } from '../http/http-client.js';
import type { StreamHead } from '../http/stream-call.js';
import type { TextEventSplitter } from '../http/text-events.js';
import { NdjsonSplitter } from '../http/read-ndjson.js';
import { SseSplitter, type EventSourceMessage } from '../http/read-sse.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../types/embeddings.js';
import type { ProviderType, ResolvedProviderConfig } from '../config/index.js';
import { isRecord } from './content.js';
import { errorBodyMessage } from './error-body.js';
import { malformedBody, safeDetail, wireErrorToError, type ErrorScope, type WireError } from './provider-errors.js';
import type { AttemptContext, Provider } from './provider.js';
import { rateLimitFrom, type HeaderSource } from './rate-limit-headers.js';
import { StreamEventDecoder, type StreamContext, type StreamDecoder, type WireStreamDecoder } from './stream-events.js';

export type { StreamDecoder } from './stream-events.js';

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

type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * The base of every HTTP provider: sends calls through the shared `HttpClient`, maps error statuses and
 * error bodies (also inside 2xx answers) to typed, redacted errors, reads JSON answers and SSE / NDJSON
 * streams through the shared stream-event path, and reads rate-limit headers. Subclasses only map formats.
 */
export abstract class HttpProvider implements Provider {
  readonly name: string;
  abstract readonly type: ProviderType;
  readonly supportsEmbeddings: boolean = false;
  readonly forcesToolChoice: boolean = true;
  /** How the provider frames its streams. */
  protected readonly streamFormat: 'sse' | 'ndjson' = 'sse';
  /** Every credential of the config: the key and every header value (subclasses add signed tokens). */
  protected readonly secrets: string[];
  private headerCache: { auth: Record<string, string>; json: Record<string, string>; stream: Record<string, string> } | undefined;

  constructor(
    readonly config: ResolvedProviderConfig,
    protected readonly http: HttpClient,
  ) {
    this.name = config.name;
    this.secrets = config.apiKey === undefined ? [] : [config.apiKey];
    for (const name in config.headers) {
      const value = config.headers[name]!;
      this.secrets.push(value);
      const space = value.indexOf(' ');
      if (space > 0) this.secrets.push(value.slice(space + 1));
    }
  }

  protected abstract chatCall(request: ChatCompletionRequest, model: string, stream: boolean): ProviderCall;
  /** The unified completion of a 2xx answer to `request`. */
  protected abstract chatResult(json: Record<string, any>, model: string, requestId: string, request: ChatCompletionRequest): ChatCompletion;
  /** The provider's wire mapping of the stream events answering `request` (undefined for a decoder made outside a call). */
  protected abstract wireStreamDecoder(ctx: StreamContext, request?: ChatCompletionRequest): WireStreamDecoder;
  /** The provider error an answer body (or stream event) carries in place of a result, if any. */
  protected abstract bodyError(json: Record<string, any>): WireError | undefined;

  /** Auth and version headers sent with every call. Returning the same object while they do not change lets the merged headers be reused. */
  protected abstract authHeaders(): Record<string, string> | Promise<Record<string, string>>;

  protected embeddingsCall(_request: EmbeddingsRequest, _model: string): ProviderCall {
    throw new ProviderError(`${this.type} has no embeddings API`, { provider: this.name });
  }

  protected embeddingsResult(_json: Record<string, any>, _model: string): EmbeddingsResponse {
    throw new ProviderError(`${this.type} has no embeddings API`, { provider: this.name });
  }

  /** The human message inside a provider's error body (the whole text when it is not a known shape). */
  protected errorMessage(text: string): string {
    return errorBodyMessage(text);
  }

  async chat(request: ChatCompletionRequest, ctx: AttemptContext): Promise<ChatCompletion> {
    const res = await this.exchange(this.chatCall(request, ctx.model, false), ctx);
    const json = this.answerJson(res, ctx);
    const missing = this.missingAnswer(json);
    if (missing !== undefined) {
      throw new ProviderError(`${this.name} (${this.type}) answered ${res.statusCode} with ${missing}`, {
        provider: this.name,
        statusCode: res.statusCode,
        requestId: ctx.requestId,
      });
    }
    return this.chatResult(json, ctx.model, ctx.requestId, request);
  }

  /**
   * What a 2xx chat answer that is no error lacks to be an answer (`no choices`), so that a proxy's stub or a
   * changed shape fails the attempt rather than passing as an empty completion; undefined when it is one.
   */
  protected missingAnswer(_json: Record<string, any>): string | undefined {
    return undefined;
  }

  /** One `then` over the call rather than async layers (a promise and a resume each per request). */
  chatStream(request: ChatCompletionRequest, ctx: AttemptContext): Promise<AsyncIterable<ChatCompletionChunk>> {
    let sent: Promise<StreamHead>;
    try {
      sent = this.dispatch(this.chatCall(request, ctx.model, true), ctx, true);
    } catch (error) {
      return Promise.reject(error);
    }
    return sent.then((res) => this.streamOf(res, ctx, request));
  }

  /** The chunks of a stream's answer, or the typed error of an error status or a JSON body. */
  private streamOf(res: StreamHead, ctx: AttemptContext, request: ChatCompletionRequest): AsyncIterable<ChatCompletionChunk> | Promise<never> {
    noteRateLimit(res, ctx);
    if (res.statusCode < 200 || res.statusCode >= 300) return this.failure(res, ctx).then(rethrow);
    if (isJson(res.header('content-type'))) return this.refuseJsonStream(res, ctx);
    return this.readStream(res, ctx, request);
  }

  /** A stream request answered with a JSON body (a proxy's `200 {"error": …}`): its error, before any chunk. */
  private async refuseJsonStream(res: StreamHead, ctx: AttemptContext): Promise<never> {
    await this.readJson(res, ctx);
    throw new ProviderError(`${this.name} (${this.type}) answered a stream request with a JSON body`, {
      provider: this.name,
      statusCode: res.statusCode,
      requestId: ctx.requestId,
    });
  }

  async embeddings(request: EmbeddingsRequest, ctx: AttemptContext): Promise<EmbeddingsResponse> {
    const res = await this.exchange(this.embeddingsCall(request, ctx.model), ctx);
    const answer = this.embeddingsResult(this.answerJson(res, ctx), ctx.model);
    const missing = vectorsMismatch(answer, typeof request.input === 'string' ? 1 : request.input.length);
    if (missing !== undefined) {
      throw new ProviderError(`${this.name} (${this.type}) answered ${res.statusCode} with ${missing}`, {
        provider: this.name,
        statusCode: res.statusCode,
        requestId: ctx.requestId,
      });
    }
    return answer;
  }

  async close(): Promise<void> {}

  /** The decoder of one stream: the shared event path over the provider's wire mapping. */
  protected streamDecoder(model: string, requestId: string): StreamDecoder {
    return this.streamDecoderOf({ provider: this.name, type: this.type, model, requestId, secrets: this.secrets });
  }

  private streamDecoderOf(ctx: StreamContext): StreamDecoder {
    return new StreamEventDecoder(ctx, this.wireStreamDecoder(ctx));
  }

  private streamContext(model: string, ctx: AttemptContext): StreamContext {
    return { provider: this.name, type: this.type, model, requestId: ctx.requestId, secrets: this.secretsOf(ctx) };
  }

  /** The credentials of a call: the config's, plus the request's own header values when it has some. */
  private secretsOf(ctx: AttemptContext): readonly string[] {
    const extra = ctx.headers;
    if (extra === undefined) return this.secrets;
    const all = [...this.secrets];
    for (const name in extra) all.push(extra[name]!);
    return all;
  }

  private scope(ctx: AttemptContext): ErrorScope {
    return { provider: this.name, type: this.type, requestId: ctx.requestId, secrets: this.secretsOf(ctx) };
  }

  /** Sends a stream call; resolves at the answer's head. */
  private dispatch(call: ProviderCall, ctx: AttemptContext, stream: boolean): Promise<StreamHead> {
    const auth = this.authHeaders();
    if (auth instanceof Promise) return auth.then((headers) => this.http.stream(this.config.origin, this.httpCall(call, ctx, stream, headers)));
    return this.http.stream(this.config.origin, this.httpCall(call, ctx, stream, auth));
  }

  /** Sends a call whose answer is read whole (JSON). */
  private exchange(call: ProviderCall, ctx: AttemptContext): Promise<HttpTextResponse> {
    const auth = this.authHeaders();
    if (auth instanceof Promise) return auth.then((headers) => this.http.exchange(this.config.origin, this.httpCall(call, ctx, false, headers)));
    return this.http.exchange(this.config.origin, this.httpCall(call, ctx, false, auth));
  }

  private httpCall(call: ProviderCall, ctx: AttemptContext, stream: boolean, auth: Record<string, string>): HttpCall {
    const base = this.baseHeaders(auth, stream);
    const extra = ctx.headers;
    let headers = call.headers === undefined ? base : { ...base, ...call.headers };
    if (extra !== undefined) headers = { ...headers, ...lowerCased(extra) };
    return {
      path: call.path,
      method: call.method ?? 'POST',
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: (ctx as HttpAttemptContext).httpSignal ?? ctx.signal,
      bodyTimeoutMs: stream ? ctx.timeoutMs : 0,
    };
  }

  /**
   * The JSON object of a whole answer, read as `request()` and `body.text()` read it: the rate-limit
   * headers either way; a non-2xx status is its typed error (with no body text when the body was cut);
   * a cut 2xx body throws what cut it.
   */
  private answerJson(res: HttpTextResponse, ctx: AttemptContext): Record<string, any> {
    noteRateLimit(res, ctx);
    const status = res.statusCode;
    if (status < 200 || status >= 300) throw this.statusError(status, res.headers, res.bodyError === undefined ? res.text : '', ctx);
    if (res.bodyError !== undefined) throw res.bodyError;
    return this.parseJson(res.text, status, ctx);
  }

  /** The typed error of a non-2xx answer, with the message of its body. */
  private async failure(res: StreamHead, ctx: AttemptContext): Promise<LlmRouterError> {
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
      const configured = lowerCased(this.config.headers);
      cache = this.headerCache = {
        auth,
        json: { 'content-type': 'application/json', accept: 'application/json', ...configured, ...auth },
        stream: { 'content-type': 'application/json', accept: 'text/event-stream', ...configured, ...auth },
      };
    }
    return stream ? cache.stream : cache.json;
  }

  /** The typed error of an error status; its detail is redacted before it is cut. */
  protected statusError(status: number, headers: ResponseHeaders, text: string, ctx: AttemptContext): LlmRouterError {
    const secrets = this.secretsOf(ctx);
    const detail = text.length > 0 ? safeDetail(this.errorMessage(text), secrets) : `HTTP ${status}`;
    return errorFromStatus(status, `${this.name} (${this.type}) answered ${status}: ${detail}`, {
      provider: this.name,
      requestId: ctx.requestId,
      retryAfterMs: parseRetryAfter(headers) ?? this.bodyRetryAfter(text),
    });
  }

  /** A retry delay an error body gives (Gemini's `RetryInfo`). */
  protected bodyRetryAfter(_text: string): number | undefined {
    return undefined;
  }

  /** Reads a 2xx JSON answer; a body that is an error object throws its typed error. */
  protected async readJson(res: StreamHead, ctx: AttemptContext): Promise<Record<string, any>> {
    return this.parseJson(await res.body.text(), res.statusCode, ctx);
  }

  /** The object of a 2xx answer's text; a body that is an error object throws its typed error. */
  private parseJson(text: string, statusCode: number, ctx: AttemptContext): Record<string, any> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw malformedBody(this.scope(ctx), statusCode, cause);
    }
    const record = isRecord(json) ? json : Array.isArray(json) && isRecord(json[0]) ? json[0] : undefined;
    if (record === undefined) {
      throw new ProviderError(`${this.name} (${this.type}) answered ${statusCode} with a body that is not an object`, {
        provider: this.name,
        statusCode,
        requestId: ctx.requestId,
      });
    }
    const error = this.bodyError(record);
    if (error !== undefined) throw wireErrorToError(error, `answered ${statusCode} with an error`, this.scope(ctx));
    return record;
  }

  private readStream(res: StreamHead, ctx: AttemptContext, request: ChatCompletionRequest): AsyncIterable<ChatCompletionChunk> {
    const scope = this.streamContext(ctx.model, ctx);
    const decoder = new StreamEventDecoder(scope, this.wireStreamDecoder(scope, request), res.statusCode);
    const splitter: TextEventSplitter<EventSourceMessage | string> = this.streamFormat === 'sse' ? SseSplitter.acquire() : new NdjsonSplitter();
    return res.body.events(splitter, decoder);
  }
}

/** What keeps an embeddings answer from giving one vector per input (`data[i]` for `input[i]`); undefined when it does. */
function vectorsMismatch(answer: EmbeddingsResponse, inputs: number): string | undefined {
  const data = answer.data;
  if (data.length !== inputs) return `${data.length} embedding${data.length === 1 ? '' : 's'} for ${inputs} input${inputs === 1 ? '' : 's'}`;
  for (let i = 0; i < data.length; i++) {
    if (data[i]!.embedding.length === 0) return `an empty vector at data[${i}]`;
    if (data[i]!.index !== i) return `embedding indexes that are not 0 to ${inputs - 1}`;
  }
  return undefined;
}

function rethrow(error: unknown): never {
  throw error;
}

function isJson(contentType: string | string[] | undefined): boolean {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return value !== undefined && value.toLowerCase().startsWith('application/json');
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) out[name.toLowerCase()] = headers[name]!;
  return out;
}

/** What an answer's rate-limit headers say is left, for the attempt's events (kept when it says nothing). */
function noteRateLimit(res: HeaderSource, ctx: AttemptContext): void {
  const rateLimit = rateLimitFrom(res);
  if (rateLimit !== null) ctx.rateLimit = rateLimit;
}
