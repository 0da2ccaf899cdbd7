import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmbeddingsRequest, EmbeddingsResponse, LlmRouter } from 'llm-api-router';
import { toApiError } from './api-error.js';
import { DEFAULT_MAX_BODY_BYTES, readBody, sendApiError, sendJson } from './http-io.js';
import { assertUtf8Charset, parseJsonBody } from './json-body.js';
import { arrayOf, either, integer, is, isObject, nullable, object, oneOf, string, unsupported } from './json-shape.js';
import { invalidRequest } from './api-error.js';
import { RequestIdCapture } from './request-id-capture.js';
import { connectionSignal } from './connection-signal.js';

/** OpenAI's `POST /v1/embeddings` answer. `embedding` is a base64 string of float32s with `encoding_format: 'base64'`. */
export interface OpenAiEmbeddingList {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

const tokenIds = arrayOf(integer);
const embeddingsShape = object(
  {
    input: either('a string, an array of strings, or an array of token arrays', [is.string, string], [is.array, arrayOf(either('a string or an array of integers', [is.string, string], [is.array, tokenIds], [(v) => typeof v === 'number', integer]))]),
    model: string,
    encoding_format: oneOf('float', 'base64'),
    dimensions: nullable(integer),
    user: string,
  },
  ['input'],
);

/** Parses OpenAI's embeddings request into the router's. Token-id input is refused (the router sends text). */
export function parseEmbeddingsRequest(body: unknown): { request: EmbeddingsRequest; base64: boolean } {
  const json = typeof body === 'string' || body instanceof Uint8Array ? parseJsonBody(body) : body;
  if (!isObject(json)) throw invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
  embeddingsShape(json, '');
  const input = json.input as string | Array<string | number | number[]>;
  if (Array.isArray(input) && input.some((i) => typeof i !== 'string')) throw unsupported('input', 'token-id input is not supported by this router; send text.');
  if (Array.isArray(input) && input.length === 0) throw invalidRequest("Invalid 'input': expected at least one item.", 'input', 'invalid_value');
  const request: EmbeddingsRequest = { input: input as string | string[] };
  if (json.model !== undefined) request.model = json.model as string;
  if (json.dimensions != null) request.dimensions = json.dimensions as number;
  return { request, base64: json.encoding_format === 'base64' };
}

/** The router's embeddings -> OpenAI's list (snake_case; base64 float32 when asked, as the openai SDK asks by default). */
export function toOpenAiEmbeddings(res: EmbeddingsResponse, base64: boolean): OpenAiEmbeddingList {
  return {
    object: 'list',
    data: res.data.map((d) => ({ object: 'embedding', index: d.index, embedding: base64 ? Buffer.from(new Float32Array(d.embedding).buffer).toString('base64') : d.embedding })),
    model: res.model,
    usage: { prompt_tokens: res.usage.promptTokens, total_tokens: res.usage.totalTokens },
  };
}

/** `POST /v1/embeddings` over Node's request and response objects, for every variant. */
export class EmbeddingsHandler {
  private readonly ids: RequestIdCapture;

  constructor(
    private readonly router: LlmRouter,
    private readonly maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  ) {
    this.ids = new RequestIdCapture(router);
  }

  async handle(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    try {
      assertUtf8Charset(req.headers['content-type']);
      const { request, base64 } = parseEmbeddingsRequest(body ?? (await readBody(req, this.maxBodyBytes)));
      const signal = connectionSignal(req.socket);
      const call = this.ids.run(() => this.router.embeddings.create(signal === undefined ? request : { ...request, signal }));
      const result = await call.promise;
      const requestId = (result as EmbeddingsResponse & { requestId?: string }).requestId ?? call.requestId;
      sendJson(res, 200, toOpenAiEmbeddings(result, base64), { 'x-llm-router-provider': result.provider, ...(requestId === undefined ? {} : { 'x-request-id': requestId }) });
    } catch (error) {
      sendApiError(res, toApiError(error));
    }
  }
}
