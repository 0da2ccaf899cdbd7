/** A chat role, as OpenAI names them. */
export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

/** One part of a multi-part message content. */
export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; imageUrl: { url: string; detail?: 'auto' | 'low' | 'high' } };

/** A tool call the model asked for. `arguments` is the JSON text the model produced. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A chat message in OpenAI's shape, with camelCase field names. */
export interface ChatMessage {
  role: ChatRole;
  content: string | ContentPart[] | null;
  /** Optional author name (OpenAI `name`). */
  name?: string;
  /** On assistant messages: the tool calls the model made. */
  toolCalls?: ToolCall[];
  /** On tool messages: the id of the call this message answers. */
  toolCallId?: string;
}

/** A function the model may call. `parameters` is a JSON Schema object. */
export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

/** Which tool the model may or must call. */
export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

/** The finish reasons of OpenAI; every provider's own reason is normalised to one of these. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/** Breakdown of the prompt tokens (all of them are counted in `promptTokens`). */
export interface PromptTokensDetails {
  /** Input tokens read from the provider's prompt cache. */
  cachedTokens?: number;
  /** Input tokens written to the provider's prompt cache (Anthropic `cache_creation_input_tokens`). */
  cacheWriteTokens?: number;
}

/** Breakdown of the completion tokens. */
export interface CompletionTokensDetails {
  /** Tokens the model spent reasoning (counted in `completionTokens`). */
  reasoningTokens?: number;
}

/**
 * Token usage of one completion. `promptTokens` counts every input token, cached and cache-write ones
 * included (OpenAI's meaning); `totalTokens` is what the provider bills as total.
 */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  promptTokensDetails?: PromptTokensDetails;
  completionTokensDetails?: CompletionTokensDetails;
}

/** The parameters of one chat completion request. */
export interface ChatCompletionRequest {
  messages: ChatMessage[];
  /** The model; defaults to the provider's `defaultModel`. May be a public alias from a provider's `models` map. */
  model?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string | string[];
  tools?: ChatTool[];
  toolChoice?: ToolChoice;
  /** Aborts the request (all attempts) when it fires; the call rejects with `AbortError`. */
  signal?: AbortSignal;
  /** Per-attempt timeout in milliseconds; overrides the provider's `timeoutMs`. */
  timeoutMs?: number;
  /** Stream the answer as chunks. */
  stream?: boolean;
  /** OpenAI `user`, passed through where the provider knows it. */
  user?: string;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** `{ type: 'json_object' }` asks for JSON output where the provider supports it. */
  responseFormat?: { type: 'text' | 'json_object' };
  /** Carried on every event of the request and on its `RequestMetrics`; keys named in `metadataLabels` become labels. */
  metadata?: Record<string, string>;
  /** Retries per provider for this request; overrides the provider's and the router's. */
  maxRetries?: number;
  /** Extra headers sent to the provider for this request (merged over the provider's). */
  headers?: Record<string, string>;
}

export type ChatCompletionStreamingRequest = ChatCompletionRequest & { stream: true };
export type ChatCompletionNonStreamingRequest = ChatCompletionRequest & { stream?: false };

/** One choice of a non-streamed completion. */
export interface ChatCompletionChoice {
  index: number;
  message: {
    role: 'assistant';
    content: string | null;
    toolCalls?: ToolCall[];
    /** The model's reasoning or thinking text, when the provider sends it. */
    reasoning: string | null;
    /** OpenAI's refusal text. */
    refusal: string | null;
  };
  finishReason: FinishReason | null;
}

/** A chat completion (OpenAI's `chat.completion` object in camelCase, plus `provider`). */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  /** The model the provider answered with. */
  model: string;
  /** The `name` of the provider that answered. */
  provider: string;
  choices: ChatCompletionChoice[];
  usage: Usage;
  /** The router's request id, the same as in its events (always set). */
  requestId: string;
}

/** A streamed tool-call fragment; `index` ties fragments of the same call together. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

/** One choice of a stream chunk. */
export interface ChatCompletionChunkChoice {
  index: number;
  delta: {
    role?: 'assistant';
    content?: string | null;
    toolCalls?: ToolCallDelta[];
    reasoning?: string;
    refusal?: string;
  };
  finishReason: FinishReason | null;
}

/** A stream chunk (OpenAI's `chat.completion.chunk` in camelCase, plus `provider`). Usage arrives on the last chunk. */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  provider: string;
  choices: ChatCompletionChunkChoice[];
  usage?: Usage | null;
  /** The router's request id, the same as in its events (always set). */
  requestId: string;
}

/** The async iterable returned for `stream: true`. Breaking out of it releases the connection. */
export interface ChatCompletionStream extends AsyncIterable<ChatCompletionChunk> {
  /** The request id shared by every event of this request. */
  readonly requestId: string;
  /** The provider serving the stream. */
  readonly provider: string;
  /** The model sent to the provider. */
  readonly model: string;
  /** Stops the stream and releases its connection. */
  abort(): void;
  /**
   * The chunks as a web `ReadableStream` (read it instead of iterating, not both). Cancelling it
   * abandons the stream and releases its connection, as breaking out of a `for await` does.
   */
  toReadableStream(): ReadableStream<ChatCompletionChunk>;
}

/** The stream a router returns (the same shape as `ChatCompletionStream`, kept as a name of the public API). */
export interface RoutedChatCompletionStream extends ChatCompletionStream {
  toReadableStream(): ReadableStream<ChatCompletionChunk>;
}
