import { randomUUID } from 'node:crypto';
import type { ChatCompletion, ChatCompletionRequest } from '../../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../types/embeddings.js';
import { HttpProvider, type ProviderCall } from '../http-provider.js';
import type { WireError } from '../provider-errors.js';
import type { StreamContext, WireStreamDecoder } from '../stream-events.js';
import { OllamaStreamDecoder, ollamaWireError } from './ollama-stream.js';
import {
  chatCompletionFromOllama,
  chatRequestToOllama,
  embeddingsFromOllama,
  embeddingsRequestToOllama,
} from './ollama-wire.js';

/**
 * Ollama's native API: `POST /api/chat` (NDJSON streaming) and `POST /api/embed`. Needs no key; one that
 * is configured is sent as a bearer token (for an authenticating proxy or Ollama's cloud).
 */
export class OllamaProvider extends HttpProvider {
  readonly type = 'ollama' as const;
  override readonly supportsEmbeddings = true;
  /** `/api/chat` has no tool choice. */
  override readonly forcesToolChoice = false;
  protected override readonly streamFormat = 'ndjson' as const;
  private auth: Record<string, string> | undefined;

  protected authHeaders(): Record<string, string> {
    return (this.auth ??= this.config.apiKey === undefined ? {} : { authorization: `Bearer ${this.config.apiKey}` });
  }

  protected chatCall(request: ChatCompletionRequest, model: string, stream: boolean): ProviderCall {
    return {
      path: `${this.config.basePath}/api/chat`,
      body: chatRequestToOllama(request, model, stream),
      headers: stream ? { accept: 'application/x-ndjson' } : undefined,
    };
  }

  protected override missingAnswer(json: Record<string, any>): string | undefined {
    return json.message !== null && typeof json.message === 'object' ? undefined : 'no message';
  }

  protected chatResult(json: any, model: string, requestId: string): ChatCompletion {
    return chatCompletionFromOllama(json, this.name, model, responseId(), requestId);
  }

  protected wireStreamDecoder(ctx: StreamContext): WireStreamDecoder {
    return new OllamaStreamDecoder(ctx, responseId());
  }

  protected bodyError(json: Record<string, any>): WireError | undefined {
    return ollamaWireError(json);
  }

  protected override embeddingsCall(request: EmbeddingsRequest, model: string): ProviderCall {
    return { path: `${this.config.basePath}/api/embed`, body: embeddingsRequestToOllama(request, model) };
  }

  protected override embeddingsResult(json: any, model: string): EmbeddingsResponse {
    return embeddingsFromOllama(json, this.name, model);
  }
}

function responseId(): string {
  return `ollama-${randomUUID()}`;
}
