import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { Client } from '../../lib/client.js';
import {
  AbortError,
  AuthenticationError,
  BadRequestError,
  LlmRouterError,
  NotFoundError,
  PermissionDeniedError,
  ProviderError,
  RateLimitError,
  StreamError,
  TimeoutError,
} from '../../lib/errors/llm-router-error.js';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { type MockFault, MockProviderServer, type MockProviderServerOptions } from '../../lib/testing/index.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionStream, ChatMessage, ChatTool, ToolCall, Usage } from '../../lib/types/chat.js';
import type { ClientOptions } from '../../lib/config/index.js';
import { drain, streamText } from '../core/core-test-kit.js';
import { waitUntil } from './wait-until.js';

/** A class of error the router throws. */
export type ErrorClass = abstract new (...args: never[]) => LlmRouterError;

/** A tool with a required string argument. */
export const WEATHER_TOOL: ChatTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** A tool without a description or required argument. */
export const TIME_TOOL: ChatTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } };

/** A user message of a text part followed by one image part per URL (data: or http(s):). */
export function userMessageWithImages(text: string | undefined, ...urls: string[]): ChatMessage {
  return {
    role: 'user',
    content: [...(text === undefined ? [] : [{ type: 'text' as const, text }]), ...urls.map((url) => ({ type: 'image_url' as const, imageUrl: { url } }))],
  };
}

/** A tool call the assistant made earlier in a conversation, and the result the caller sends back. */
export interface PastToolCall {
  id: string;
  name: string;
  arguments: string;
  result: string;
}

/** A conversation: the user's question, the assistant's turn calling tools, then one tool message per call. */
export function toolConversation(question: string, assistantContent: string | null, calls: PastToolCall[]): ChatMessage[] {
  return [
    { role: 'user', content: question },
    {
      role: 'assistant',
      content: assistantContent,
      toolCalls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
    },
    ...calls.map((c): ChatMessage => ({ role: 'tool', toolCallId: c.id, content: c.result })),
  ];
}

/** The error class of an HTTP status, as the contract (SPEC "Errors") fixes it. */
export function errorClassOfStatus(status: number): ErrorClass {
  switch (status) {
    case 400:
    case 422:
      return BadRequestError;
    case 401:
      return AuthenticationError;
    case 403:
      return PermissionDeniedError;
    case 404:
      return NotFoundError;
    case 429:
      return RateLimitError;
    default:
      return ProviderError;
  }
}

/** A local provider server shared by the tests of one `describe`, and clients of it. */
export interface ProviderTestBed {
  /** The server (available once the suite's `before` hook has run). */
  readonly server: MockProviderServer;
  /** A `Client` of the server with the bed's options and `extra`; closed after the suite. */
  client(extra?: Partial<ClientOptions>): Client;
}

/** Client options under which each request is one attempt that leaves no state behind: no metrics, no retries, no circuit breaker. */
export const BARE_CLIENT_OPTIONS = { metricsEnabled: false, maxRetries: 0, circuitBreaker: false } as const satisfies Partial<ClientOptions>;

/**
 * Starts a `MockProviderServer` before the tests of the enclosing `describe`, resets it (faults,
 * settings, request log) before each test, and closes it and every client made with `client()` after
 * them. `options(server)` gives the clients' options.
 */
export function useMockProviderServer(options: (server: MockProviderServer) => ClientOptions, start: MockProviderServerOptions = {}): ProviderTestBed {
  let server: MockProviderServer | undefined;
  const clients: Client[] = [];
  before(async () => {
    server = await MockProviderServer.start(start);
  });
  beforeEach(() => server!.reset());
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
  });
  return {
    get server() {
      assert.ok(server !== undefined, 'the server starts in the before hook');
      return server;
    },
    client(extra = {}) {
      const c = new Client({ ...options(server!), ...extra } as ClientOptions);
      clients.push(c);
      return c;
    },
  };
}

