import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../types/embeddings.js';
import type { ProviderType, ResolvedProviderConfig } from '../config/index.js';

/** What the router tells a provider about one attempt. */
export interface AttemptContext {
  requestId: string;
  /** The provider's own model name (aliases already resolved). */
  model: string;
  /** Fires on the caller's abort or the attempt's timeout. */
  signal: AbortSignal;
  /** The attempt's timeout; streams use it as the idle time allowed between chunks. */
  timeoutMs: number;
  /** The request's extra headers, merged over the provider's. */
  headers?: Record<string, string>;
  /** Set by the provider from the answer's rate-limit headers. */
  rateLimit?: import('../events/router-event.js').RateLimitSnapshot | null;
}

/**
 * A provider adapter: maps the unified request to one provider's API and its answers back.
 * Failures are thrown as `LlmRouterError`s (status errors, `StreamError`); transport failures may be
 * thrown raw and are classified by the router.
 */
export interface Provider {
  readonly name: string;
  readonly type: ProviderType;
  readonly config: ResolvedProviderConfig;
  readonly supportsEmbeddings: boolean;
  /** Whether the API can make the model call a tool (`toolChoice` `required` or a named function). */
  readonly forcesToolChoice: boolean;
  chat(request: ChatCompletionRequest, ctx: AttemptContext): Promise<ChatCompletion>;
  /** Resolves once the provider accepted the stream (status 200); the iterable yields its chunks. */
  chatStream(request: ChatCompletionRequest, ctx: AttemptContext): Promise<AsyncIterable<ChatCompletionChunk>>;
  embeddings(request: EmbeddingsRequest, ctx: AttemptContext): Promise<EmbeddingsResponse>;
  close(): Promise<void>;
}
