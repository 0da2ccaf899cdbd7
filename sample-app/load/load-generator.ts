import { Agent, request } from 'undici';

/** Options of {@link runLoad}. The run is bounded by `count`, `durationMs`, or both (whichever ends first). */
export interface LoadOptions {
  /** Base URL of the sample app. Default `http://127.0.0.1:3000`. */
  url?: string;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** Stop after this long. Default 30 s when `count` is not set. */
  durationMs?: number;
  /** Stop after this many requests. */
  count?: number;
  /** Share of streaming requests (half of them ask for the usage chunk). Default 0.35. */
  streamRatio?: number;
  /** Share of deliberately bad requests (invalid JSON, unknown model, bad temperature, no messages). Default 0.04. */
  badRatio?: number;
  /** Models to ask for. Default: those `GET /v1/models` lists. */
  models?: string[];
  /** Seed of the request mix. Default 1. */
  seed?: number;
  /** Called every `progressIntervalMs` and once at the end. */
  onProgress?: (progress: LoadProgress) => void;
  /** Default 250 ms. */
  progressIntervalMs?: number;
  /** Stops the run early (requests in flight finish). */
  signal?: AbortSignal;
}

/** Counters of a run so far. */
export interface LoadProgress {
  /** Requests answered (or failed to connect). */
  requests: number;
  /** Good requests answered 2xx (streams: ended with `[DONE]`). */
  ok: number;
  /** Bad requests answered with the expected 4xx. */
  rejected: number;
  /** Good requests that failed: non-2xx, a stream error event, or a stream without `[DONE]`. */
  errors: number;
  /** Requests that got no answer (connection refused, reset). */
  networkErrors: number;
  streams: number;
  elapsedMs: number;
  /** Requests per second over the run. */
  rps: number;
}

/** The outcome of a run. */
export interface LoadResult extends LoadProgress {
  /** Answers by HTTP status (`'network'` for none). */
  byStatus: Record<string, number>;
  /** Latency of good requests, ms (to the last byte for streams). */
  p50Ms: number | null;
  p95Ms: number | null;
}

type Kind = 'chat' | 'stream' | 'bad';

const PROMPTS = [
  'Say hello in French.',
  'Summarise the plot of Hamlet in one sentence.',
  'What is the capital of Australia?',
  'Write a haiku about load balancers.',
  'Explain retries with exponential backoff.',
  'List three prime numbers.',
];

const BAD_BODIES: ReadonlyArray<(model: string) => { body: string; expect: number }> = [
  () => ({ body: '{"model": "mock-chat", "messages": [', expect: 400 }),
  () => ({ body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }), expect: 404 }),
  (model) => ({ body: JSON.stringify({ model, temperature: 5, messages: [{ role: 'user', content: 'hi' }] }), expect: 400 }),
  (model) => ({ body: JSON.stringify({ model }), expect: 400 }),
];

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (sorted.length - 1) * p;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

async function fetchModels(url: string, dispatcher: Agent): Promise<string[]> {
  const res = await request(`${url}/v1/models`, { dispatcher });
  const body = (await res.body.json()) as { data?: Array<{ id: string }> };
  const ids = (body.data ?? []).map((m) => m.id);
  if (res.statusCode !== 200 || ids.length === 0) throw new Error(`GET ${url}/v1/models answered ${res.statusCode} with no models`);
  return ids;
}

/**
 * Drives a running sample app with a mix of chat completions, streams (with and without the usage
 * chunk) and a few bad requests, `concurrency` at a time, until `count` requests or `durationMs`.
 */
export async function runLoad(options: LoadOptions = {}): Promise<LoadResult> {
  const url = (options.url ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
  const count = options.count;
  const durationMs = options.durationMs ?? (count === undefined ? 30_000 : Infinity);
  const streamRatio = options.streamRatio ?? 0.35;
  const badRatio = options.badRatio ?? 0.04;
  const random = seeded(options.seed ?? 1);
  const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  const byStatus: Record<string, number> = {};
  const latencies: number[] = [];
  const p: LoadProgress = { requests: 0, ok: 0, rejected: 0, errors: 0, networkErrors: 0, streams: 0, elapsedMs: 0, rps: 0 };
  const started = performance.now();
  const deadline = started + durationMs;
  let issued = 0;
  let timer: NodeJS.Timeout | undefined;
  const snapshot = (): LoadProgress => {
    p.elapsedMs = performance.now() - started;
    p.rps = p.elapsedMs > 0 ? (p.requests * 1000) / p.elapsedMs : 0;
    return { ...p };
  };
  try {
    const models = options.models ?? (await fetchModels(url, dispatcher));
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const next = (): Kind | undefined => {
      if (options.signal?.aborted || performance.now() >= deadline || (count !== undefined && issued >= count)) return undefined;
      issued++;
      const r = random();
      return r < badRatio ? 'bad' : r < badRatio + streamRatio ? 'stream' : 'chat';
    };
    const one = async (kind: Kind): Promise<void> => {
      const model = pick(models);
      let body: string;
      let expect = 200;
      const includeUsage = random() < 0.5;
      if (kind === 'bad') ({ body, expect } = pick(BAD_BODIES)(model));
      else {
        const payload: Record<string, unknown> = { model, messages: [{ role: 'user', content: pick(PROMPTS) }] };
        if (random() < 0.3) payload.max_tokens = 8 + Math.floor(random() * 24);
        if (kind === 'stream') {
          payload.stream = true;
          if (includeUsage) payload.stream_options = { include_usage: true };
        }
        body = JSON.stringify(payload);
      }
      const t0 = performance.now();
      let status: number;
      let text: string;
      try {
        const res = await request(`${url}/v1/chat/completions`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body });
        status = res.statusCode;
        text = await res.body.text();
      } catch {
        p.requests++;
        p.networkErrors++;
        byStatus.network = (byStatus.network ?? 0) + 1;
        return;
      }
      p.requests++;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      if (kind === 'bad') {
        if (status === expect) p.rejected++;
        else p.errors++;
        return;
      }
      if (kind === 'stream') p.streams++;
      const good = status === 200 && (kind === 'chat' || (text.endsWith('data: [DONE]\n\n') && !text.includes('data: {"error"')));
      if (good) {
        p.ok++;
        latencies.push(performance.now() - t0);
      } else p.errors++;
    };
    const worker = async (): Promise<void> => {
      for (let kind = next(); kind !== undefined; kind = next()) await one(kind);
    };
    if (options.onProgress !== undefined) {
      const report = options.onProgress;
      timer = setInterval(() => report(snapshot()), options.progressIntervalMs ?? 250);
    }
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    if (timer !== undefined) clearInterval(timer);
    await dispatcher.close();
  }
  const final = snapshot();
  options.onProgress?.(final);
  latencies.sort((a, b) => a - b);
  return { ...final, byStatus, p50Ms: percentile(latencies, 0.5), p95Ms: percentile(latencies, 0.95) };
}

/** One progress line: `requests 1234 | 98.1 rps | ok 1180 | rejected 48 (expected 4xx) | errors 6 | network 0`. */
export function formatProgress(p: LoadProgress): string {
  return (
    `requests ${p.requests} | ${p.rps.toFixed(1)} rps | ok ${p.ok} | streams ${p.streams} | rejected ${p.rejected} (expected 4xx) | ` +
    `errors ${p.errors} | network ${p.networkErrors} | ${(p.elapsedMs / 1000).toFixed(1)} s`
  );
}