/** Runs `fn` with a new `Client` (no metrics, no retries, unless `options` say otherwise), closed afterwards whatever happens. */
export async function withClient<T>(options: ClientOptions, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ metricsEnabled: false, maxRetries: 0, ...options } as ClientOptions);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Reads a stream until it ends or throws: the chunks that came, and the error if any. */
export async function drainUntilError(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

/** The finish reasons a stream reported, in order. */
export function finishReasons(chunks: ChatCompletionChunk[]): string[] {
  return chunks.map((c) => c.choices[0]?.finishReason).filter((f): f is NonNullable<typeof f> => f != null);
}

/** The tool calls of a stream, with their fragments joined. */
export function streamedToolCalls(chunks: ChatCompletionChunk[]): Array<{ id: string; name: string; arguments: string }> {
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const c of chunks) {
    for (const d of c.choices[0]?.delta.toolCalls ?? []) {
      const call = (calls[d.index] ??= { id: '', name: '', arguments: '' });
      if (d.id !== undefined) call.id = d.id;
      if (d.function?.name !== undefined) call.name += d.function.name;
      if (d.function?.arguments !== undefined) call.arguments += d.function.arguments;
    }
  }
  return calls;
}

/** Waits (bounded, about 2.5 s) until `condition` holds. */
export async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), 'condition not reached');
}

/** Checks a (non-streamed) completion: its id, provider, model, the one choice's text and finish reason, and the usage. */
export function assertCompletion(
  res: ChatCompletion,
  expected: { id: string | RegExp; provider: string; model: string; content: string; finishReason: string; usage: Usage },
): void {
  assert.equal(res.object, 'chat.completion');
  if (typeof expected.id === 'string') assert.equal(res.id, expected.id);
  else assert.match(res.id, expected.id);
  assert.equal(res.provider, expected.provider);
  assert.equal(res.model, expected.model);
  assert.equal(res.choices[0]!.message.content, expected.content);
  assert.equal(res.choices[0]!.finishReason, expected.finishReason);
  assert.deepEqual(res.usage, expected.usage);
}

/**
 * Asks 'weather?' with `tool`, the server calling it with `args`; checks that the answer is the call
 * alone (finish reason `tool_calls`, no text) and returns its tool calls.
 */
export async function requestToolCall(client: Client, server: MockProviderServer, tool: ChatTool, args: Record<string, unknown>): Promise<ToolCall[]> {
  server.configure({ toolArguments: args });
  const res = await client.chat.completions.create({ messages: [{ role: 'user', content: 'weather?' }], tools: [tool] });
  const choice = res.choices[0]!;
  assert.equal(choice.finishReason, 'tool_calls');
  assert.equal(choice.message.content, null);
  assert.ok(choice.message.toolCalls !== undefined, 'tool calls');
  return choice.message.toolCalls;
}

/**
 * Streams the reply 'alpha beta gamma delta epsilon' (in 4 pieces) to 'go now' and checks it: the
 * provider on the stream and on every chunk, the text in several content chunks, the role first, one
 * `stop` finish reason, the usage on the last chunk only. Returns the stream and its chunks for the
 * format's own checks.
 */
export async function streamFiveWords(bed: ProviderTestBed, provider: string): Promise<{ stream: ChatCompletionStream; chunks: ChatCompletionChunk[] }> {
  bed.server.configure({ reply: 'alpha beta gamma delta epsilon', chunkCount: 4 });
  const stream = await bed.client().chat.completions.create({ messages: [{ role: 'user', content: 'go now' }], stream: true });
  assert.equal(stream.provider, provider);
  const chunks = await drain(stream);
  assert.equal(streamText(chunks), 'alpha beta gamma delta epsilon');
  assert.ok(chunks.filter((c) => c.choices[0]?.delta.content).length >= 4, 'text arrives in several chunks');
  assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.provider === provider));
  assert.deepEqual(finishReasons(chunks), ['stop']);
  assert.deepEqual(chunks.at(-1)!.usage, { promptTokens: 2, completionTokens: 5, totalTokens: 7 });
  assert.ok(chunks.slice(0, -1).every((c) => c.usage == null), 'usage only on the last chunk');
  return { stream, chunks };
}

