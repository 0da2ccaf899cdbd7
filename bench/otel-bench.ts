/**
 * OpenTelemetry benchmark: the CPU time `instrumentOpenTelemetry` adds to a request, measured with
 * `process.cpuUsage()` over N requests to a router on the in-process mock provider (no network), with the
 * subscriber off, on with no SDK registered (the API's no-op providers: the subscriber's own work), on with
 * the SDK's metrics only (a MeterProvider aggregating in memory), and on with metrics and traces (plus a
 * BasicTracerProvider batching spans to an exporter that drops them: what production pays before the
 * export itself). Target: <= 10 µs added per
 * request. Bounded: about half a minute.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/otel-bench.js [requests per round]
 */
import type { Subscription } from 'rxjs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { LlmRouter, type ChatCompletionRequest } from '../lib/index.js';
import { instrumentOpenTelemetry } from '../lib/opentelemetry/index.js';
import { fixed, formatTable, loadAverage, machineDescription, median } from './bench-kit.js';

const REQUESTS = Number(process.argv[2] ?? 20_000);
const ROUNDS = 5;
/** Requests in flight at once. */
const CONCURRENCY = 16;
const TARGET_MICROS = 10;

class DroppingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

type Mode = 'off' | 'on, no SDK' | 'on, SDK metrics' | 'on, SDK';

const router = new LlmRouter({
  providers: [{ providerType: 'mock', defaultModel: 'mock-model', mock: { completionTokens: 16 } }],
  metricsEnabled: false,
  circuitBreaker: false,
});
const meterProvider = new MeterProvider();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DroppingExporter())] });

function subscribe(mode: Mode): Subscription | undefined {
  if (mode === 'off') return undefined;
  if (mode === 'on, no SDK') return instrumentOpenTelemetry(router);
  if (mode === 'on, SDK metrics') return instrumentOpenTelemetry(router, { meterProvider });
  return instrumentOpenTelemetry(router, { meterProvider, tracerProvider });
}

async function load(request: ChatCompletionRequest, requests: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < requests) {
      const answer = await router.chat.completions.create(request);
      if ('choices' in answer) continue;
      for await (const _ of answer);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** CPU µs per request of one round. */
async function round(mode: Mode, request: ChatCompletionRequest): Promise<number> {
  const subscription = subscribe(mode);
  try {
    await load(request, 500);
    const start = process.cpuUsage();
    await load(request, REQUESTS);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / REQUESTS;
  } finally {
    subscription?.unsubscribe();
  }
}

const MODES: Mode[] = ['off', 'on, no SDK', 'on, SDK metrics', 'on, SDK'];
const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];
const requests: Array<[string, ChatCompletionRequest]> = [
  ['chat', { messages }],
  ['stream', { messages, stream: true }],
];

console.log(`OpenTelemetry subscriber: CPU per request, ${REQUESTS} requests x ${ROUNDS} rounds per mode (medians), ${CONCURRENCY} in flight`);
console.log(`${machineDescription()}; ${loadAverage()}`);
const rows: string[][] = [];
for (const [kind, request] of requests) {
  const samples = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  for (let r = 0; r < ROUNDS; r++) for (const mode of MODES) samples.get(mode)!.push(await round(mode, request));
  const off = median(samples.get('off')!);
  for (const mode of MODES) {
    const perRequest = median(samples.get(mode)!);
    const added = perRequest - off;
    rows.push([kind, mode, fixed(perRequest, 1), mode === 'off' ? '' : fixed(added, 1), mode === 'off' ? '' : added <= TARGET_MICROS ? 'yes' : 'NO']);
  }
}
console.log(formatTable(['request', 'subscriber', 'CPU µs/request', `added µs (target <= ${TARGET_MICROS})`, 'met'], rows));
await router.close();
await tracerProvider.shutdown();
await meterProvider.shutdown();
