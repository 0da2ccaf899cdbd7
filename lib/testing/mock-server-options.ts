import type { IncomingHttpHeaders } from 'node:http';
import type { MockFault, MockFaultMatch, WireFormat } from './fault.js';
import type { FormatSettings } from './formats/wire-format.js';
import type { MockReplyContext } from './mock-reply.js';
import { unknownField } from './unknown-field.js';

/** Options of {@link MockProviderServer.start}; all but `host` and `port` can be changed later with `configure`. */
export interface MockProviderServerOptions {
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /** Port to bind (default `0`: a free port). */
  port?: number;
  /** The reply text, or a function of the request; default `Echo: <text of the last message>`. */
  reply?: string | ((context: MockReplyContext) => string);
  /** The arguments of every tool call; default derived from the tool's JSON Schema. */
  toolArguments?: Record<string, unknown>;
  /**
   * Reasoning text sent before every chat answer, in the format's own shape: OpenAI-family
   * `reasoning_content` (with `reasoning_tokens`), an Anthropic thinking block, Gemini `thought` parts
   * (with `thoughtsTokenCount`), Ollama `message.thinking`. Its words count as completion tokens. Default none.
   */
  reasoning?: string;
  /** The models the list endpoints report (default `['mock-model']`). */
  models?: string[];
  /** Answer the format's real 404 for a model not in `models` (default `false`: any model is served). */
  strictModels?: boolean;
  /** Accept only these keys (default: any non-empty key). */
  apiKeys?: string[];
  /** Decides whether a key is accepted (after `apiKeys`), e.g. to verify a signed token. */
  authenticate?: (apiKey: string, request: { readonly format: WireFormat; readonly path: string }) => boolean;
  /** At most how many pieces a streamed reply (or tool-call arguments) is split into (default 4). */
  chunkCount?: number;
  /** Delay between stream events, in ms (default 0). */
  chunkDelayMs?: number;
  /** Length of the mock embeddings (default 8; OpenAI's `dimensions` and Gemini's `outputDimensionality` win). */
  embeddingDimensions?: number;
  /** Keep a request log (default `true`; turn off for benchmarks). */
  logRequests?: boolean;
  /** How many log entries to keep, oldest dropped first (default 1000). */
  maxLoggedRequests?: number;
}

/** The options `configure` can change. */
export type MockProviderServerSettings = Omit<MockProviderServerOptions, 'host' | 'port'>;

/** One request as the server saw it. Keys are redacted: headers and the `key` query parameter read `[REDACTED]`. */
export interface MockRequestLogEntry {
  /** The request's sequence number on this server (1, 2, …); ids in answers derive from it. */
  readonly seq: number;
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<IncomingHttpHeaders>;
  /** The parsed JSON body; the raw text when it is not JSON; `undefined` when empty. */
  readonly body: unknown;
  /** The wire format the request was routed to; `undefined` for an unknown URL. */
  readonly format: WireFormat | undefined;
  /** The endpoint within the format, e.g. `chat`, `stream`, `embeddings`, `models`. */
  readonly endpoint: string | undefined;
  readonly model: string | undefined;
  readonly stream: boolean;
  /** The fault applied to the answer, if any. */
  readonly fault: MockFault | undefined;
  /** `Date.now()` when the request body had been read. */
  readonly timestamp: number;
}

export interface QueuedFault {
  readonly fault: MockFault;
  readonly match: MockFaultMatch | undefined;
  readonly streamOnly: boolean;
  readonly jsonOnly: boolean;
  remaining: number;
}


export type Settings = FormatSettings & {
  readonly apiKeys: readonly string[] | undefined;
  readonly authenticate: MockProviderServerOptions['authenticate'];
  readonly chunkDelayMs: number;
  readonly logRequests: boolean;
  readonly maxLoggedRequests: number;
};


export const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'x-goog-api-key', 'api-key', 'cookie']);
export const REDACTED = '[REDACTED]';

const SETTING_KEYS = [
  'reply', 'toolArguments', 'reasoning', 'models', 'strictModels', 'apiKeys', 'authenticate', 'chunkCount', 'chunkDelayMs', 'embeddingDimensions',
  'logRequests', 'maxLoggedRequests',
] as const satisfies ReadonlyArray<keyof MockProviderServerSettings>;

export function resolveSettings(base: Settings | undefined, patch: MockProviderServerSettings, owner: string): Settings {
  const unknown = unknownField(patch, SETTING_KEYS, '', `an option of ${owner}`);
  if (unknown !== undefined) throw new TypeError(unknown);
  const pick = <K extends keyof MockProviderServerSettings>(key: K): MockProviderServerSettings[K] =>
    key in patch ? patch[key] : (base?.[key as keyof Settings] as MockProviderServerSettings[K]);
  const chunkCount = pick('chunkCount') ?? 4;
  const embeddingDimensions = pick('embeddingDimensions') ?? 8;
  const maxLoggedRequests = pick('maxLoggedRequests') ?? 1000;
  if (!Number.isInteger(chunkCount) || chunkCount < 1) throw new RangeError('chunkCount must be an integer >= 1');
  if (!Number.isInteger(embeddingDimensions) || embeddingDimensions < 1) {
    throw new RangeError('embeddingDimensions must be an integer >= 1');
  }
  if (!Number.isInteger(maxLoggedRequests) || maxLoggedRequests < 1) throw new RangeError('maxLoggedRequests must be an integer >= 1');
  return {
    reply: pick('reply'),
    toolArguments: pick('toolArguments'),
    reasoning: pick('reasoning'),
    models: [...(pick('models') ?? ['mock-model'])],
    strictModels: pick('strictModels') ?? false,
    apiKeys: pick('apiKeys'),
    authenticate: pick('authenticate'),
    chunkCount,
    chunkDelayMs: Math.max(0, pick('chunkDelayMs') ?? 0),
    embeddingDimensions,
    logRequests: pick('logRequests') ?? true,
    maxLoggedRequests,
  };
}

export function parseQuery(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

export function redactHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (!SECRET_HEADERS.has(name) || value === undefined) {
      out[name] = value;
    } else if ((name === 'authorization' || name === 'proxy-authorization') && typeof value === 'string' && value.includes(' ')) {
      out[name] = `${value.slice(0, value.indexOf(' '))} ${REDACTED}`;
    } else {
      out[name] = REDACTED;
    }
  }
  return out;
}

export function matches(entry: QueuedFault, path: string, format: WireFormat, model: string | undefined, stream: boolean): boolean {
  if (entry.streamOnly ? !stream : entry.jsonOnly && stream) return false;
  const m = entry.match;
  if (m === undefined) return true;
  if (m.format !== undefined && m.format !== format) return false;
  if (m.model !== undefined && m.model !== model) return false;
  if (m.stream !== undefined && m.stream !== stream) return false;
  if (m.path !== undefined && (typeof m.path === 'string' ? !path.includes(m.path) : !m.path.test(path))) return false;
  return true;
}

/** The log entry of a request (keys redacted: secret headers and the `key` query parameter). */
export function logEntry(
  seq: number,
  headers: IncomingHttpHeaders,
  method: string,
  path: string,
  query: Readonly<Record<string, string>>,
  body: unknown,
  format: WireFormat | undefined,
  endpoint: string | undefined,
  model: string | undefined,
  stream: boolean,
): MockRequestLogEntry & { fault: MockFault | undefined } {
  return {
    seq,
    method,
    path,
    query: query.key === undefined ? query : { ...query, key: REDACTED },
    headers: redactHeaders(headers),
    body,
    format,
    endpoint,
    model,
    stream,
    fault: undefined,
    timestamp: Date.now(),
  };
}
