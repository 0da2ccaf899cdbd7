import { BadRequestError } from '../errors/llm-router-error.js';
import type { Operation } from '../events/router-event.js';
import type { Provider } from '../providers/provider.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatMessage, RoutedChatCompletionStream } from '../types/chat.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../types/embeddings.js';
import type { Attempt } from './attempt.js';
import type { AttemptController } from './attempt-controller.js';
import { untilFirstContent } from './first-content.js';
import type { Target } from './request-run.js';
import { validateChatRequest, validateEmbeddingsRequest } from './validate-request.js';

/** The fields of a request the router itself reads. */
export interface RoutedRequest {
  model?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  metadata?: Record<string, string>;
  maxRetries?: number;
  headers?: Record<string, string>;
}

/**
 * What differs between chat, streamed chat and embeddings: how a request is checked, which providers
 * serve it, the provider call, and how its answer is handed to the caller (ending the attempt, or
 * handing out a stream that ends it later).
 */
export interface OperationSpec<Req extends RoutedRequest, Answer, Result> {
  readonly operation: Operation;
  readonly stream: boolean;
  validate(request: Req): void;
  messages(request: Req): readonly ChatMessage[] | undefined;
  /** Narrows the candidates to those that can carry the request; throws `BadRequestError` when none is left. */
  candidates(targets: Target[], requestId: string, request: Req): Target[];
  call(provider: Provider, request: Req, ctx: AttemptController): Promise<Answer>;
  deliver(answer: Answer, attempt: Attempt): Result;
}

/**
 * A `toolChoice` that forces a tool call (`required`, a named function) goes only to providers whose API
 * can force one: sent to Ollama or Zhipu it would be dropped or weakened to `auto`, and the model free to
 * answer text.
 */
function chatTargets(targets: Target[], requestId: string, request: ChatCompletionRequest): Target[] {
  const choice = request.toolChoice;
  if (choice === undefined || choice === 'auto' || choice === 'none') return targets;
  const out = targets.filter((t) => t.slot.provider.forcesToolChoice);
  if (out.length === 0) {
    const names = targets.map((t) => `${t.slot.provider.name} (${t.slot.provider.type})`).join(', ');
    const shown = typeof choice === 'string' ? choice : `a named function`;
    throw new BadRequestError(`Invalid request: toolChoice ${shown} forces a tool call, which no provider serving this model can do: ${names} cannot`, {
      field: 'toolChoice',
      requestId,
    });
  }
  return out;
}

export const CHAT: OperationSpec<ChatCompletionRequest, ChatCompletion, ChatCompletion> = {
  operation: 'chat',
  stream: false,
  validate: validateChatRequest,
  messages: (request) => request.messages,
  candidates: chatTargets,
  call: (provider, request, ctx) => provider.chat(request, ctx),
  deliver(answer, attempt) {
    answer.requestId = attempt.run.requestId;
    attempt.answered(answer.usage, answer.choices[0]?.finishReason ?? null, answer.id, answer.model, answer.choices);
    return answer;
  },
};

export const STREAM: OperationSpec<ChatCompletionRequest, AsyncIterable<ChatCompletionChunk>, RoutedChatCompletionStream> = {
  operation: 'chat',
  stream: true,
  validate: validateChatRequest,
  messages: (request) => request.messages,
  candidates: chatTargets,
  call: (provider, request, ctx) => provider.chatStream(request, ctx).then((source) => untilFirstContent(source, ctx)),
  deliver: (source, attempt) => attempt.streamed(source),
};

export const EMBEDDINGS: OperationSpec<EmbeddingsRequest, EmbeddingsResponse, EmbeddingsResponse> = {
  operation: 'embeddings',
  stream: false,
  validate: validateEmbeddingsRequest,
  messages: () => undefined,
  candidates(targets, requestId) {
    const out = targets.filter((t) => t.slot.provider.supportsEmbeddings);
    if (out.length === 0) {
      throw new BadRequestError('Invalid request: no provider of this router has an embeddings API', { field: 'model', requestId });
    }
    return out;
  },
  call: (provider, request, ctx) => provider.embeddings(request, ctx),
  deliver(answer, attempt) {
    const usage = { promptTokens: answer.usage.promptTokens, completionTokens: 0, totalTokens: answer.usage.totalTokens };
    attempt.answered(usage, null, null, answer.model, null);
    return answer;
  },
};
