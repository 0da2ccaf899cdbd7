import type { IncomingHttpHeaders } from 'node:http';
import type { WireFormat } from '../fault.js';
import type { ReplySettings } from '../mock-reply.js';

/** A request the server routed to a wire format. */
export interface MockRoute {
  readonly format: WireFormat;
  /** Which endpoint of the format, e.g. `chat`, `embeddings`, `models`. */
  readonly endpoint: string;
  /** Gemini's model from the path, or the model id of a model-retrieve path. */
  readonly pathModel?: string;
  /** Azure OpenAI: the deployment of `/openai/deployments/{deployment}/…`. */
  readonly azureDeployment?: string;
  /** Azure OpenAI (deployment or `/openai/v1` paths): `api-key` auth and Azure's error bodies. */
  readonly azure?: boolean;
}

/** The server settings a wire format reads. */
export interface FormatSettings extends ReplySettings {
  readonly chunkCount: number;
  readonly models: readonly string[];
  readonly strictModels: boolean;
  readonly embeddingDimensions: number;
}

/** Everything a wire format needs to answer one request. */
export interface AnswerContext {
  readonly route: MockRoute;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  /** The request's sequence number on this server (1, 2, …): ids derive from it. */
  readonly seq: number;
  readonly settings: FormatSettings;
  readonly contentFilter: boolean;
}

/** A complete JSON (or plain text) answer. */
export interface JsonAnswer {
  readonly kind: 'json';
  readonly status: number;
  /** Serialised with `JSON.stringify`, unless a string (sent as it is). */
  readonly body: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A streamed answer: events sent one by one, the last `terminatorFrames` of them being the terminator. */
export interface StreamAnswer {
  readonly kind: 'stream';
  readonly contentType: string;
  /** Each one SSE event (with its blank line) or one NDJSON line (with its newline). */
  readonly frames: string[];
  readonly terminatorFrames: number;
  /** Written before the first frame and after the last one (Gemini's JSON-array streaming). */
  readonly open?: string;
  readonly close?: string;
}

export type MockAnswer = JsonAnswer | StreamAnswer;

/** The auth outcome of a request: the key it carried, or `undefined` when it carried none. */
export type CredentialLookup = string | undefined;

/** One wire format: how it authenticates, fails, and answers. */
export interface WireFormatHandler {
  readonly format: WireFormat;
  /** The response header carrying the request id (`x-request-id`, `request-id`), if the API sends one. */
  readonly requestIdHeader: string | undefined;
  /** Whether the format needs a key at all (Ollama does not). */
  readonly needsKey: boolean;
  credential(route: MockRoute, headers: IncomingHttpHeaders, query: Readonly<Record<string, string>>): CredentialLookup;
  /** The answer to a request without a key (`missing`) or with a key that is refused (`invalid`). */
  authError(route: MockRoute, reason: 'missing' | 'invalid', seq: number): JsonAnswer;
  /** Checks format-specific required headers (Anthropic's `anthropic-version`); an answer means refuse. */
  checkHeaders(route: MockRoute, headers: IncomingHttpHeaders, seq: number): JsonAnswer | undefined;
  /** The format's error answer for a status, with its real error body shape. */
  errorAnswer(route: MockRoute, status: number, seq: number, message?: string): JsonAnswer;
  isStream(route: MockRoute, body: unknown, query: Readonly<Record<string, string>>): boolean;
  modelOf(route: MockRoute, body: unknown): string | undefined;
  answer(context: AnswerContext): MockAnswer;
  /** An event whose data is not JSON, in the stream framing of the endpoint. */
  malformedFrame(route: MockRoute, query: Readonly<Record<string, string>>): string;
  /** The in-stream error event of the format. */
  errorFrame(route: MockRoute, query: Readonly<Record<string, string>>, type: string | undefined, message: string | undefined): string;
}

/** The request id the server reports for request `seq`. */
export function mockRequestId(seq: number): string {
  return `req_mock${seq}`;
}

/** A non-null object, or `undefined`. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The texts of an OpenAI/Anthropic-style content: a string, or an array of `{ type: 'text', text }` parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    const p = asRecord(part);
    if (p === undefined) continue;
    if (typeof p.text === 'string') out = out.length === 0 ? p.text : `${out} ${p.text}`;
  }
  return out;
}

/** A positive integer option of a request body, or `undefined`. */
export function intOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : undefined;
}

/** Whether `model` may be served under the `strictModels` setting. */
export function knownModel(settings: FormatSettings, model: string): boolean {
  return !settings.strictModels || settings.models.includes(model);
}
