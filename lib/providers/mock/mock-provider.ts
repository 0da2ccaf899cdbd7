import { DEFAULT_MOCK_MODEL } from '../../config/defaults.js';
import { errorFromStatus } from '../../errors/error-from-status.js';
import { mockEmbedding } from '../../mock-model/mock-embedding.js';
import { planMockReply, type ChatInput, type MockToolChoice, type ReplyPlan } from '../../mock-model/mock-reply.js';
import { splitEven, splitWords } from '../../mock-model/stream-pieces.js';
import { mockTokenCount } from '../../mock-model/token-count.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionChunkChoice, ChatCompletionRequest, ToolCall, Usage } from '../../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../types/embeddings.js';
import type { MockProviderOptions, ResolvedProviderConfig } from '../../config/index.js';
import { seededRandom } from '../../util/seeded-random.js';
import { sleep } from '../../util/sleep.js';
import { textOf } from '../content.js';
import type { AttemptContext, Provider } from '../provider.js';

/** The mock model's view of a unified request. */
function chatInput(request: ChatCompletionRequest, model: string): ChatInput {
  let promptTokens = 0;
  for (const m of request.messages) promptTokens += mockTokenCount(textOf(m.content, ' '));
  const last = request.messages[request.messages.length - 1];
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user' || m.role === 'tool');
  const choice = request.toolChoice;
  const toolChoice: MockToolChoice = choice === undefined ? 'auto' : typeof choice === 'string' ? choice : { name: choice.function.name };
  return {
    model,
    stream: request.stream === true,
    lastText: lastUser === undefined ? '' : textOf(lastUser.content, ' '),
    lastIsToolResult: last?.role === 'tool',
    promptTokens,
    tools: request.tools?.map((t) => ({ name: t.function.name, parameters: t.function.parameters })),
    toolChoice,
    maxTokens: request.maxTokens,
  };
}

/**
 * The embedded provider: answers in-process with the mock model of `MockProviderServer` (`Echo: <last
 * message>`, tokens are words, tool arguments shaped by the tool's JSON Schema, hashed embeddings), with
 * configurable latency, error rate, reply length and stream chunking, so that the sample app and tests
 * need no key and no network.
 */
export class MockProvider implements Provider {
  readonly type = 'mock' as const;
  readonly name: string;
  readonly supportsEmbeddings = true;
  readonly forcesToolChoice = true;
  private readonly options: MockProviderOptions;
  private readonly random: () => number;
  private sequence = 0;

  constructor(readonly config: ResolvedProviderConfig) {
    this.name = config.name;
    this.options = config.mock;
    this.random = seededRandom(this.options.seed ?? 1);
  }

  async chat(request: ChatCompletionRequest, ctx: AttemptContext): Promise<ChatCompletion> {
    await this.begin(ctx);
    const id = this.nextId();
    const model = this.modelOf(ctx);
    const plan = this.plan(request, model);
    const message: ChatCompletion['choices'][number]['message'] =
      plan.kind === 'tool'
        ? { role: 'assistant', content: null, reasoning: plan.reasoning ?? null, refusal: null, toolCalls: [toolCallOf(plan, id)] }
        : { role: 'assistant', content: plan.text, reasoning: plan.reasoning ?? null, refusal: null };
    return {
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      provider: this.name,
      requestId: ctx.requestId,
      choices: [{ index: 0, message, finishReason: plan.kind === 'tool' ? 'tool_calls' : plan.finish }],
      usage: usageOf(plan),
    };
  }

  async chatStream(request: ChatCompletionRequest, ctx: AttemptContext): Promise<AsyncIterable<ChatCompletionChunk>> {
    await this.begin(ctx);
    return this.stream(request, ctx);
  }

  async embeddings(request: EmbeddingsRequest, ctx: AttemptContext): Promise<EmbeddingsResponse> {
    await this.begin(ctx);
    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    const dims = request.dimensions ?? this.options.embeddingDimensions ?? 8;
    let tokens = 0;
    const data = inputs.map((text, index) => {
      tokens += mockTokenCount(text);
      return { object: 'embedding' as const, index, embedding: mockEmbedding(text, dims) };
    });
    return { object: 'list', data, model: this.modelOf(ctx), provider: this.name, usage: { promptTokens: tokens, totalTokens: tokens } };
  }

  async close(): Promise<void> {}

  private modelOf(ctx: AttemptContext): string {
    return ctx.model || this.config.defaultModel || DEFAULT_MOCK_MODEL;
  }

  private plan(request: ChatCompletionRequest, model: string): ReplyPlan {
    const { reply, completionTokens, reasoning } = this.options;
    return planMockReply(chatInput(request, model), { reply, completionTokens, reasoning });
  }

  private async begin(ctx: AttemptContext): Promise<void> {
    const { latencyMs = 0, errorRate = 0, errorStatus = 503 } = this.options;
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
    const model = this.modelOf(ctx);
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: ChatCompletionChunkChoice['delta'], finish: ChatCompletionChunkChoice['finishReason']): ChatCompletionChunk => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      provider: this.name,
      requestId: ctx.requestId,
      choices: [{ index: 0, delta, finishReason: finish }],
    });
    const delayMs = this.options.chunkDelayMs ?? 0;
    const plan = this.plan(request, model);
    const size = Math.max(1, this.options.chunkSize ?? 1);
    if (plan.reasoning !== undefined) {
      yield chunk({ role: 'assistant', content: null, reasoning: '' }, null);
      for (const piece of splitWords(plan.reasoning, Math.ceil(plan.reasoningTokens / size))) {
        await sleep(delayMs, ctx.signal);
        yield chunk({ reasoning: piece }, null);
      }
    }
    if (plan.kind === 'tool') {
      const call = toolCallOf(plan, id);
      yield chunk({ role: 'assistant', content: null, toolCalls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, null);
      for (const part of splitEven(plan.argumentsJson, 2)) {
        await sleep(delayMs, ctx.signal);
        yield chunk({ toolCalls: [{ index: 0, function: { arguments: part } }] }, null);
      }
      yield chunk({}, 'tool_calls');
    } else {
      yield chunk({ role: 'assistant', content: '' }, null);
      for (const piece of splitWords(plan.text, Math.ceil((plan.completionTokens - plan.reasoningTokens) / size))) {
        await sleep(delayMs, ctx.signal);
        yield chunk({ content: piece }, null);
      }
      yield chunk({}, plan.finish);
    }
    yield { ...chunk({}, null), choices: [], usage: usageOf(plan) };
  }

  private nextId(): string {
    return `mock-${this.name}-${++this.sequence}`;
  }
}

function toolCallOf(plan: Extract<ReplyPlan, { kind: 'tool' }>, id: string): ToolCall {
  return { id: `call_${id}`, type: 'function', function: { name: plan.name, arguments: plan.argumentsJson } };
}

function usageOf(plan: ReplyPlan): Usage {
  const usage: Usage = { promptTokens: plan.promptTokens, completionTokens: plan.completionTokens, totalTokens: plan.promptTokens + plan.completionTokens };
  if (plan.reasoning !== undefined) usage.completionTokensDetails = { reasoningTokens: plan.reasoningTokens };
  return usage;
}
