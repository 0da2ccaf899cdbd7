import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RoutingStrategy } from '../../lib/config/index.js';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { LlmRouter } from '../../lib/index.js';
import type { Logger } from '../../lib/logging/logger.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import type { AttemptEndEvent } from '../../lib/events/router-event.js';
import { seededRandom } from '../../lib/util/seeded-random.js';
import { FORMATS, KEYS, keyOf } from '../providers/wire-formats.js';
import { failsAttempt, randomFault } from '../support/random-faults.js';

// Everything at once: four providers (one per wire format) behind retries, fallbacks and a circuit
// breaker that opens and closes; random faults queued on the server (errors, timeouts, hangs, resets, cut,
// malformed and erroring streams); a few hundred overlapping requests, some aborted by the caller and some
// streams left after a chunk or two; the server pauses between stream events (but in the first case), so
// that readers wait when a fault strikes. Whatever the outcomes, each attempt must end as its fault says
// (failed under an error, a timeout, a reset or a broken stream; answered without one, unless its caller
// aborted or left it), and the accounting must balance: one `request.end` per call, one `attempt.end` per
// `attempt.start`, each counted once in every family, nothing left in flight, and no key anywhere in what
// the router gives out.

const REQUESTS = 200;

function sumOf(text: string, family: RegExp): number {
  let total = 0;
  for (const line of text.split('\n')) if (family.test(line)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

/** An error's text, its own fields and its causes, as anything that logs or serialises it could show. */
function errorText(error: unknown, depth = 0): string {
  if (error == null || depth > 5) return '';
  if (!(error instanceof Error)) return JSON.stringify(error) ?? String(error);
  return `${error.name} ${error.message} ${error.stack} ${JSON.stringify(error)} ${errorText(error.cause, depth + 1)}`;
}

describe('chaos: random faults under retries, fallbacks, the circuit breaker and cancellations', () => {
  let server: MockProviderServer;
  before(async () => {
    server = await MockProviderServer.start({ maxLoggedRequests: 10_000, chunkCount: 6 });
  });
  after(() => server.close());

  const cases: Array<[number, RoutingStrategy, number]> = [
    [1, 'fallback', 0],
    [2, 'round-robin', 2],
    [3, 'least-busy', 3],
  ];
  for (const [seed, strategy, chunkDelayMs] of cases) {
    test(`seed ${seed}, ${strategy}, ${chunkDelayMs} ms between stream events: each attempt ends as its fault says, every call ends once, every attempt is counted once, nothing in flight, no key given out`, async () => {
      server.reset();
      server.configure({ chunkDelayMs });
      const random = seededRandom(seed);
      const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
      const logged: unknown[][] = [];
      const log = (...args: unknown[]): void => void logged.push(args);
      const logger: Logger = { debug: log, info: log, warn: log, error: log };
      const collector = new MetricsCollector({ metadataLabels: ['team'] });
      const router = new LlmRouter({
        providers: FORMATS.map((f) => ({ ...f.config(server.url, keyOf(f.format)), name: f.format, timeoutMs: 400 })),
        strategy,
        retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 10 },
        circuitBreaker: { failureThreshold: 3, cooldownMs: 200 },
        metricsCollector: collector,
        logger,
      });
      const events: RouterEvent[] = [];
      const subscription = router.events$.subscribe((e) => events.push(e));
      const errors: unknown[] = [];
      /** Per call: whether its caller aborted it. */
      const aborted = new Map<string, () => boolean>();
      let answered = 0;
      try {
        const call = async (i: number): Promise<void> => {
          await new Promise((resolve) => setTimeout(resolve, random() * 1500));
          if (random() < 0.5) server.enqueueFault(randomFault(random), { times: 1 + Math.floor(random() * 2) });
          const stream = random() < 0.5;
          const controller = random() < 0.15 ? new AbortController() : undefined;
          if (controller !== undefined) setTimeout(() => controller.abort(), random() * 300);
          const leaveAfter = stream && random() < 0.15 ? Math.floor(random() * 3) : -1;
          const call = String(i);
          aborted.set(call, () => controller?.signal.aborted === true);
          const request = {
            messages: [{ role: 'user' as const, content: `hello number ${i} a b c d e` }],
            signal: controller?.signal,
            // The call's number goes to the server in a header and stays on its events as metadata.
            headers: { 'x-chaos-call': call },
            metadata: (random() < 0.5 ? { team: pick(['x', 'y']), call } : { call }) as Record<string, string>,
          };
          try {
            if (stream) {
              let k = 0;
              for await (const _ of await router.chat.completions.create({ ...request, stream: true })) if (k++ === leaveAfter) break;
            } else {
              await router.chat.completions.create(request);
            }
            answered++;
          } catch (error) {
            errors.push(error);
          }
        };
        await Promise.all(Array.from({ length: REQUESTS }, (_, i) => call(i)));
        const text = await collector.exportMetricsPrometheus();

        const count = (type: RouterEvent['type']): RouterEvent[] => events.filter((e) => e.type === type);
        const attemptStarts = count('attempt.start');
        const attemptEnds = count('attempt.end');
        const requestEnds = count('request.end');
        assert.equal(answered + errors.length, REQUESTS);
        assert.equal(count('request.start').length, REQUESTS);
        assert.equal(requestEnds.length, REQUESTS, 'one request.end per call');
        assert.equal(new Set(requestEnds.map((e) => e.requestId)).size, REQUESTS);
        assert.ok(errors.length > 0 && answered > 0, `${answered} answered, ${errors.length} failed: both outcomes occur`);

        const unmatched = new Map<string, number>();
        const attemptKey = (e: RouterEvent): string => (e.type === 'attempt.start' || e.type === 'attempt.end' ? `${e.requestId}#${e.attempt}#${e.provider}` : '');
        for (const e of attemptStarts) unmatched.set(attemptKey(e), (unmatched.get(attemptKey(e)) ?? 0) + 1);
        for (const e of attemptEnds) unmatched.set(attemptKey(e), (unmatched.get(attemptKey(e)) ?? 0) - 1);
        assert.deepEqual([...unmatched].filter(([, n]) => n !== 0), [], 'each attempt.start has its attempt.end');
        const attemptsOf = new Map<string, number>();
        for (const e of attemptEnds) attemptsOf.set(e.requestId, (attemptsOf.get(e.requestId) ?? 0) + 1);
        for (const e of requestEnds) if (e.type === 'request.end') assert.equal(e.attempts, attemptsOf.get(e.requestId) ?? 0, `attempts of ${e.requestId}`);

        const served = server.requests.filter((r) => r.endpoint === 'chat' || r.endpoint === 'stream');
        assert.ok(served.length <= attemptEnds.length, `the server saw ${served.length} requests, the router made ${attemptEnds.length} attempts`);
        // The server's requests of a call are its attempts, in order: each must have ended as its fault says.
        const attemptsOfCall = new Map<string, AttemptEndEvent[]>();
        for (const e of attemptEnds) {
          if (e.type !== 'attempt.end') continue;
          const list = attemptsOfCall.get(e.metadata!.call!) ?? [];
          list.push(e);
          attemptsOfCall.set(e.metadata!.call!, list);
        }
        const servedOfCall = new Map<string, number>();
        for (const r of served) servedOfCall.set(String(r.headers['x-chaos-call']), (servedOfCall.get(String(r.headers['x-chaos-call'])) ?? 0) + 1);
        const seenOfCall = new Map<string, number>();
        const wrong: string[] = [];
        for (const r of served) {
          const call = String(r.headers['x-chaos-call']);
          // An attempt can fail before the server reads it (a pooled connection the server had just reset):
          // then the server's requests no longer line up with the attempts, and the call is not checked here.
          if (servedOfCall.get(call) !== (attemptsOfCall.get(call)?.length ?? 0)) continue;
          const k = seenOfCall.get(call) ?? 0;
          seenOfCall.set(call, k + 1);
          const e = attemptsOfCall.get(call)?.[k];
          if (e === undefined) {
            wrong.push(`call ${call}: the server saw attempt ${k + 1}, the router reported none`);
            continue;
          }
          const fault = r.fault;
          if (failsAttempt(fault) && e.success && !e.abandoned) wrong.push(`call ${call} attempt ${k + 1}: ${JSON.stringify(fault)}, yet answered`);
          // A fault-free attempt may still time out on a loaded machine; then it did take the 400 ms.
          const timedOut = e.errorType === 'TimeoutError' && e.latencyMs >= 390;
          if (!failsAttempt(fault) && !e.success && !timedOut && e.errorType !== 'AbortError' && !aborted.get(call)!()) wrong.push(`call ${call} attempt ${k + 1}: ${JSON.stringify(fault ?? null)}, yet ${e.errorType}`);
        }
        assert.deepEqual(wrong, []);
        assert.equal(sumOf(text, /^llm_router_requests_total\{/), attemptEnds.length);
        assert.equal(sumOf(text, /^llm_router_request_duration_seconds_count\{/), attemptEnds.length);
        assert.equal(
          collector.getAggregatedMetrics().reduce((n, a) => n + a.totalRequests, 0),
          attemptEnds.length,
        );
        assert.equal(sumOf(text, /^llm_router_routed_requests_total\{/), REQUESTS);
        assert.equal(sumOf(text, /^llm_router_routed_request_duration_seconds_count\{/), REQUESTS);
        assert.equal(sumOf(text, /^llm_router_retries_total\{/), count('request.retry').length);
        assert.equal(sumOf(text, /^llm_router_fallbacks_total\{/), count('request.fallback').length);
        assert.equal(sumOf(text, /^llm_router_requests_in_flight\{/), 0);

        const given = [
          text,
          JSON.stringify(events.map((e) => (e.type === 'attempt.end' ? { ...e, choices: null } : e))),
          errors.map((e) => errorText(e)).join('\n'),
          logged.map((args) => args.map((a) => (a instanceof Error ? errorText(a) : JSON.stringify(a))).join(' ')).join('\n'),
          JSON.stringify(collector.getAggregatedMetrics()),
        ].join('\n');
        for (const [name, key] of Object.entries(KEYS)) assert.equal(given.includes(key.slice(0, 16)), false, `the ${name} key (or its first 16 characters) was given out`);
      } finally {
        subscription.unsubscribe();
        await router.close();
        collector.close();
      }
    });
  }
});
