import type { ChatCompletion, ChatCompletionRequest } from '../../types/chat.js';
import type { Embedding, EmbeddingsRequest, EmbeddingsResponse } from '../../types/embeddings.js';
import type { ProviderType } from '../../config/index.js';
import { HttpProvider, type ProviderCall } from '../http-provider.js';
import type { WireError } from '../provider-errors.js';
import type { StreamContext, WireStreamDecoder } from '../stream-events.js';
import { isOpenAiFamily, OPENAI_FAMILY_PRESETS, type OpenAiFamilyPreset } from './openai-family.js';
import { OpenAiStreamDecoder, openAiWireError } from './openai-stream.js';
import {
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
  override readonly forcesToolChoice: boolean;
  protected readonly wire: OpenAiWireOptions;
  protected readonly preset: OpenAiFamilyPreset;
  private bearer: Record<string, string> | undefined;
  private chatPath: string | undefined;

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
    this.forcesToolChoice = this.wire.toolChoice !== 'auto-only';
  }

  protected authHeaders(): Record<string, string> | Promise<Record<string, string>> {
    return (this.bearer ??= this.config.apiKey === undefined ? {} : { authorization: `Bearer ${this.config.apiKey}` });
  }

  /** Path (with query) of an endpoint (`chat/completions`, `embeddings`) for a model. */
  protected endpoint(name: string, _model: string): string {
    if (name === 'chat/completions') return (this.chatPath ??= `${this.config.basePath}/${name}`);
    return `${this.config.basePath}/${name}`;
  }

  protected chatCall(request: ChatCompletionRequest, model: string, stream: boolean): ProviderCall {
    return { path: this.endpoint('chat/completions', model), body: chatRequestToOpenAi(request, model, stream, this.wire) };
  }

  protected override missingAnswer(json: Record<string, any>): string | undefined {
    return Array.isArray(json.choices) && json.choices.length > 0 ? undefined : 'no choices';
  }

  protected chatResult(json: any, model: string, requestId: string): ChatCompletion {
    return chatCompletionFromOpenAi(json, this.name, model, requestId);
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
    const vectors: Embedding[] = data.map((d: any, i: number) => ({
      object: 'embedding',
      index: Number(d?.index ?? i),
      embedding: Array.isArray(d?.embedding) ? d.embedding : [],
    }));
    // Some OpenAI-compatible servers answer out of order; data[i] is then put back to answer input[i].
    if (vectors.some((v, i) => v.index !== i)) vectors.sort((a, b) => a.index - b.index);
    return {
      object: 'list',
      data: vectors,
      model: String(json?.model ?? model),
      provider: this.name,
      usage: { promptTokens, totalTokens: Number(json?.usage?.total_tokens ?? promptTokens) },
    };
  }

  protected wireStreamDecoder(ctx: StreamContext): WireStreamDecoder {
    return new OpenAiStreamDecoder(ctx);
  }

  protected bodyError(json: Record<string, any>): WireError | undefined {
    return openAiWireError(json);
  }
}
