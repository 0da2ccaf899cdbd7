import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';
import { MockProviderServer } from '../../lib/testing/index.js';
import type { ChatCompletionChunk, ChatCompletionStream, LlmRouter, RouterEvent } from '../../lib/index.js';
import type { Logger } from '../../lib/logging/logger.js';
import type { ClientOptions } from '../../lib/config/index.js';

/** A fake key that looks like a real one; tests search every output for it. */
export const TEST_KEY = 'fake-core-test-key-not-a-secret';

/** Options of a `Client` of the local server's OpenAI format (model `gpt-test`, no metrics), plus `extra`. */
export function openAiOptions(server: { url: string }, extra: Partial<ClientOptions> = {}): ClientOptions {
  return { providerType: 'openai', apiKey: TEST_KEY, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false, ...extra } as ClientOptions;
}

/** Records every event of a router, in order. */
export function recordEvents(router: LlmRouter): { events: RouterEvent[]; types: () => string[]; stop: () => void } {
  const events: RouterEvent[] = [];
  const sub = router.events$.subscribe((e) => events.push(e));
  return { events, types: () => events.map((e) => e.type), stop: () => sub.unsubscribe() };
}

/** The events of one type. */
export function ofType<T extends RouterEvent['type']>(events: RouterEvent[], type: T): Array<Extract<RouterEvent, { type: T }>> {
  return events.filter((e): e is Extract<RouterEvent, { type: T }> => e.type === type);
}

/** Reads a stream to its end. */
export async function drain(stream: ChatCompletionStream): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The text of a stream's content deltas. */
export function streamText(chunks: ChatCompletionChunk[]): string {
  let text = '';
  for (const c of chunks) text += c.choices[0]?.delta.content ?? '';
  return text;
}

/** Awaits a rejection and checks its class; returns the error. */
export async function rejects<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof type, `expected ${type.name}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  return caught;
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  args: unknown[];
}

/** A logger that keeps every call. */
export function capturingLogger(): Logger & { entries: LogEntry[]; text: () => string } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (...args: unknown[]): void => {
      entries.push({ level, args });
    };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () => JSON.stringify(entries),
  };
}

/** Every string an error exposes: message, stack, causes, nested attempt errors. */
export function errorText(error: unknown, depth = 0): string {
  if (depth > 5 || error === null || error === undefined) return '';
  if (!(error instanceof Error)) return String(error);
  const nested = (error as { errors?: unknown[] }).errors ?? [];
  return [
    error.message,
    error.stack ?? '',
    safeJson({ ...error }),
    errorText((error as { cause?: unknown }).cause, depth + 1),
    ...nested.map((e) => errorText(e, depth + 1)),
  ].join('\n');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/**
 * The hooks of a suite on one `MockProviderServer`: started before the suite (handed to `ready`),
 * `eachTest` before every test, faults cleared after it, the suite's routers and the server closed after.
 */
export function useSuiteServer(routers: readonly LlmRouter[], ready: (server: MockProviderServer) => void, eachTest: () => void): void {
  let server: MockProviderServer;
  before(async () => {
    server = await MockProviderServer.start();
    ready(server);
  });
  beforeEach(eachTest);
  afterEach(() => server.clearFaults());
  after(async () => {
    await Promise.all(routers.map((r) => r.close()));
    await server.close();
  });
}
