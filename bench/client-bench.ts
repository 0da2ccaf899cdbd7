import { setTimeout } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { Pool } from 'undici';
import { Client, MetricsCollector } from '../lib/index.js';
import {
  collectGarbage,
  fixed,
  formatTable,
  loadAverage,
  machineDescription,
  mergeLoadResults,
  median,
  runLoad,
  startServerProcess,
  type LoadResult,
  type ServerProcess,
} from './bench-kit.js';

// Our Client against the floor (raw undici) and the usual alternatives, on one local OpenAI-format server
// in its own process: requests/s, p50/p99 latency and client CPU per request, each as a ratio to the floor.
//   node dist/bench/client-bench.js [--slice-ms 300] [--rounds 10] [--only floor,client] [--concurrency 1,64] [--no-stream]

const { values: args } = parseArgs({
  options: {
    'slice-ms': { type: 'string', default: '300' },
    rounds: { type: 'string', default: '10' },
    only: { type: 'string' },
    concurrency: { type: 'string', default: '1,64' },
    'no-stream': { type: 'boolean', default: false },
  },
});

const SLICE_MS = Number(args['slice-ms']);
const ROUNDS = Math.max(1, Math.floor(Number(args.rounds)));
const CONCURRENCY = args.concurrency!.split(',').map(Number);
const ONLY = args.only === undefined ? undefined : new Set(args.only.split(','));
const MAX_REQUESTS = 40_000;
const WARMUP_MS = 500;
const RAMP_MS = 50;
const API_KEY = 'fake-bench-key';
const MODEL = 'mock-model';
const MESSAGES = [{ role: 'user' as const, content: 'Hello' }];
const EXPECTED = 'Echo: Hello';
const PATH = '/v1/chat/completions';
const HEADERS = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${API_KEY}` };
const STREAM_HEADERS = { ...HEADERS, accept: 'text/event-stream' };
/** A price for the mock model, so that metrics-on rows record cost too (the cost and routed families). */
const PRICES = { [MODEL]: { inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25 } };

/** One way of making a chat completion call; opened once per run. */
interface Variant {
  key: string;
  label: string;
  kind: 'json' | 'stream';
  /** Builds the client; returns the call and how to close it. */
  open(url: string): { call: () => Promise<string>; close: () => Promise<void> };
}

function undiciPool(url: string): Pool {
  return new Pool(url, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
}

async function readSseContent(body: AsyncIterable<string>): Promise<string> {
  let buffer = '';
  let content = '';
  let done = false;
  for await (const text of body) {
    buffer += text;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!event.startsWith('data: ')) continue;
      const data = event.slice(6);
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      const delta = JSON.parse(data).choices[0]?.delta?.content;
      if (typeof delta === 'string') content += delta;
    }
  }
  if (!done) throw new Error('stream ended without [DONE]');
  return content;
}

const VARIANTS: Variant[] = [
  {
    key: 'floor',
    label: 'undici Pool.request + JSON.parse (floor)',
    kind: 'json',
    open(url) {
      const pool = undiciPool(url);
      return {
        call: async () => {
          const res = await pool.request({ path: PATH, method: 'POST', headers: HEADERS, body: JSON.stringify({ model: MODEL, messages: MESSAGES }) });
          const text = await res.body.text();
          if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text}`);
          return JSON.parse(text).choices[0].message.content;
        },
        close: () => pool.close(),
      };
    },
  },
  {
    key: 'fetch',
    label: 'global fetch + res.json()',
    kind: 'json',
    open(url) {
      const endpoint = `${url}${PATH}`;
      return {
        call: async () => {
          const res = await fetch(endpoint, { method: 'POST', headers: HEADERS, body: JSON.stringify({ model: MODEL, messages: MESSAGES }) });
          if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
          const json = (await res.json()) as { choices: Array<{ message: { content: string } }> };
          return json.choices[0]!.message.content;
        },
        close: async () => {},
      };
    },
  },
  {
    key: 'sdk',
    label: 'openai SDK v6 (maxRetries 0)',
    kind: 'json',
    open(url) {
      const openai = new OpenAI({ apiKey: API_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
      return {
        call: async () => (await openai.chat.completions.create({ model: MODEL, messages: MESSAGES })).choices[0]!.message.content ?? '',
        close: async () => {},
      };
    },
  },
  {
    key: 'client',
    label: 'llm-api-router Client (metrics off)',
    kind: 'json',
    open(url) {
      const client = new Client({ providerType: 'openai', apiKey: API_KEY, baseUrl: `${url}/v1`, defaultModel: MODEL, metricsEnabled: false });
      return {
        call: async () => (await client.chat.completions.create({ messages: MESSAGES })).choices[0]!.message.content ?? '',
        close: () => client.close(),
      };
    },
  },
  {
    key: 'client-metrics',
    label: 'llm-api-router Client (metrics on)',
    kind: 'json',
    open(url) {
      const collector = new MetricsCollector();
      const client = new Client({ providerType: 'openai', apiKey: API_KEY, baseUrl: `${url}/v1`, defaultModel: MODEL, metricsCollector: collector, prices: PRICES });
      return {
        call: async () => (await client.chat.completions.create({ messages: MESSAGES })).choices[0]!.message.content ?? '',
        close: async () => {
          await client.close();
          collector.close();
        },
      };
    },
  },
  {
    key: 'stream-floor',
    label: 'undici Pool.request + SSE split (floor)',
    kind: 'stream',
    open(url) {
      const pool = undiciPool(url);
      const body = () => JSON.stringify({ model: MODEL, messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
      return {
        call: async () => {
          const res = await pool.request({ path: PATH, method: 'POST', headers: STREAM_HEADERS, body: body() });
          if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${await res.body.text()}`);
          res.body.setEncoding('utf8');
          return readSseContent(res.body as AsyncIterable<string>);
        },
        close: () => pool.close(),
      };
    },
  },
  {
    key: 'stream-client',
    label: 'llm-api-router Client stream (metrics off)',
    kind: 'stream',
    open(url) {
      const client = new Client({ providerType: 'openai', apiKey: API_KEY, baseUrl: `${url}/v1`, defaultModel: MODEL, metricsEnabled: false });
      return {
        call: async () => {
          let content = '';
          for await (const chunk of await client.chat.completions.create({ messages: MESSAGES, stream: true })) content += chunk.choices[0]?.delta.content ?? '';
          return content;
        },
        close: () => client.close(),
      };
    },
  },
  {
    key: 'stream-client-metrics',
    label: 'llm-api-router Client stream (metrics on)',
    kind: 'stream',
    open(url) {
      const collector = new MetricsCollector();
      const client = new Client({ providerType: 'openai', apiKey: API_KEY, baseUrl: `${url}/v1`, defaultModel: MODEL, metricsCollector: collector, prices: PRICES });
      return {
        call: async () => {
          let content = '';
          for await (const chunk of await client.chat.completions.create({ messages: MESSAGES, stream: true })) content += chunk.choices[0]?.delta.content ?? '';
          return content;
        },
        close: async () => {
          await client.close();
          collector.close();
        },
      };
    },
  },
];

/** Per client and concurrency: the merged numbers and the slices, in round order. */
interface Measured {
  merged: LoadResult;
  slices: LoadResult[];
}

type Results = Map<string, Map<number, Measured>>;

interface Opened {
  variant: Variant;
  call: () => Promise<string>;
  close: () => Promise<void>;
  slices: Map<number, LoadResult[]>;
}

async function open(variant: Variant, url: string): Promise<Opened> {
  const { call, close } = variant.open(url);
  const answer = await call();
  if (answer !== EXPECTED) throw new Error(`${variant.key} answered ${JSON.stringify(answer)}, expected ${JSON.stringify(EXPECTED)}`);
  return { variant, call, close, slices: new Map() };
}

/**
 * Every client is opened and warmed up first; then, per concurrency, each round gives every client one
 * slice (a RAMP_MS ramp-up, then a SLICE_MS window) in an order that rotates and turns round from round to
 * round, so that all of them see the same machine (other load, the server's state) and none always follows
 * the same one. A client's numbers are its slices merged (medians, see `mergeLoadResults`).
 */
async function measure(variants: Variant[], server: ServerProcess): Promise<Results> {
  const opened: Opened[] = [];
  try {
    for (const v of variants) opened.push(await open(v, server.url));
    for (const o of opened) await runLoad(o.call, { requests: MAX_REQUESTS, concurrency: Math.max(...CONCURRENCY), maxMs: WARMUP_MS });
    // One full collection before measuring, given time to finish its concurrent work; none between windows,
    // whose CPU time it would inflate (a forced collection sweeps on helper threads).
    collectGarbage();
    await setTimeout(300);
    for (const concurrency of CONCURRENCY) {
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < opened.length; i++) {
          const k = (i + round) % opened.length;
          const o = opened[round % 2 === 0 ? k : opened.length - 1 - k]!;
          const slice = await runLoad(o.call, { requests: MAX_REQUESTS, concurrency, maxMs: SLICE_MS, rampMs: RAMP_MS }, server);
          if (slice.errors > 0) throw new Error(`${o.variant.key} failed ${slice.errors} of ${slice.requests} requests`, { cause: slice.firstError });
          const list = o.slices.get(concurrency) ?? [];
          list.push(slice);
          o.slices.set(concurrency, list);
        }
      }
    }
  } finally {
    for (const o of opened) await o.close();
  }
  const results: Results = new Map();
  for (const o of opened) {
    results.set(o.variant.key, new Map([...o.slices].map(([c, slices]) => [c, { merged: mergeLoadResults(slices), slices }])));
  }
  return results;
}

/**
 * How a client compares with a base: the median over rounds of the ratio of its window to the base's window
 * of the same round (adjacent in time, so that load elsewhere on the machine weighs on both alike).
 */
function pairedRatio(value: Measured | undefined, base: Measured | undefined, pick: (r: LoadResult) => number): number | undefined {
  if (value === undefined || base === undefined) return undefined;
  const n = Math.min(value.slices.length, base.slices.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(pick(value.slices[i]!) / pick(base.slices[i]!));
  return ratios.length === 0 ? undefined : median(ratios);
}

function times(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '-' : `${r.toFixed(2)}x`;
}

function table(variants: Variant[], floorKey: string, results: Results): string {
  const header = ['client', 'conc', 'req/s', 'x floor', 'p50 ms', 'x floor', 'p99 ms', 'x floor', 'CPU us/req', 'x floor', 'server us/req'];
  const rows: string[][] = [];
  for (const concurrency of CONCURRENCY) {
    const floor = results.get(floorKey)?.get(concurrency);
    for (const v of variants) {
      const m = results.get(v.key)?.get(concurrency);
      if (m === undefined) continue;
      const r = m.merged;
      rows.push([
        v.label,
        String(concurrency),
        fixed(r.requestsPerSecond),
        times(pairedRatio(m, floor, (x) => x.requestsPerSecond)),
        fixed(r.p50Ms, 3),
        times(pairedRatio(m, floor, (x) => x.p50Ms)),
        fixed(r.p99Ms, 3),
        times(pairedRatio(m, floor, (x) => x.p99Ms)),
        fixed(r.cpuMicrosPerRequest, 1),
        times(pairedRatio(m, floor, (x) => x.cpuMicrosPerRequest)),
        fixed(r.serverCpuMicrosPerRequest, 0),
      ]);
    }
  }
  return formatTable(header, rows);
}

function targets(results: Results): string[] {
  const top = Math.max(...CONCURRENCY);
  const lines: string[] = [];
  const check = (name: string, key: string, baseKey: string, target: number): void => {
    const client = results.get(key)?.get(top);
    const base = results.get(baseKey)?.get(top);
    const r = pairedRatio(client, base, (x) => x.requestsPerSecond);
    if (client === undefined || base === undefined || r === undefined) {
      lines.push(`- ${name}: not measured in this run`);
      return;
    }
    const verdict = r >= target ? 'MET' : `NOT MET (gap: ${(target - r).toFixed(2)}x, the Client needs ${((target / r - 1) * 100).toFixed(1)}% more throughput)`;
    const ofMedians = client.merged.requestsPerSecond / base.merged.requestsPerSecond;
    const cpu = pairedRatio(client, base, (x) => x.cpuMicrosPerRequest)!;
    const perRound = client.slices.map((slice, i) => (base.slices[i] === undefined ? NaN : slice.requestsPerSecond / base.slices[i]!.requestsPerSecond));
    const finite = perRound.filter(Number.isFinite);
    const spread = finite.length === 0 ? '' : `, rounds ${Math.min(...finite).toFixed(2)}x..${Math.max(...finite).toFixed(2)}x`;
    lines.push(`- ${name}: ${r.toFixed(2)}x (target >= ${target}x) ${verdict}; ratio of the medians ${ofMedians.toFixed(2)}x, CPU per request ${cpu.toFixed(2)}x${spread}`);
  };
  check(`Client (metrics off) vs floor, requests/s at ${top}-way`, 'client', 'floor', 0.9);
  check(`Client (metrics on, cost + routed families) vs floor, requests/s at ${top}-way`, 'client-metrics', 'floor', 0.9);
  check(`Client (metrics off) vs openai SDK, requests/s at ${top}-way`, 'client', 'sdk', 3);
  check(`Streaming Client (metrics off) vs undici + SSE floor, requests/s at ${top}-way`, 'stream-client', 'stream-floor', 0.9);
  check(`Streaming Client (metrics on) vs undici + SSE floor, requests/s at ${top}-way`, 'stream-client-metrics', 'stream-floor', 0.9);
  return lines;
}

const started = performance.now();
const variants = VARIANTS.filter((v) => (ONLY === undefined || ONLY.has(v.key)) && !(args['no-stream'] && v.kind === 'stream'));
const loadBefore = loadAverage();
const server = await startServerProcess();
let results: Results;
try {
  results = await measure(variants, server);
} finally {
  await server.stop();
}

const json = variants.filter((v) => v.kind === 'json');
const streams = variants.filter((v) => v.kind === 'stream');
console.log(`# client-bench, ${new Date().toISOString()}`);
console.log(`# ${machineDescription()}; load average ${loadBefore} before, ${loadAverage()} after`);
console.log(
  `# one OpenAI-format mock server in its own process on 127.0.0.1; per client and concurrency, the median of ${ROUNDS} interleaved ${SLICE_MS} ms windows (each after a ${RAMP_MS} ms ramp-up)`,
);
console.log('# CPU us/req: user+system CPU time of the client process per request; server us/req: the same for the server process');
console.log('# x floor: at the same concurrency, the median over rounds of the ratio to the floor\'s window of the same round');
if (Number(loadBefore) >= 1) {
  console.log(`# note: other work was running (load average ${loadBefore} before the run): absolute numbers are lower and noisier than on an idle machine`);
}
console.log('');
if (json.length > 0) console.log(`${table(json, 'floor', results)}\n`);
if (streams.length > 0) {
  console.log('Streaming (4 content chunks + usage chunk + [DONE] per request):');
  console.log(`${table(streams, 'stream-floor', results)}\n`);
}
console.log('Targets:');
for (const line of targets(results)) console.log(line);
console.log(`\n(total ${((performance.now() - started) / 1000).toFixed(1)} s)`);
