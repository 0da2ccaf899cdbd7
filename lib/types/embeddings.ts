/** Parameters of an embeddings request. */
export interface EmbeddingsRequest {
  input: string | string[];
  model?: string;
  /** Requested vector size, where the provider supports it. */
  dimensions?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
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
