import type { ChatCompletion, ChatCompletionRequest } from '../../types/chat.js';
import { HttpProvider, type ProviderCall, type StreamDecoder } from '../http-provider.js';
import { AnthropicStreamDecoder } from './anthropic-stream.js';
import { ANTHROPIC_VERSION, chatCompletionFromAnthropic, chatRequestToAnthropic } from './anthropic-wire.js';

/**
 * Anthropic's Messages API (`POST {baseUrl}/messages`, `x-api-key` and `anthropic-version` headers),
 * with its SSE event stream. Anthropic has no embeddings API.
 */
export class AnthropicProvider extends HttpProvider {
  readonly type = 'anthropic' as const;

  protected authHeaders(): Record<string, string> {
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
    if (this.config.apiKey !== undefined) headers['x-api-key'] = this.config.apiKey;
    return headers;
  }

  protected chatCall(request: ChatCompletionRequest, model: string, stream: boolean): ProviderCall {
    return { path: `${this.config.basePath}/messages`, body: chatRequestToAnthropic(request, model, stream) };
  }

  protected chatResult(json: any, model: string): ChatCompletion {
    return chatCompletionFromAnthropic(json, this.name, model);
  }

  protected streamDecoder(model: string, requestId: string): StreamDecoder {
    return new AnthropicStreamDecoder({
      provider: this.name,
      model,
      requestId,
      secrets: this.secrets,
      malformed: (what, cause) => this.malformed(what, requestId, cause),
    });
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
