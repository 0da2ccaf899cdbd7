import { errorFromStatus } from '../../errors/error-from-status.js';
import { redact } from '../../http/redact.js';
import type { EventSourceMessage } from '../../http/read-sse.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../types/embeddings.js';
import type { ProviderType } from '../../types/provider-config.js';
import { HttpProvider, type ProviderCall, type StreamDecoder } from '../http-provider.js';
import { isOpenAiFamily, OPENAI_FAMILY_PRESETS, type OpenAiFamilyPreset } from './openai-family.js';
import {
  chatChunkFromOpenAi,
  chatCompletionFromOpenAi,
  chatRequestToOpenAi,
  type OpenAiWireOptions,
} from './openai-wire.js';

/**
 * OpenAI's Chat Completions API, and the base of every OpenAI-compatible provider
 * (OpenRouter, DeepSeek, xAI, Groq, Mistral, DashScope, vLLM…), which differ only in base URL,
 * auth and the request options of their preset (see `OPENAI_FAMILY_PRESETS`).
 */
export class OpenAiProvider extends HttpProvider {
  readonly type: ProviderType;
  override readonly supportsEmbeddings: boolean;
  protected readonly wire: OpenAiWireOptions;
  protected readonly preset: OpenAiFamilyPreset;
  private bearer: Record<string, string> | undefined;

  constructor(
    config: ConstructorParameters<typeof HttpProvider>[0],
    http: ConstructorParameters<typeof HttpProvider>[1],
    wire: Partial<OpenAiWireOptions> = {},
  ) {
    super(config, http);
    this.type = config.providerType;
    const type = config.providerType;
    this.preset = OPENAI_FAMILY_PRESETS[isOpenAiFamily(type) ? type : 'openai-compatible'];
    this.wire = { ...this.preset.wire, ...wire };
    this.supportsEmbeddings = this.preset.embeddings;
  }

  protected authHeaders(): Record<string, string> | Promise<Record<string, string>> {
    return (this.bearer ??= this.config.apiKey === undefined ? {} : { authorization: `Bearer ${this.config.apiKey}` });
  }

  /** Path (with query) of an endpoint (`chat/completions`, `embeddings`) for a model. */
  protected endpoint(name: string, _model: string): string {
    return `${this.config.basePath}/${name}`;
  }

  protected chatCall(request: ChatCompletionRequest, model: string, stream: boolean): ProviderCall {
    return { path: this.endpoint('chat/completions', model), body: chatRequestToOpenAi(request, model, stream, this.wire) };
  }

  protected chatResult(json: any, model: string): ChatCompletion {
    return chatCompletionFromOpenAi(json, this.name, model);
  }

  protected override embeddingsCall(request: EmbeddingsRequest, model: string): ProviderCall {
    const body: Record<string, unknown> = {};
    if (this.wire.sendModel) body.model = model;
    body.input = request.input;
    if (this.preset.encodingFormat) body.encoding_format = 'float';
    if (request.dimensions !== undefined) body[this.preset.dimensionsField] = request.dimensions;
    return { path: this.endpoint('embeddings', model), body };
  }

  protected override embeddingsResult(json: any, model: string): EmbeddingsResponse {
    const data = Array.isArray(json?.data) ? json.data : [];
    const promptTokens = Number(json?.usage?.prompt_tokens ?? 0);
    return {
      object: 'list',
      data: data.map((d: any, i: number) => ({
        object: 'embedding',
        index: Number(d?.index ?? i),
        embedding: Array.isArray(d?.embedding) ? d.embedding : [],
      })),
      model: String(json?.model ?? model),
      provider: this.name,
      usage: { promptTokens, totalTokens: Number(json?.usage?.total_tokens ?? promptTokens) },
    };
  }

  protected streamDecoder(model: string, requestId: string): StreamDecoder {
    const provider = this;
    let done = false;
    return {
      get done() {
        return done;
      },
      decode(event: EventSourceMessage | string): ChatCompletionChunk | undefined {
        const data = typeof event === 'string' ? event : event.data;
        if (data === '[DONE]') {
          done = true;
          return undefined;
        }
        let json: any;
        try {
          json = JSON.parse(data);
        } catch (cause) {
          throw provider.malformed('not JSON', requestId, cause);
        }
        if (json?.error != null) {
          const status = Number(json.error.status ?? json.error.code);
          const message = redact(
            `${provider.name} (${provider.type}) stream error: ${provider.errorMessage(JSON.stringify(json))}`,
            provider.secrets,
          );
          throw errorFromStatus(Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500, message, {
            provider: provider.name,
            requestId,
          });
        }
        if (json === null || typeof json !== 'object') throw provider.malformed('not an object', requestId);
        const chunk = chatChunkFromOpenAi(json, provider.name, model);
        // Azure's leading `prompt_filter_results` chunk carries neither a choice nor usage.
        return chunk.choices.length === 0 && chunk.usage === undefined ? undefined : chunk;
      },
    };
  }
}
