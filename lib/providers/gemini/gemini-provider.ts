import { AuthenticationError, type LlmRouterError } from '../../errors/llm-router-error.js';
import type { ChatCompletion, ChatCompletionRequest } from '../../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../types/embeddings.js';
import { HttpProvider, type ProviderCall } from '../http-provider.js';
import type { WireError } from '../provider-errors.js';
import type { StreamContext, WireStreamDecoder } from '../stream-events.js';
import { geminiWireError, googleErrorMessage, googleErrorOf, googleRetryDelayMs, isInvalidKey } from './gemini-errors.js';
import type { AttemptContext } from '../provider.js';
import { GeminiStreamDecoder } from './gemini-stream.js';
import {
  chatCompletionFromGemini,
  chatRequestToGemini,
  embeddingsFromGemini,
  embeddingsRequestToGemini,
  geminiModelPath,
} from './gemini-wire.js';
import { ThoughtSignatures } from './thought-signatures.js';

/**
 * The Gemini API: `models/{model}:generateContent`, `:streamGenerateContent?alt=sse`, `:embedContent` and
 * `:batchEmbedContents`. The key travels in the `x-goog-api-key` header, never in the URL, so that it
 * cannot leak into access logs.
 */
export class GeminiProvider extends HttpProvider {
  readonly type = 'gemini' as const;
  override readonly supportsEmbeddings = true;
  private readonly signatures = new ThoughtSignatures();
  private auth: Record<string, string> | undefined;

  protected authHeaders(): Record<string, string> {
    return (this.auth ??= this.config.apiKey === undefined ? {} : { 'x-goog-api-key': this.config.apiKey });
  }

  private path(model: string, method: string): string {
    return `${this.config.basePath}/${geminiModelPath(model)}:${method}`;
  }

  protected chatCall(request: ChatCompletionRequest, model: string, stream: boolean): ProviderCall {
    return {
      path: stream ? this.path(model, 'streamGenerateContent?alt=sse') : this.path(model, 'generateContent'),
      body: chatRequestToGemini(request, this.signatures),
    };
  }

  /** No candidate is an answer only when the prompt was blocked (`promptFeedback.blockReason`: a content filter). */
  protected override missingAnswer(json: Record<string, any>): string | undefined {
    if (Array.isArray(json.candidates) && json.candidates.length > 0) return undefined;
    return json.promptFeedback?.blockReason != null ? undefined : 'no candidates';
  }

  protected chatResult(json: any, model: string, requestId: string): ChatCompletion {
    return chatCompletionFromGemini(json, this.name, model, this.signatures, requestId);
  }

  protected wireStreamDecoder(ctx: StreamContext): WireStreamDecoder {
    return new GeminiStreamDecoder(ctx, this.signatures);
  }

  protected bodyError(json: Record<string, any>): WireError | undefined {
    return geminiWireError(json);
  }

  protected override embeddingsCall(request: EmbeddingsRequest, model: string): ProviderCall {
    const { batch, body } = embeddingsRequestToGemini(request, model);
    return { path: this.path(model, batch ? 'batchEmbedContents' : 'embedContent'), body };
  }

  protected override embeddingsResult(json: any, model: string): EmbeddingsResponse {
    return embeddingsFromGemini(json, this.name, model);
  }

  /** Reads `{ error: { code, message, status } }` (also inside an array) as `STATUS: message`. */
  protected override errorMessage(text: string): string {
    return googleErrorMessage(googleErrorOf(text)) ?? super.errorMessage(text);
  }

  protected override bodyRetryAfter(text: string): number | undefined {
    return googleRetryDelayMs(googleErrorOf(text));
  }

  /** Gemini refuses a wrong key with 400 `API_KEY_INVALID`: that is an authentication failure. */
  protected override statusError(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    text: string,
    ctx: AttemptContext,
  ): LlmRouterError {
    const error = super.statusError(status, headers, text, ctx);
    if (status !== 400 || !isInvalidKey(googleErrorOf(text))) return error;
    return new AuthenticationError(error.message, { provider: this.name, statusCode: status, requestId: ctx.requestId, retryAfterMs: error.retryAfterMs });
  }
}
