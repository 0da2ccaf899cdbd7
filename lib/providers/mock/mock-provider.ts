import { errorFromStatus } from '../../errors/error-from-status.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
  ToolCall,
  Usage,
} from '../../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../types/embeddings.js';
import type { MockProviderOptions } from '../../types/provider-config.js';
import { seededRandom } from '../../util/seeded-random.js';
import { sleep } from '../../util/sleep.js';
import type { AttemptContext, Provider } from '../provider.js';
import type { ResolvedProviderConfig } from '../resolved-provider-config.js';

/** Counts tokens the way the mock does: whitespace-separated words. */
export function countWords(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

function textOf(m: ChatMessage): string {
  if (m.content === null) return '';
  if (typeof m.content === 'string') return m.content;
  return m.content.map((p) => (p.type === 'text' ? p.text : '')).join(' ');
}

/**
 * The embedded provider: answers in-process and deterministically, with configurable latency, token
 * counts, error rate and stream chunking, so that the sample app and tests need no key and no network.
 * Prompt tokens are the words of all messages; the reply has exactly `completionTokens` words.
 */
export class MockProvider implements Provider {
  readonly type = 'mock' as const;
  readonly name: string;
  readonly supportsEmbeddings = true;
  private readonly options: Required<Omit<MockProviderOptions, 'reply' | 'latencyMs'>> & {
    reply: string | undefined;
    latencyMs: number | [number, number];
  };
  private readonly random: () => number;
  private sequence = 0;

  constructor(readonly config: ResolvedProviderConfig) {
    this.name = config.name;
    const o = config.mock;
    this.options = {
      latencyMs: o.latencyMs ?? 0,
      chunkDelayMs: o.chunkDelayMs ?? 0,
      errorRate: o.errorRate ?? 0,
      errorStatus: o.errorStatus ?? 503,
      completionTokens: o.completionTokens ?? 16,
      chunkSize: o.chunkSize ?? 1,
      reply: o.reply,
      seed: o.seed ?? 1,
      embeddingDimensions: o.embeddingDimensions ?? 8,
    };
    this.random = seededRandom(this.options.seed);
  }

  async chat(request: ChatCompletionRequest, ctx: AttemptContext): Promise<ChatCompletion> {
    await this.begin(ctx);
    const id = this.nextId();
    const toolCall = this.toolCallFor(request, id);
    const words = toolCall === undefined ? this.replyWords(request) : [];
    const usage = this.usage(request, toolCall === undefined ? words.length : countWords(toolCall.function.arguments));
    return {
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: ctx.model,
      provider: this.name,
      choices: [
        {
          index: 0,
          message:
            toolCall === undefined
              ? { role: 'assistant', content: words.join(' ') }
              : { role: 'assistant', content: null, toolCalls: [toolCall] },
          finishReason: toolCall === undefined ? this.finishReason(request) : 'tool_calls',
        },
      ],
      usage,
    };
  }

  async chatStream(request: ChatCompletionRequest, ctx: AttemptContext): Promise<AsyncIterable<ChatCompletionChunk>> {
    await this.begin(ctx);
    return this.stream(request, ctx);
  }

  async embeddings(request: EmbeddingsRequest, ctx: AttemptContext): Promise<EmbeddingsResponse> {
    await this.begin(ctx);
    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    const dims = request.dimensions ?? this.options.embeddingDimensions;
    let tokens = 0;
    const data = inputs.map((text, index) => {
      tokens += countWords(text);
      const gen = seededRandom(hash(text));
      const embedding = Array.from({ length: dims }, () => Math.round((gen() * 2 - 1) * 1e6) / 1e6);
      return { object: 'embedding' as const, index, embedding };
    });
    return { object: 'list', data, model: ctx.model, provider: this.name, usage: { promptTokens: tokens, totalTokens: tokens } };
  }

  async close(): Promise<void> {}

  private async begin(ctx: AttemptContext): Promise<void> {
    const { latencyMs, errorRate, errorStatus } = this.options;
    const latency = typeof latencyMs === 'number' ? latencyMs : latencyMs[0] + this.random() * (latencyMs[1] - latencyMs[0]);
    await sleep(latency, ctx.signal);
    if (errorRate > 0 && this.random() < errorRate) {
      throw errorFromStatus(errorStatus, `${this.name} (mock) answered ${errorStatus}: injected failure`, {
        provider: this.name,
        requestId: ctx.requestId,
      });
    }
  }

  private async *stream(request: ChatCompletionRequest, ctx: AttemptContext): AsyncGenerator<ChatCompletionChunk> {
    const id = this.nextId();
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: ChatCompletionChunk['choices'][number]['finishReason']): ChatCompletionChunk => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model: ctx.model,
      provider: this.name,
      choices: [{ index: 0, delta, finishReason: finish }],
    });
    const toolCall = this.toolCallFor(request, id);
    let completion: number;
    if (toolCall !== undefined) {
      const args = toolCall.function.arguments;
      const half = Math.ceil(args.length / 2);
      yield chunk({ role: 'assistant', content: null, toolCalls: [{ index: 0, id: toolCall.id, type: 'function', function: { name: toolCall.function.name, arguments: '' } }] }, null);
      for (const part of [args.slice(0, half), args.slice(half)]) {
        await sleep(this.options.chunkDelayMs, ctx.signal);
        yield chunk({ toolCalls: [{ index: 0, function: { arguments: part } }] }, null);
      }
      yield chunk({}, 'tool_calls');
      completion = countWords(args);
    } else {
      const words = this.replyWords(request);
      const size = Math.max(1, this.options.chunkSize);
      yield chunk({ role: 'assistant', content: '' }, null);
      for (let i = 0; i < words.length; i += size) {
        await sleep(this.options.chunkDelayMs, ctx.signal);
        const text = words.slice(i, i + size).join(' ');
        yield chunk({ content: i === 0 ? text : ` ${text}` }, null);
      }
      yield chunk({}, this.finishReason(request));
      completion = words.length;
    }
    yield { ...chunk({}, null), choices: [], usage: this.usage(request, completion) };
  }

  private nextId(): string {
    return `mock-${this.name}-${++this.sequence}`;
  }

  private replyWords(request: ChatCompletionRequest): string[] {
    const lastUser = [...request.messages].reverse().find((m) => m.role === 'user' || m.role === 'tool');
    const base = (this.options.reply ?? `Mock reply to: ${lastUser === undefined ? '' : textOf(lastUser)}`).split(/\s+/).filter(Boolean);
    const target = Math.min(this.options.completionTokens, request.maxTokens ?? Infinity);
    if (base.length === 0) base.push('ok');
    const out: string[] = [];
    for (let i = 0; i < target; i++) out.push(base[i % base.length]!);
    return out;
  }

  private finishReason(request: ChatCompletionRequest): 'stop' | 'length' {
    return request.maxTokens !== undefined && request.maxTokens < this.options.completionTokens ? 'length' : 'stop';
  }

  private toolCallFor(request: ChatCompletionRequest, id: string): ToolCall | undefined {
    const tool = request.tools?.[0];
    const last = request.messages[request.messages.length - 1];
    if (tool === undefined || request.toolChoice === 'none' || last?.role === 'tool') return undefined;
    const input = last === undefined ? '' : textOf(last);
    return { id: `call_${id}`, type: 'function', function: { name: tool.function.name, arguments: JSON.stringify({ input }) } };
  }

  private usage(request: ChatCompletionRequest, completionTokens: number): Usage {
    let promptTokens = 0;
    for (const m of request.messages) promptTokens += countWords(textOf(m));
    return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
  }
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
