import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { Pool } from 'undici';
import { fixed, formatTable, loadAverage, machineDescription, processCpuMicros, quantile, ratio, startServerProcess } from './bench-kit.js';

// The proxy benchmark: one local provider server (bench/mock-server-process.js, a process of its own),
// and side by side in one run: direct calls to it, the sample app in front of it (NestJS on the Express
// platform, NestJS on Fastify, plain Express; each an `openai-compatible` provider pointing at the mock),
// and Portkey's open-source gateway (`@portkey-ai/gateway`) in front of it; plus two floors for scale, a
// pass-through doing no work on node:http and on Express 5. Throughput at 64-way, latency at 1-way and
// 16-way with what each target adds to direct calls (p50 and p99). Everything binds 127.0.0.1;
// every process is killed at the end; the run is bounded (< 2 minutes).
//
// Latency runs in interleaved rounds (direct, then each target, then the next round), so that direct
// and every target see the machine in the same state. Each round starts with a few unrecorded requests:
// between a target's rounds its connections idle for seconds, past the 5 s keep-alive of a Node server
// (undici closes them 2 s before), while the mock provider keeps them 30 s; without them a proxy's
// round would begin with new connections (16 of 2,000 requests at 16-way: the p99) and direct's not. A quantile is the median over rounds of that
// round's quantile, and an added quantile the median over rounds of (target - direct) in the same
// round: one round spoilt by another process on the machine moves neither.
//
//   node dist/bench/proxy-bench.js [--quick] [--rounds N] [--only floor,express-floor,nest-express,nest-fastify,express,portkey]

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = join(ROOT, 'dist');
const PORTKEY = join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
/** Portkey's server takes `--port=` but no host; this preload pins every listen() without a host to 127.0.0.1. */
const LOOPBACK_PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(
    "import net from 'node:net';const listen=net.Server.prototype.listen;" +
      "net.Server.prototype.listen=function(...a){if(typeof a[0]==='number'&&typeof a[1]!=='string')a.splice(1,0,'127.0.0.1');" +
      "else if(a[0]&&typeof a[0]==='object'&&a[0].port!==undefined&&!a[0].host)a[0]={...a[0],host:'127.0.0.1'};return listen.apply(this,a);};",
  );

/**
 * The floor of any Node.js proxy hop: node:http in, undici out, bytes passed through untouched (no
 * parsing, no routing, no metrics). Its added latency is what a hop costs before any work is done.
 */
const FLOOR_PROXY = `
import { createServer } from 'node:http';
import { Pool } from 'undici';
const upstream = new Pool(process.env.UPSTREAM, { connections: 128 });
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    upstream.request({ method: 'POST', path: req.url, headers: { 'content-type': 'application/json', authorization: req.headers.authorization }, body: Buffer.concat(chunks) }).then(
      async (up) => {
        const body = Buffer.from(await up.body.arrayBuffer());
        res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      },
      () => { res.writeHead(502); res.end(); },
    );
  });
});
server.listen(0, '127.0.0.1', () => console.log('READY http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); upstream.close().then(() => process.exit(0)); });
`;

/** The same pass-through as a route of an Express 5 app: what Express itself adds to a hop. */
const EXPRESS_FLOOR_PROXY = `
import express from 'express';
import { Pool } from 'undici';
const upstream = new Pool(process.env.UPSTREAM, { connections: 128 });
const app = express();
app.post('/v1/chat/completions', (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    upstream.request({ method: 'POST', path: req.url, headers: { 'content-type': 'application/json', authorization: req.headers.authorization }, body: Buffer.concat(chunks) }).then(
      async (up) => {
        const body = Buffer.from(await up.body.arrayBuffer());
        res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      },
      () => { res.writeHead(502); res.end(); },
    );
  });
});
const server = app.listen(0, '127.0.0.1', () => console.log('READY http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); upstream.close().then(() => process.exit(0)); });
`;

const MODEL = 'bench-model';
const KEY = 'bench-key';
const BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 16 });

