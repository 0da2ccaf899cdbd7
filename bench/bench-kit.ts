import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A mock provider server running in a process of its own (bench/mock-server-process.ts). */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** CPU time the server process has used so far, in µs (Linux `/proc`), or undefined elsewhere. */
  cpuMicros(): number | undefined;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

/** Options of {@link startServerProcess}; passed to the server as command-line flags. */
export interface ServerProcessOptions {
  chunkCount?: number;
  chunkDelayMs?: number;
  reply?: string;
  /** Milliseconds to wait for `READY` (default 15 s). */
  startTimeoutMs?: number;
}

const SERVER_SCRIPT = fileURLToPath(new URL('./mock-server-process.js', import.meta.url));
const live = new Set<ChildProcess>();

let cleanupInstalled = false;

/** Kills the server processes when this one exits or is interrupted (then the signal does what it did). */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill('SIGKILL');
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Spawns the mock provider server on 127.0.0.1 in its own process and waits for its `READY <url>` line. */
export function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const args = [SERVER_SCRIPT, '--host', '127.0.0.1', '--port', '0'];
  if (options.chunkCount !== undefined) args.push('--chunk-count', String(options.chunkCount));
  if (options.chunkDelayMs !== undefined) args.push('--chunk-delay-ms', String(options.chunkDelayMs));
  if (options.reply !== undefined) args.push('--reply', options.reply);
  installCleanup();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => live.delete(child));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<ServerProcess>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`mock server did not print READY within ${options.startTimeoutMs ?? 15_000} ms`)), options.startTimeoutMs ?? 15_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      void stop().then(() => reject(error));
    };
    const onExit = (code: number | null, signal: string | null): void => fail(new Error(`mock server exited before READY (code ${code}, signal ${signal})`));
    child.once('error', fail);
    child.once('exit', onExit);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      out += text;
      const match = /^READY (\S+)$/m.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const url = match[1]!;
      if (!url.startsWith('http://127.0.0.1:')) {
        fail(new Error(`mock server must listen on 127.0.0.1, got ${url}`));
        return;
      }
      resolve({ url, pid: child.pid!, cpuMicros: () => processCpuMicros(child.pid!), stop });
    });
  });
}

/**
 * CPU time a process has used so far, in µs: the sum over its threads of `/proc/<pid>/task/<tid>/schedstat`
 * (nanoseconds on CPU), or undefined where `/proc` has no such file.
 */
export function processCpuMicros(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]);
      } catch {
        // the thread ended meanwhile
      }
    }
    return Number.isFinite(ns) ? ns / 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** How much load one measurement applies. */
export interface LoadOptions {
  /** At most this many requests. */
  requests: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Length of the measured window, in ms; no request is issued after it closes. */
  maxMs: number;
  /**
   * Ramp-up before the window opens, in ms: the window opens at the first completion after `rampMs` and
   * after `concurrency` completions, so that it sees the steady state (default 0: it opens at once).
   */
  rampMs?: number;
}

/** What one measurement found, over its window. */
export interface LoadResult {
  /** Requests completed in the window. */
  requests: number;
  /** Requests that failed, in the whole run. */
  errors: number;
  firstError: unknown;
  elapsedMs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Client process CPU (user + system, all threads) per request, in µs. */
  cpuMicrosPerRequest: number;
  /** Server process CPU per request, in µs, when it can be read. */
  serverCpuMicrosPerRequest: number | undefined;
  /** Each request's latency in ms, sorted. */
  latencies: Float64Array;
  /** Client process CPU, µs, over the window. */
  cpuMicros: number;
  /** Server process CPU, µs, over the window, when it can be read. */
  serverCpuMicros: number | undefined;
}

/**
 * Runs `fn` at most `requests` times with `concurrency` calls in flight and measures, over a window of
 * `maxMs` (after `rampMs` of ramp-up), throughput, latency percentiles and CPU per request of this process
 * (and of `server`). Requests still in flight when the window closes finish but are not counted.
 */