/** What the shared cases of `describeProviderContract` expect of one provider's wire format. */
export interface ProviderContract {
  /** The `provider` label of the client's results and errors. */
  provider: string;
  /** The client's API key, which no error may contain. */
  apiKey?: string;
  /** Where the request body carries `maxTokens`. */
  maxTokensIn: (body: any) => unknown;
  /** HTTP statuses answered with the format's error body, and a piece of the message each error must carry. */
  errorMessages: Record<number, string>;
  /** The `Retry-After` (seconds) sent with the 429 of `errorMessages`. */
  retryAfterSeconds: number;
  /** A stream of 'a b c d e f g h' in 8 chunks cut after `afterChunks` chunks delivers `text` first. */
  streamCut: { afterChunks: number; text: string };
  /** A stream without its last event (`name`): the prompt, the reply, and the text delivered first. */
  missingTerminator: { name: string; prompt: string; reply?: { text: string; chunkCount: number }; text: string };
  /** Errors sent inside a stream (`midStreamError` faults) and the typed errors they become. */
  midStreamErrors: Array<{ fault: MockFault['midStreamError']; errorClass: ErrorClass; statusCode?: number; message?: RegExp }>;
  /** The name of the format's content-filter stop (refusal, SAFETY…), when it has one. */
  contentFilter?: string;
}

const ask = { messages: [{ role: 'user' as const, content: 'x' }] };

/**
 * Registers, in the enclosing `describe`, the cases every native provider must pass the same way
 * against its own wire format: the length stop, error statuses, a refused stream, a retried 503, abort,
 * timeout, cut, unterminated and malformed streams, mid-stream errors and the content filter.
 */
