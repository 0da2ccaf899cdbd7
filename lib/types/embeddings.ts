/** Parameters of an embeddings request. */
export interface EmbeddingsRequest {
  input: string | string[];
  model?: string;
  /** Requested vector size, where the provider supports it. */
  dimensions?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Carried on every event of the request and on its `RequestMetrics`. */
  metadata?: Record<string, string>;
  /** Retries per provider for this request; overrides the provider's and the router's. */
  maxRetries?: number;
  /** Extra headers sent to the provider for this request (merged over the provider's). */
  headers?: Record<string, string>;
}

/** One embedding vector. */
export interface Embedding {
  object: 'embedding';
  index: number;
  embedding: number[];
}

/** An embeddings response (OpenAI's shape in camelCase, plus `provider`). */
export interface EmbeddingsResponse {
  object: 'list';
  data: Embedding[];
  model: string;
  provider: string;
  usage: { promptTokens: number; totalTokens: number };
}