export async function runLoad(fn: () => Promise<unknown>, options: LoadOptions, server?: ServerProcess): Promise<LoadResult> {
  const { requests, concurrency, maxMs } = options;
  const rampMs = options.rampMs ?? 0;
  const latencies = new Float64Array(requests);
  let issued = 0;
  let completed = 0;
  let counted = 0;
  let errors = 0;
  let firstError: unknown;
  const t0 = performance.now();
  let opened = false;
  let closed = false;
  let openedAt = 0;
  let closedAt = 0;
  let cpuOpen = process.cpuUsage();
  let cpuClosed = cpuOpen;
  let serverOpen: number | undefined;
  let serverClosed: number | undefined;
  const open = (now: number): void => {
    opened = true;
    openedAt = now;
    cpuOpen = process.cpuUsage();
    serverOpen = server?.cpuMicros();
  };
  const close = (now: number): void => {
    closed = true;
    closedAt = now;
    cpuClosed = process.cpuUsage();
    serverClosed = server?.cpuMicros();
  };
  if (rampMs <= 0) open(t0);

  const worker = async (): Promise<void> => {
    while (issued < requests && !closed) {
      issued++;
      const start = performance.now();
      try {
        await fn();
      } catch (error) {
        errors++;
        firstError ??= error;
      }
      const end = performance.now();
      completed++;
      if (closed) continue;
      if (opened) {
        latencies[counted++] = end - start;
        if (end - openedAt >= maxMs) close(end);
      } else if (end - t0 >= rampMs && completed >= concurrency) {
        open(end);
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < concurrency; i++) workers.push(worker());
  await Promise.all(workers);
  if (!opened) open(t0);
  if (!closed) close(performance.now());

  const cpu = cpuClosed.user - cpuOpen.user + (cpuClosed.system - cpuOpen.system);
  const serverCpu = serverOpen === undefined || serverClosed === undefined ? undefined : serverClosed - serverOpen;
  return summarize(counted, errors, firstError, closedAt - openedAt, latencies.slice(0, counted).sort(), cpu, serverCpu);
}

/**
 * Merges measurements of the same thing taken in slices (interleaved with other clients' slices, so that
 * each sees the same machine): requests/s and CPU per request are the median over the slices, which a
 * burst of other load on the machine during one slice does not move; percentiles are over every latency.
 */
export function mergeLoadResults(parts: readonly LoadResult[]): LoadResult {
  let requests = 0;
  let errors = 0;
  let firstError: unknown;
  let elapsedMs = 0;
  for (const p of parts) {
    requests += p.requests;
    errors += p.errors;
    firstError ??= p.firstError;
    elapsedMs += p.elapsedMs;
  }
  const latencies = new Float64Array(requests);
  let at = 0;
  for (const p of parts) {
    latencies.set(p.latencies, at);
    at += p.latencies.length;
  }
  latencies.sort();
  const serverCpu = parts.every((p) => p.serverCpuMicrosPerRequest !== undefined)
    ? median(parts.map((p) => p.serverCpuMicrosPerRequest!))
    : undefined;
  const cpuPerRequest = median(parts.map((p) => p.cpuMicrosPerRequest));
  return {
    requests,
    errors,
    firstError,
    elapsedMs,
    requestsPerSecond: median(parts.map((p) => p.requestsPerSecond)),
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    cpuMicrosPerRequest: cpuPerRequest,
    serverCpuMicrosPerRequest: serverCpu,
    latencies,
    cpuMicros: cpuPerRequest * requests,
    serverCpuMicros: serverCpu === undefined ? undefined : serverCpu * requests,
  };
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summarize(
  requests: number,
  errors: number,
  firstError: unknown,
  elapsedMs: number,
  latencies: Float64Array,
  cpuMicros: number,
  serverCpuMicros: number | undefined,
): LoadResult {
  return {
    requests,
    errors,
    firstError,
    elapsedMs,
    requestsPerSecond: (requests * 1000) / elapsedMs,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    cpuMicrosPerRequest: cpuMicros / Math.max(1, requests),
    serverCpuMicrosPerRequest: serverCpuMicros === undefined ? undefined : serverCpuMicros / Math.max(1, requests),
    latencies,
    cpuMicros,
    serverCpuMicros,
  };
}

/** Linear interpolation between closest ranks (numpy's default) over sorted values. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = q * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

let gc: (() => void) | undefined;

/** Collects garbage (between measurements, so that one client's garbage is not collected on another's time). */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** Column alignment in {@link formatTable}. */
export type Align = 'left' | 'right';

/** Formats rows as a plain-text table with aligned columns and a rule under the header. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align?: readonly Align[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => ((align?.[i] ?? (i === 0 ? 'left' : 'right')) === 'left' ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A number with a fixed count of decimals, or `-` when undefined or not finite. */
export function fixed(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** A ratio as `0.93x`. */
export function ratio(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || !(base > 0)) return '-';
  return `${(value / base).toFixed(2)}x`;
}

/** A one-line description of the machine: CPU model, cores, node version, platform. */
export function machineDescription(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${model}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, ${process.platform}-${process.arch}`;
}

/** The 1-minute load average, to tell a quiet machine from a busy one. */
export function loadAverage(): string {
  return loadavg()[0]!.toFixed(2);
}