/** Options of {@link runProxyBench}. */
export interface ProxyBenchOptions {
  /** Requests in flight for the throughput phase. Default 64. */
  concurrency?: number;
  /** Length of the throughput measurement per target, split in interleaved rounds (the median round counts). Default 3 s. */
  throughputMs?: number;
  /** Default 3. */
  throughputRounds?: number;
  /**
   * Warm-up per target before measuring throughput: at least `warmupRequests` requests (so that V8 has
   * optimised the hot path) and at least `warmupMs`, at most `warmupMaxMs`. Defaults 3,000 requests, 1 s, 6 s.
   */
  warmupRequests?: number;
  warmupMs?: number;
  warmupMaxMs?: number;
  /** Sequential requests per target for the latency phase (split in interleaved rounds). Default 5,000, so that its p99 is the 50th slowest, not one or two stalls of the machine. */
  latencyRequests?: number;
  /** Requests in flight for the second latency phase. Default 16. */
  latencyConcurrency?: number;
  /** Requests per target for the second latency phase (split in interleaved rounds). Default 10,000 (its p99: the 100th slowest). */
  concurrentLatencyRequests?: number;
  /** Interleaved rounds of each latency phase. Default 5 (at the default counts, each round's p99 is its 10th / 20th slowest). */
  latencyRounds?: number;
  /** Targets besides direct, by key (see {@link TARGET_KEYS}); default all. */
  only?: readonly string[];
  log?: (line: string) => void;
}

/** The keys of `only`, in the order the targets run. */
export const TARGET_KEYS = ['floor', 'express-floor', 'nest-express', 'nest-fastify', 'express', 'portkey'] as const;

/** One target's numbers. */
export interface ProxyBenchRow {
  name: string;
  rps: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** p50 at 1-way minus the direct p50 (undefined for direct). */
  addedP50Ms: number | undefined;
  /** p99 at 1-way minus the direct p99 (undefined for direct). */
  addedP99Ms: number | undefined;
  /** Latency quantiles at `latencyConcurrency`-way (16 by default), in ms. */
  p50AtConcurrencyMs: number;
  p99AtConcurrencyMs: number;
  /** The same minus direct's at that concurrency (undefined for direct). */
  addedP50AtConcurrencyMs: number | undefined;
  addedP99AtConcurrencyMs: number | undefined;
  /** CPU time of the target's own process per request in the throughput phase, in µs (undefined without /proc). */
  cpuUsPerRequest: number | undefined;
}

interface Target {
  key: string;
  name: string;
  /** The process serving the target (the mock server for direct calls). */
  pid: number | undefined;
  origin: string;
  path: string;
  headers: Record<string, string>;
  pool?: Pool;
}

interface Started {
  child: ChildProcess;
  match: string;
}

const children = new Set<ChildProcess>();

