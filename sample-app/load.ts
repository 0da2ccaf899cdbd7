import { parseArgs } from 'node:util';
import { formatProgress, runLoad, type LoadProgress } from './load/load-generator.js';

const HELP = `npm run load -- [url] [options]   drives a running sample app, then stops by itself

  url                      base URL of the sample app (env LOAD_URL; default http://127.0.0.1:3000)
  -c, --concurrency <n>    requests in flight (env LOAD_CONCURRENCY; default 8)
  -d, --duration <s>       run for this many seconds (env LOAD_DURATION; default 30 unless --count)
  -n, --count <n>          stop after this many requests (env LOAD_COUNT)
      --stream-ratio <r>   share of streaming requests (default 0.35)
      --bad-ratio <r>      share of deliberately bad requests (default 0.04)
  -h, --help`;

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0, got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      concurrency: { type: 'string', short: 'c' },
      duration: { type: 'string', short: 'd' },
      count: { type: 'string', short: 'n' },
      'stream-ratio': { type: 'string' },
      'bad-ratio': { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const env = process.env;
  const url = positionals[0] ?? values.url ?? env.LOAD_URL ?? 'http://127.0.0.1:3000';
  const duration = number(values.duration ?? env.LOAD_DURATION, 'duration');
  const count = number(values.count ?? env.LOAD_COUNT, 'count');
  const tty = process.stdout.isTTY === true;
  let lastPrint = 0;
  const onProgress = (p: LoadProgress): void => {
    if (tty) process.stdout.write(`\r\x1b[2K${formatProgress(p)}`);
    else if (p.elapsedMs - lastPrint >= 2_000) {
      lastPrint = p.elapsedMs;
      console.log(formatProgress(p));
    }
  };
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  console.log(`load: ${url} (concurrency ${values.concurrency ?? env.LOAD_CONCURRENCY ?? 8}, ${count !== undefined ? `${count} requests` : `${duration ?? 30} s`}); Ctrl-C stops early`);
  const result = await runLoad({
    url,
    concurrency: number(values.concurrency ?? env.LOAD_CONCURRENCY, 'concurrency'),
    durationMs: duration === undefined ? undefined : duration * 1000,
    count,
    streamRatio: number(values['stream-ratio'], 'stream-ratio'),
    badRatio: number(values['bad-ratio'], 'bad-ratio'),
    onProgress,
    signal: stop.signal,
  });
  if (tty) process.stdout.write('\n');
  else console.log(formatProgress(result));
  const ms = (v: number | null): string => (v === null ? '-' : `${v.toFixed(1)} ms`);
  console.log(`done: latency p50 ${ms(result.p50Ms)}, p95 ${ms(result.p95Ms)}; by status ${JSON.stringify(result.byStatus)}`);
  if (result.requests > 0 && result.networkErrors === result.requests) {
    console.error(`load: ${url} did not answer; is the sample app running (npm start)?`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`load: ${error instanceof Error ? error.message : String(error)}${(error as { code?: string }).code === 'ECONNREFUSED' ? ' (is the sample app running? npm start)' : ''}`);
    process.exit(1);
  },
);
