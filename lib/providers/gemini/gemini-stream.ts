import type { ChatCompletionChunk, ChatCompletionChunkChoice, ToolCallDelta, Usage } from '../../types/chat.js';
import type { WireError } from '../provider-errors.js';
import type { StreamContext, WireStreamDecoder } from '../stream-events.js';
import { geminiWireError } from './gemini-errors.js';
import { PartialFunctionCall } from './partial-function-call.js';
import { geminiFinishReason, responseIdOf, toolCallFromGemini, usageFromGemini } from './gemini-wire.js';
import type { ThoughtSignatures } from './thought-signatures.js';

/**
 * Turns `streamGenerateContent?alt=sse` events (each a whole `GenerateContentResponse`) into chunks.
 * Gemini sends no terminator: the stream is complete once a candidate carries a `finishReason` (or the
 * prompt was blocked); the last `usageMetadata` is the usage.
 */
export class GeminiStreamDecoder implements WireStreamDecoder {
  done = false;
  readonly readsAfterDone = true;
  private id: string | undefined;
  private model: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private usage: Usage | null = null;
  private toolCalls = 0;
  private sentRole = false;
  private readonly partial = new PartialFunctionCall();

  constructor(
    private readonly ctx: StreamContext,
    private readonly signatures: ThoughtSignatures,
  ) {
    this.model = ctx.model;
  }

  error(json: Record<string, any>): WireError | undefined {
    return geminiWireError(json);
  }

  decode(json: Record<string, any>): ChatCompletionChunk | ChatCompletionChunk[] | undefined {
    const usage = usageFromGemini(json.usageMetadata);
    if (this.done) {
      if (usage === null) return undefined;
      this.usage = usage;
      return this.usageChunk();
    }
    this.id ??= responseIdOf(json);
    if (typeof json.modelVersion === 'string') this.model = json.modelVersion;
    if (usage !== null) this.usage = usage;

    const cand = Array.isArray(json.candidates) ? json.candidates[0] : undefined;
    const delta: ChatCompletionChunkChoice['delta'] = {};
    if (!this.sentRole) {
      delta.role = 'assistant';
      this.sentRole = true;
    }
    const parts = Array.isArray(cand?.content?.parts) ? cand.content.parts : [];
    let text: string | undefined;
    let reasoning: string | undefined;
    let calls: ToolCallDelta[] | undefined;
    for (const p of parts) {
      if (p?.thought === true) {
        if (typeof p.text === 'string' && p.text.length > 0) reasoning = (reasoning ?? '') + p.text;
        continue;
      }
      if (typeof p?.text === 'string') {
        text = text === undefined ? p.text : text + p.text;
      } else if (p?.functionCall != null) {
        const whole = this.partial.add(p.functionCall, p.thoughtSignature);
        if (whole === undefined) continue;
        const ordinal = this.toolCalls++;
        const call = toolCallFromGemini(whole.call, this.id, ordinal);
        if (typeof whole.signature === 'string') this.signatures.set(call.id, whole.signature);
        (calls ??= []).push({ index: ordinal, id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } });
      }
    }
    if (text !== undefined) delta.content = text;
    if (reasoning !== undefined) delta.reasoning = reasoning;
    if (calls !== undefined) delta.toolCalls = calls;

    let finishReason = geminiFinishReason(cand?.finishReason, this.toolCalls > 0);
    if (cand === undefined && json.promptFeedback?.blockReason != null) finishReason = 'content_filter';
    if (finishReason === null) {
      return text === undefined && reasoning === undefined && calls === undefined && delta.role === undefined ? undefined : this.chunk([{ index: 0, delta, finishReason: null }]);
    }
    this.done = true;
    return [this.chunk([{ index: 0, delta, finishReason }]), this.usageChunk()];
  }

  private usageChunk(): ChatCompletionChunk {
    const chunk = this.chunk([]);
    chunk.usage = this.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    return chunk;
  }

  private chunk(choices: ChatCompletionChunkChoice[]): ChatCompletionChunk {
    return {
      id: this.id ?? '',
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      provider: this.ctx.provider,
      requestId: this.ctx.requestId,
      choices,
    };
  }
}
