/** One provider attempt, as recorded. Absent values are `null`. */
export interface RequestMetrics {
  /** The provider's `name` (the `provider` label). */
  provider: string;
  /** The model sent to the provider (the raw name, even when its series is folded into `other`). */
  model: string;
  /** When the attempt ended. */
  timestamp: Date;
  latencyMs: number;
  success: boolean;
  statusCode: number | null;
  /** The error's class name, on failure. */
  errorType: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  stream: boolean;
  /** Shared by every attempt of one request. */
  requestId: string | null;
  /** 1-based number of the attempt within its request. */
  attempt: number | null;
  /** Time to the first streamed chunk. */
  ttftMs: number | null;
  /** Prompt tokens read from the cache (`usage.promptTokensDetails.cachedTokens`). */
  cachedPromptTokens: number | null;
  /** Prompt tokens written to the cache (`usage.promptTokensDetails.cacheWriteTokens`). */
  cacheWriteTokens: number | null;
  /** Completion tokens spent reasoning (`usage.completionTokensDetails.reasoningTokens`). */
  reasoningTokens: number | null;
  /** What the attempt cost in USD; null when unknown (no price for the model, or no usage). */
  costUsd: number | null;
  /** The request's metadata (the object the request carried). */
  metadata: Readonly<Record<string, string>> | null;
}

/** What `recordRequest` takes: the fields of `RequestMetrics`, most of them optional. */
export interface RecordRequestInput {
  provider: string;
  model: string;
  latencyMs: number;
  success: boolean;
  statusCode?: number | null;
  errorType?: string | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  /** Defaults to `promptTokens + completionTokens` when both are given. */
  totalTokens?: number | null;
  stream?: boolean;
  requestId?: string | null;
  attempt?: number | null;
  ttftMs?: number | null;
  cachedPromptTokens?: number | null;
  cacheWriteTokens?: number | null;
  reasoningTokens?: number | null;
  costUsd?: number | null;
  metadata?: Readonly<Record<string, string>> | null;
  /** When the attempt ended (a `Date` or milliseconds since the epoch). Defaults to now. */
  timestamp?: Date | number;
}

/** Selects raw records or series. */
export interface MetricsFilter {
  provider?: string;
  model?: string;
}

/** Selects series, over the collector's lifetime (since `reset`) or over the last `windowMs`. */
export interface AggregatedMetricsFilter extends MetricsFilter {
  /** Aggregate only the last `windowMs` milliseconds (rounded up to whole window buckets). */
  windowMs?: number;
}

/** The statistics of one (provider, model) series. Absent values are `null`. */
export interface AggregatedMetrics {
  provider: string;
  model: string;
  totalRequests: number;
  successfulRequests: number;
  failedRequests: number;
  /** `successfulRequests / totalRequests`, 0–1. */
  successRate: number;
  /** Latency statistics cover every attempt, failed ones included. */
  minLatencyMs: number | null;
  maxLatencyMs: number | null;
  avgLatencyMs: number | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  p99LatencyMs: number | null;
  totalPromptTokens: number;
  totalCompletionTokens: number;
  totalTokens: number;
  /** Averages over the records that carry the count. */
  avgPromptTokens: number | null;
  avgCompletionTokens: number | null;
  /** Failed records by `errorType`. */
  errorCounts: Record<string, number>;
  firstRequestTime: Date | null;
  lastRequestTime: Date | null;
  /** Prompt tokens read from the cache, summed over the records that report them. */
  totalCachedPromptTokens: number;
  /** Prompt tokens written to the cache, summed over the records that report them. */
  totalCacheWriteTokens: number;
  /** Reasoning tokens, summed over the records that report them. */
  totalReasoningTokens: number;
  /** Sum of the known costs, USD (0 when none is known). */
  totalCostUsd: number;
  /** Average over the records with a known cost; null when none has one. */
  avgCostUsd: number | null;
}

/** One row of `compareProviders()`. */
export interface ProviderComparison {
  provider: string;
  model: string;
  totalRequests: number;
  successRate: number;
  avgLatencyMs: number | null;
  p95LatencyMs: number | null;
  totalTokens: number;
  avgPromptTokens: number | null;
  avgCompletionTokens: number | null;
  /** Sum of the known costs, USD. */
  totalCostUsd: number;
}

/** The totals of a collector since it started or was reset. */
export interface MetricsSummary {
  totalRequests: number;
  successfulRequests: number;
  failedRequests: number;
  /** 0 when nothing was recorded. */
  successRate: number;
  /** Providers in the order they were first seen. */
  providers: string[];
  aggregated: AggregatedMetrics[];
  /** Sum of the known costs of every series, USD. */
  totalCostUsd: number;
}

/** A metrics HTTP answer: the negotiated content type and the text. */
export interface MetricsResponse {
  contentType: string;
  body: string;
}
