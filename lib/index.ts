export { Client } from './client.js';
export { LlmRouter } from './router/llm-router.js';
export type { ProviderStatus } from './router/llm-router.js';
export type { BudgetStatus } from './router/routing/budget-book.js';

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
  BudgetExceededError,
} from './errors/llm-router-error.js';
export type { LlmRouterErrorOptions } from './errors/llm-router-error.js';

export {
  MetricsCollector,
  getMetricsCollector,
  setMetricsCollector,
  serveClusterMetrics,
  getClusterMetricsResponse,
  aggregateClusterSnapshots,
  clusterSnapshot,
  CLUSTER_EXACT_SAMPLES,
  negotiateFormat,
  PROMETHEUS_CONTENT_TYPE,
  OPENMETRICS_CONTENT_TYPE,
  METRIC_FAMILIES,
  PROVIDER_STATE_VALUES,
  GENAI_OPERATION_DURATION_BUCKETS,
  GENAI_TIME_TO_FIRST_TOKEN_BUCKETS,
  GENAI_TIME_PER_OUTPUT_TOKEN_BUCKETS,
  ROUTER_OVERHEAD_BUCKETS,
  MAX_LABEL_LENGTH,
} from './metrics/index.js';
export type {
  MetricsCollectorOptions,
  MetricsEventSource,
  RequestMetrics,
  RecordRequestInput,
  AggregatedMetrics,
  AggregatedMetricsFilter,
  MetricsFilter,
  ProviderComparison,
  MetricsSummary,
  MetricsResponse,
  ExpositionFormat,
  FamilySpec,
  ClusterMetricsOptions,
  ClusterMetricsSnapshot,
  MetricsWorker,
  SeriesLatencySnapshot,
} from './metrics/index.js';

export { PROVIDER_TYPES } from './config/index.js';
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
  ModelPrice,
  BudgetConfig,
  SharedStateOptions,
  RouterMetricsCollector,
} from './config/index.js';
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
  PromptTokensDetails,
  CompletionTokensDetails,
  ChatCompletionRequest,
  ChatCompletionStreamingRequest,
  ChatCompletionNonStreamingRequest,
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionStream,
  RoutedChatCompletionStream,
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
  RequestRouteEvent,
  RouteSkipReason,
  RateLimitSnapshot,
  AttemptStartEvent,
  AttemptEndEvent,
  RequestRetryEvent,
  RequestFallbackEvent,
  StreamFirstChunkEvent,
  RequestEndEvent,
  ProviderStateEvent,
} from './events/router-event.js';
export type { Logger } from './logging/logger.js';
export { DEFAULT_RETRY, DEFAULT_CIRCUIT_BREAKER, DEFAULT_TIMEOUT_MS, PROVIDER_DEFAULTS } from './config/index.js';
export type { ProviderDefaults } from './config/index.js';

export { createCostCalculator, preloadPriceTable } from './cost/index.js';
export type { CostCalculator, CostCalculatorOptions } from './cost/index.js';

export { toOpenAIChatCompletion, toOpenAIChatCompletionChunk, toOpenAIUsage, toOpenAIError, writeOpenAIEventStream } from './openai-wire/index.js';
export type {
  OpenAIChatCompletion,
  OpenAIChatCompletionChunk,
  OpenAIChatCompletionMessage,
  OpenAIChunkDelta,
  OpenAIErrorBody,
  OpenAIErrorResponse,
  OpenAIFinishReason,
  OpenAIToolCall,
  OpenAIToolCallDelta,
  OpenAIUsage,
} from './openai-wire/index.js';
