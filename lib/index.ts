export { Client } from './client.js';
export { LlmRouter } from './router/llm-router.js';
export type { ProviderStatus } from './router/llm-router.js';

export {
  LlmRouterError,
  ConfigurationError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  RateLimitError,
  ProviderError,
  TimeoutError,
  NetworkError,
  StreamError,
  AbortError,
  NoProviderAvailableError,
} from './errors/llm-router-error.js';
export type { LlmRouterErrorOptions } from './errors/llm-router-error.js';

export { MetricsCollector } from './metrics/metrics-collector.js';
export { getMetricsCollector, setMetricsCollector } from './metrics/global-collector.js';
export type {
  RequestMetrics,
  AggregatedMetrics,
  ProviderComparison,
  MetricsFilter,
  AggregatedMetricsFilter,
} from './metrics/request-metrics.js';

export { PROVIDER_TYPES } from './types/provider-config.js';
export type {
  ProviderType,
  ProviderConfig,
  RetryOptions,
  MockProviderOptions,
  CircuitBreakerOptions,
  RoutingStrategy,
  RouterCommonOptions,
  LlmRouterOptions,
  ClientOptions,
} from './types/provider-config.js';
export type {
  ChatRole,
  ContentPart,
  ToolCall,
  ToolCallDelta,
  ChatMessage,
  ChatTool,
  ToolChoice,
  FinishReason,
  Usage,
  ChatCompletionRequest,
  ChatCompletionStreamingRequest,
  ChatCompletionNonStreamingRequest,
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionStream,
} from './types/chat.js';
export type { EmbeddingsRequest, EmbeddingsResponse, Embedding } from './types/embeddings.js';
export type {
  RouterEvent,
  RouterEventType,
  RouterEventOf,
  RouterEventListeners,
  Operation,
  CircuitState,
  RequestStartEvent,
  AttemptStartEvent,
  AttemptEndEvent,
  RequestRetryEvent,
  RequestFallbackEvent,
  StreamFirstChunkEvent,
  RequestEndEvent,
  ProviderStateEvent,
} from './events/router-event.js';
export type { Logger } from './logging/logger.js';