function start(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 20_000): Promise<Started> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms:\n${out.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.stdout!.resume();
      child.stderr!.resume();
      resolvePromise({ child, match: m[1] ?? m[0] });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${out.slice(-2000)}`));
    });
  });
}

async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((done) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolvePromise(address.port) : reject(new Error('no port'))));
    });
  });
}

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'production' };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

async function once(target: Target): Promise<{ status: number; text: string }> {
  const res = await target.pool!.request({ method: 'POST', path: target.path, headers: target.headers, body: BODY });
  return { status: res.statusCode, text: await res.body.text() };
}

async function check(target: Target): Promise<void> {
  const { status, text } = await once(target);
  let ok = false;
  try {
    const json = JSON.parse(text) as { choices?: Array<{ message?: { content?: string } }> };
    ok = status === 200 && typeof json.choices?.[0]?.message?.content === 'string';
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`${target.name} did not answer a chat completion: ${status} ${text.slice(0, 300)}`);
}

/** Requests at `concurrency` for `ms` (or, with `until`, until `until.requests` are done after `ms`, at most `until.maxMs`). */
async function throughput(target: Target, concurrency: number, ms: number, until?: { requests: number; maxMs: number }): Promise<{ rps: number; errors: number }> {
  let done = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  const hardEnd = t0 + (until?.maxMs ?? ms);
  const more = (): boolean => {
    const now = performance.now();
    return now < end || (until !== undefined && now < hardEnd && done + errors < until.requests);
  };
  const worker = async (): Promise<void> => {
    while (more()) {
      try {
        const res = await target.pool!.request({ method: 'POST', path: target.path, headers: target.headers, body: BODY });
        await res.body.dump();
        if (res.statusCode === 200) done++;
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { rps: (done * 1000) / (performance.now() - t0), errors };
}

/** `n` requests, `concurrency` at a time, each one's latency pushed to `into`. */
async function concurrentLatency(target: Target, concurrency: number, n: number, into: number[]): Promise<void> {
  let left = n;
  const worker = async (): Promise<void> => {
    while (left-- > 0) {
      const t0 = performance.now();
      const res = await target.pool!.request({ method: 'POST', path: target.path, headers: target.headers, body: BODY });
      await res.body.dump();
      into.push(performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`${target.name} answered ${res.statusCode} in the ${concurrency}-way latency phase`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function sequential(target: Target, n: number, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await target.pool!.request({ method: 'POST', path: target.path, headers: target.headers, body: BODY });
    await res.body.dump();
    into.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`${target.name} answered ${res.statusCode} in the latency phase`);
  }
}

function portkeyVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules/@portkey-ai/gateway/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

/**
 * Runs the benchmark and returns one row per target, in the order direct, floor, Express floor,
 * NestJS/Express, NestJS/Fastify, Express, Portkey. Every process it starts is stopped before it returns or throws.
 */
export async function runProxyBench(options: ProxyBenchOptions = {}): Promise<ProxyBenchRow[]> {
  const mock = await startServerProcess();
  const targets: Target[] = [];
  try {
    targets.push(...(await startTargets(mock.url, mock.pid, options.only)));
    return await measure(targets, options);
  } finally {
    await Promise.all(targets.map((t) => t.pool?.close()));
    await stopAll();
    await mock.stop();
  }
}

async function startTargets(mockUrl: string, mockPid: number, only: readonly string[] | undefined): Promise<Target[]> {
  const unknown = only?.filter((k) => !(TARGET_KEYS as readonly string[]).includes(k)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown target ${unknown.join(', ')}; known: ${TARGET_KEYS.join(', ')}`);
  const wanted = (key: string): boolean => only === undefined || only.includes(key);
  const skip = new Promise<undefined>((done) => done(undefined));
  const appEnv = (extra: Record<string, string>): NodeJS.ProcessEnv =>
    baseEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      OPENAI_COMPATIBLE_BASE_URL: `${mockUrl}/v1`,
      OPENAI_COMPATIBLE_API_KEY: KEY,
      OPENAI_COMPATIBLE_MODEL: MODEL,
      OPENAI_COMPATIBLE_NAME: 'mock-server',
      ...extra,
    });
  const listening = /listening on (http:\/\/\S+)/;
  const portkeyPort = await freePort();
  const ready = /READY (http:\/\/\S+)/;
  const [floor, expressFloor, nestExpress, nestFastify, express, portkey] = await Promise.all([
    wanted('floor') ? start('floor proxy', ['--input-type=module', '-e', FLOOR_PROXY], baseEnv({ UPSTREAM: mockUrl }), ready) : skip,
    wanted('express-floor') ? start('Express floor proxy', ['--input-type=module', '-e', EXPRESS_FLOOR_PROXY], baseEnv({ UPSTREAM: mockUrl }), ready) : skip,
    wanted('nest-express') ? start('sample app (NestJS/Express)', [join(DIST, 'sample-app/nestjs/main.js')], appEnv({ PLATFORM: 'express' }), listening) : skip,
    wanted('nest-fastify') ? start('sample app (NestJS/Fastify)', [join(DIST, 'sample-app/nestjs/main.js')], appEnv({ PLATFORM: 'fastify' }), listening) : skip,
    wanted('express') ? start('sample app (Express)', [join(DIST, 'sample-app/express/main.js')], appEnv({}), listening) : skip,
    wanted('portkey') ? start('Portkey gateway', ['--import', LOOPBACK_PRELOAD, PORTKEY, `--port=${portkeyPort}`, '--headless'], baseEnv({}), /Ready for connections/, 30_000) : skip,
  ]);
  const json = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };
  const path = '/v1/chat/completions';
  const local = (key: string, name: string, s: Started | undefined): Target[] => (s === undefined ? [] : [{ key, name, pid: s.child.pid, origin: s.match, path, headers: json }]);
  return [
    { key: 'direct', name: 'direct (undici -> mock provider)', pid: mockPid, origin: mockUrl, path, headers: json },
    ...local('floor', 'floor: node:http + undici, no work', floor),
    ...local('express-floor', 'floor on Express 5, no work', expressFloor),
    ...local('nest-express', 'sample app, NestJS on Express', nestExpress),
    ...local('nest-fastify', 'sample app, NestJS on Fastify', nestFastify),
    ...local('express', 'sample app, plain Express', express),
    ...(portkey === undefined
      ? []
      : [
          {
            key: 'portkey',
            name: `Portkey gateway ${portkeyVersion()} (OSS)`,
            pid: portkey.child.pid,
            origin: `http://127.0.0.1:${portkeyPort}`,
            path,
            headers: { ...json, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mockUrl}/v1` },
          },
        ]),
  ];
}

/** A quantile and what it adds to direct's: medians over interleaved rounds (see the file's header). */
export interface RoundQuantile {
  value: number;
  /** Undefined for direct itself. */
  added: number | undefined;
}

/**
 * The median over rounds of each round's `q`-quantile, and the median over rounds of the difference
 * to `direct`'s quantile of the same round (`direct` undefined: no difference). Rounds are unsorted
 * latency samples; `direct` has as many rounds as `rounds`.
 */
export function roundQuantile(rounds: readonly number[][], q: number, direct?: readonly number[][]): RoundQuantile {
  const per = rounds.map((r) => quantile([...r].sort((a, b) => a - b), q));
  const base = direct?.map((r) => quantile([...r].sort((a, b) => a - b), q));
  const median = (xs: number[]): number => quantile(xs.sort((a, b) => a - b), 0.5);
  return { value: median([...per]), added: base === undefined ? undefined : median(per.map((v, i) => v - base[i]!)) };
}

async function measure(targets: Target[], options: ProxyBenchOptions): Promise<ProxyBenchRow[]> {
  const {
    concurrency = 64,
    throughputMs = 3_000,
    throughputRounds = 3,
    warmupRequests = 3_000,
    warmupMs = 1_000,
    warmupMaxMs = 6_000,
    latencyRequests = 5_000,
    latencyConcurrency = 16,
    concurrentLatencyRequests = 10_000,
    latencyRounds: rounds = 5,
  } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  for (const t of targets) {
    t.pool = new Pool(t.origin, { connections: concurrency, keepAliveTimeout: 30_000 });
    await check(t);
  }
  log(`all ${targets.length} targets answer a chat completion; warming up`);
  for (const t of targets) await throughput(t, concurrency, warmupMs, { requests: warmupRequests, maxMs: warmupMaxMs });

  const stats = new Map(
    targets.map((t) => [t, { rps: [] as number[], errors: 0, requests: 0, cpuMicros: 0 as number | undefined, latencies: [] as number[][], concurrent: [] as number[][] }]),
  );
  for (let round = 0; round < throughputRounds; round++) {
    for (const t of targets) {
      const s = stats.get(t)!;
      const cpu0 = t.pid === undefined ? undefined : processCpuMicros(t.pid);
      const t0 = performance.now();
      const r = await throughput(t, concurrency, throughputMs / throughputRounds);
      const cpu1 = t.pid === undefined ? undefined : processCpuMicros(t.pid);
      s.rps.push(r.rps);
      s.errors += r.errors;
      s.requests += (r.rps * (performance.now() - t0)) / 1000;
      s.cpuMicros = s.cpuMicros === undefined || cpu0 === undefined || cpu1 === undefined ? undefined : s.cpuMicros + (cpu1 - cpu0);
    }
  }
  log(`throughput measured (${throughputRounds} interleaved rounds at ${concurrency}-way); measuring latency at 1-way`);
  const gc = watchOwnGc();
  for (const t of targets) await sequential(t, 200, []);
  for (let round = 0; round < rounds; round++) {
    for (const t of targets) {
      const into: number[] = [];
      await sequential(t, 2, []);
      await sequential(t, Math.ceil(latencyRequests / rounds), into);
      stats.get(t)!.latencies.push(into);
    }
  }

  log(`latency measured at 1-way (${rounds} interleaved rounds); measuring latency at ${latencyConcurrency}-way`);
  for (const t of targets) await concurrentLatency(t, latencyConcurrency, 20 * latencyConcurrency, []);
  for (let round = 0; round < rounds; round++) {
    for (const t of targets) {
      const into: number[] = [];
      await concurrentLatency(t, latencyConcurrency, 2 * latencyConcurrency, []);
      await concurrentLatency(t, latencyConcurrency, Math.ceil(concurrentLatencyRequests / rounds), into);
      stats.get(t)!.concurrent.push(into);
    }
  }
  log(`latency measured at ${latencyConcurrency}-way (${rounds} interleaved rounds); this load generator's own GC meanwhile: ${gc.stop()}`);

  const direct = stats.get(targets[0]!)!;
  return targets.map((t, i) => {
    const s = stats.get(t)!;
    const base = (rounds: number[][]): number[][] | undefined => (i === 0 ? undefined : rounds);
    const p50 = roundQuantile(s.latencies, 0.5, base(direct.latencies));
    const p99 = roundQuantile(s.latencies, 0.99, base(direct.latencies));
    const c50 = roundQuantile(s.concurrent, 0.5, base(direct.concurrent));
    const c99 = roundQuantile(s.concurrent, 0.99, base(direct.concurrent));
    return {
      name: t.name,
      rps: quantile(s.rps.sort((a, b) => a - b), 0.5),
      errors: s.errors,
      p50Ms: p50.value,
      p99Ms: p99.value,
      addedP50Ms: p50.added,
      addedP99Ms: p99.added,
      p50AtConcurrencyMs: c50.value,
      p99AtConcurrencyMs: c99.value,
      addedP50AtConcurrencyMs: c50.added,
      addedP99AtConcurrencyMs: c99.added,
      cpuUsPerRequest: s.cpuMicros === undefined || s.requests === 0 ? undefined : s.cpuMicros / s.requests,
    };
  });
}

/** Counts this process's GC pauses (it is the load generator: its pauses delay whichever target it measures) until `stop()`. */
function watchOwnGc(): { stop(): string } {
  let count = 0;
  let totalMs = 0;
  let maxMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      count++;
      totalMs += e.duration;
      maxMs = Math.max(maxMs, e.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      observer.disconnect();
      return `${count} pauses, ${fixed(totalMs, 1)} ms in all, longest ${fixed(maxMs, 2)} ms`;
    },
  };
}

/** The results as a table, with the ratios to Portkey and the verdicts of issue 11's "Speed" targets. */
export function formatProxyBench(rows: ProxyBenchRow[], concurrency = 64, latencyConcurrency = 16): string {
  const portkey = rows.find((r) => r.name.startsWith('Portkey'));
  const c = latencyConcurrency;
  const table = formatTable(
    [
      'target',
      `req/s @${concurrency}`,
      'vs Portkey',
      'CPU µs/req',
      'p50 @1 ms',
      'p99 @1 ms',
      'added p50 @1',
      'added p99 @1',
      `p50 @${c} ms`,
      `p99 @${c} ms`,
      `added p50 @${c}`,
      `added p99 @${c}`,
      'errors',
    ],
    rows.map((r) => [
      r.name,
      fixed(r.rps),
      ratio(r.rps, portkey?.rps),
      fixed(r.cpuUsPerRequest),
      fixed(r.p50Ms, 3),
      fixed(r.p99Ms, 3),
      fixed(r.addedP50Ms, 3),
      fixed(r.addedP99Ms, 3),
      fixed(r.p50AtConcurrencyMs, 3),
      fixed(r.p99AtConcurrencyMs, 3),
      fixed(r.addedP50AtConcurrencyMs, 3),
      fixed(r.addedP99AtConcurrencyMs, 3),
      String(r.errors),
    ]),
  );
  // An added p99 at or below zero means direct's own tail was the larger one (noise from the machine): no ratio, no verdict.
  const lower = (mine: number | undefined, theirs: number | undefined): number => (mine === undefined || theirs === undefined || mine <= 0 ? Number.NaN : theirs / mine);
  const verdict = (ok: boolean, x = 0): string => (Number.isNaN(x) ? 'UNCLEAR: added p99 <= 0, rerun on a quieter machine' : ok ? 'met' : 'MISSED');
  const verdicts = rows
    .filter((r) => r.name.startsWith('sample app'))
    .map((r) => {
      const x = portkey === undefined ? Number.NaN : r.rps / portkey.rps;
      const at1 = lower(r.addedP99Ms, portkey?.addedP99Ms);
      const atC = lower(r.addedP99AtConcurrencyMs, portkey?.addedP99AtConcurrencyMs);
      return (
        `${r.name}: ${fixed(x, 2)}x Portkey req/s @${concurrency} (target >= 4x: ${verdict(x >= 4)}); ` +
        `added p99 ${fixed(at1, 1)}x lower than Portkey's @1 (target >= 5x: ${verdict(at1 >= 5, at1)}), ` +
        `${fixed(atC, 1)}x lower @${c} (target >= 10x: ${verdict(atC >= 10, atC)})`
      );
    });
  return [table, '', ...verdicts].join('\n');
}

const USAGE = `node dist/bench/proxy-bench.js [--quick] [--rounds N] [--only KEY,...]
  --quick       shorter phases (500 sequential and 1,000 ${16}-way latency requests per target)
  --rounds N    interleaved rounds per latency phase (default 5); quantiles are medians over rounds
  --only KEYS   targets besides direct, of: ${TARGET_KEYS.join(', ')} (default all)`;

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const quick = process.argv.includes('--quick');
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const only = arg('--only')?.split(',').map((k) => k.trim()).filter(Boolean);
  const roundsArg = arg('--rounds');
  const latencyRounds = roundsArg === undefined ? undefined : Number(roundsArg);
  if (latencyRounds !== undefined && !(Number.isInteger(latencyRounds) && latencyRounds > 0)) throw new Error(`--rounds must be a positive whole number, got ${roundsArg}`);
  const watchdog = setTimeout(() => {
    console.error('proxy-bench: over its 115 s budget; stopping');
    void stopAll().then(() => process.exit(1));
  }, 115_000);
  const onSignal = (): void => void stopAll().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    console.log(`proxy benchmark (${quick ? 'quick' : 'full'} run): one local provider server, one process per target, loopback only`);
    console.log(`machine: ${machineDescription()}; load average ${loadAverage()}`);
    const rows = await runProxyBench({
      ...(quick ? { throughputMs: 1_500, warmupRequests: 1_000, warmupMs: 500, warmupMaxMs: 2_000, latencyRequests: 500, concurrentLatencyRequests: 1_000 } : {}),
      ...(only === undefined ? {} : { only }),
      ...(latencyRounds === undefined ? {} : { latencyRounds }),
    });
    console.log('');
    console.log(formatProxyBench(rows));
  } finally {
    clearTimeout(watchdog);
    await stopAll();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      void stopAll().then(() => process.exit(1));
    },
  );
}