export function describeProviderContract(bed: ProviderTestBed, spec: ProviderContract): void {
  test("maxTokens is sent in the format's field; the format's length stop maps to length", async () => {
    bed.server.configure({ reply: 'one two three four five' });
    const res = await bed.client().chat.completions.create({ messages: [{ role: 'user', content: 'count' }], maxTokens: 2 });
    assert.equal(res.choices[0]!.message.content, 'one two');
    assert.equal(res.choices[0]!.finishReason, 'length');
    assert.equal(spec.maxTokensIn(bed.server.requests[0]!.body), 2);
  });

  test(`error statuses map to typed errors with the body message, Retry-After${spec.apiKey === undefined ? '' : ', and no key'}`, async () => {
    const c = bed.client();
    for (const [code, message] of Object.entries(spec.errorMessages)) {
      const status = Number(code);
      const ErrorClass = errorClassOfStatus(status);
      bed.server.enqueueFault({ status, headers: status === 429 ? { 'retry-after': String(spec.retryAfterSeconds) } : {} });
      const error = await c.chat.completions.create(ask).then(
        () => assert.fail(`status ${status} did not throw`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ErrorClass, `${status} -> ${ErrorClass.name}, got ${(error as Error).name}`);
      assert.equal(error.statusCode, status);
      assert.equal(error.provider, spec.provider);
      assert.ok(error.message.includes(message), error.message);
      if (spec.apiKey !== undefined) assert.ok(!error.message.includes(spec.apiKey));
      if (status === 429) assert.equal(error.retryAfterMs, spec.retryAfterSeconds * 1000);
    }
  });

  test('a refused streaming request throws before any chunk', async () => {
    bed.server.enqueueFault({ status: 429, headers: { 'retry-after': '2' } });
    const error = await bed.client().chat.completions.create({ ...ask, stream: true }).catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitError);
    assert.equal(error.retryAfterMs, 2000);
  });

  test('retry: a 503 then success with maxRetries 1; events show request.retry', async () => {
    bed.server.enqueueFault({ status: 503 });
    const c = bed.client({ maxRetries: 1, retry: { initialDelayMs: 1, maxDelayMs: 10 } });
    const events: RouterEvent[] = [];
    const retries: RouterEvent[] = [];
    c.events$.subscribe((e) => events.push(e));
    c.on('request.retry', (e) => retries.push(e));
    const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'again' }] });
    assert.equal(res.choices[0]!.message.content, 'Echo: again');
    assert.equal(bed.server.requests.length, 2);
    assert.equal(retries.length, 1);
    const retry = events.find((e) => e.type === 'request.retry');
    assert.equal(retry, retries[0]);
    assert.ok(retry !== undefined && retry.type === 'request.retry');
    assert.equal(retry.statusCode, 503);
    assert.equal(retry.errorType, 'ProviderError');
    assert.deepEqual(
      events.filter((e) => e.type === 'attempt.end').map((e) => (e.type === 'attempt.end' ? e.success : null)),
      [false, true],
    );
  });

  test('abort: the caller signal aborts a slow request with AbortError', async () => {
    bed.server.enqueueFault({ hang: true });
    const ac = new AbortController();
    const pending = bed.client().chat.completions.create({ ...ask, signal: ac.signal });
    await waitFor(() => bed.server.requests.length === 1);
    ac.abort();
    await assert.rejects(pending, AbortError);
  });

  test('timeout: timeoutMs on a delayed answer gives TimeoutError', async () => {
    bed.server.enqueueFault({ delayMs: 5_000 });
    await assert.rejects(bed.client().chat.completions.create({ ...ask, timeoutMs: 100 }), TimeoutError);
    // Let a request that reaches the server after the client gave up take its fault here, not the next test's.
    await waitUntil(() => bed.server.requests.length >= 1);
  });

  test('stream cut mid-way: StreamError thrown to the consumer after the chunks that came', async () => {
    bed.server.configure({ reply: 'a b c d e f g h', chunkCount: 8 });
    bed.server.enqueueFault({ cutAfterChunks: spec.streamCut.afterChunks });
    const { chunks, error } = await drainUntilError(await bed.client().chat.completions.create({ ...ask, stream: true }));
    assert.ok(error instanceof StreamError, String(error));
    assert.ok(chunks.length > 0);
    assert.notEqual(streamText(chunks), 'a b c d e f g h');
    assert.equal(streamText(chunks), spec.streamCut.text);
  });

  const { name, prompt, reply, text } = spec.missingTerminator;
  test(`a stream without its ${name}: StreamError after everything before it`, async () => {
    if (reply !== undefined) bed.server.configure({ reply: reply.text, chunkCount: reply.chunkCount });
    bed.server.enqueueFault({ endWithoutTerminator: true });
    const { chunks, error } = await drainUntilError(await bed.client().chat.completions.create({ messages: [{ role: 'user', content: prompt }], stream: true }));
    assert.ok(error instanceof StreamError, String(error));
    assert.equal(streamText(chunks), text, 'everything before the missing terminator was delivered');
  });

  test('malformed stream event: StreamError', async () => {
    bed.server.enqueueFault({ malformedChunk: true });
    const { error } = await drainUntilError(await bed.client().chat.completions.create({ messages: [{ role: 'user', content: 'one two three four' }], stream: true }));
    assert.ok(error instanceof StreamError, String(error));
    assert.match((error as Error).message, /malformed/);
  });

  test('an error event mid-stream is the typed error of its code', async () => {
    const c = bed.client();
    for (const { fault, errorClass, statusCode, message } of spec.midStreamErrors) {
      bed.server.enqueueFault({ midStreamError: fault });
      const { error } = await drainUntilError(await c.chat.completions.create({ messages: [{ role: 'user', content: 'one two three four' }], stream: true }));
      assert.ok(error instanceof errorClass, `${JSON.stringify(fault)} -> ${errorClass.name}, got ${String(error)}`);
      if (statusCode !== undefined) assert.equal(error.statusCode, statusCode);
      if (message !== undefined) assert.match(error.message, message);
    }
  });

  if (spec.contentFilter !== undefined) {
    test(`${spec.contentFilter} maps to content_filter, streamed and not`, async () => {
      bed.server.enqueueFault({ contentFilter: true }, { times: 2 });
      const c = bed.client();
      const res = await c.chat.completions.create(ask);
      assert.equal(res.choices[0]!.finishReason, 'content_filter');
      const chunks = await drain(await c.chat.completions.create({ ...ask, stream: true }));
      assert.deepEqual(finishReasons(chunks), ['content_filter']);
    });
  }
}
