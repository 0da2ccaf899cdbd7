import type { ChatCompletion, ChatCompletionRequest } from '../../types/chat.js';
import { HttpProvider, type ProviderCall } from '../http-provider.js';
import type { WireError } from '../provider-errors.js';
import type { StreamContext, WireStreamDecoder } from '../stream-events.js';
import { AnthropicStreamDecoder, anthropicWireError } from './anthropic-stream.js';
import { ANTHROPIC_VERSION, anthropicJsonToolName, chatCompletionFromAnthropic, chatRequestToAnthropic } from './anthropic-wire.js';

/**
 * Anthropic's Messages API (`POST {baseUrl}/messages`, `x-api-key` and `anthropic-version` headers),
 * with its SSE event stream. Anthropic has no embeddings API.
 */
export class AnthropicProvider extends HttpProvider {
  readonly type = 'anthropic' as const;
  private auth: Record<string, string> | undefined;

  protected authHeaders(): Record<string, string> {
    if (this.auth !== undefined) return this.auth;
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
    if (this.config.apiKey !== undefined) headers['x-api-key'] = this.config.apiKey;
    return (this.auth = headers);
  }

  protected chatCall(request: ChatCompletionRequest, model: string, stream: boolean): ProviderCall {
    return { path: `${this.config.basePath}/messages`, body: chatRequestToAnthropic(request, model, stream) };
  }

  protected override missingAnswer(json: Record<string, any>): string | undefined {
    return Array.isArray(json.content) ? undefined : 'no content';
  }

  protected chatResult(json: any, model: string, requestId: string, request: ChatCompletionRequest): ChatCompletion {
    return chatCompletionFromAnthropic(json, this.name, model, requestId, anthropicJsonToolName(request));
  }

  protected wireStreamDecoder(ctx: StreamContext, request?: ChatCompletionRequest): WireStreamDecoder {
    return new AnthropicStreamDecoder(ctx, request === undefined ? undefined : anthropicJsonToolName(request));
  }

  protected bodyError(json: Record<string, any>): WireError | undefined {
    return anthropicWireError(json);
  }

  /** Reads `{ type: 'error', error: { type, message } }` as `type: message`. */
  protected override errorMessage(text: string): string {
    try {
      const err = JSON.parse(text)?.error;
      if (typeof err?.message === 'string') return typeof err.type === 'string' ? `${err.type}: ${err.message}` : err.message;
    } catch {
      // not JSON: the base class reads the text
    }
    return super.errorMessage(text);
  }
}
