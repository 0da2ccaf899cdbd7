import type { RouterEvent } from '../../../lib/events/router-event.js';
import type { RecordRequestInput } from '../../../lib/metrics/request-metrics.js';
import type { Usage } from '../../../lib/types/chat.js';
import { T0 } from './events.js';

/** Where random traffic draws its label values from. */
export interface TrafficShape {
  readonly providers: readonly string[];
  readonly models: readonly string[];
  /** Values of the `team` metadata label (a request has none half of the time). */
  readonly teams: readonly string[];
}

/** Label values with quotes, backslashes, newlines and non-ASCII text among plain ones. */
export const AWKWARD_SHAPE: TrafficShape = {
  providers: ['p0', 'p1', 'p2', 'p-ü', 'p4'],
  models: ['m-a', 'm-b', 'qwen-中文-é', 'claude "3.5"\\sonnet', 'o1', 'x\ny'],
  teams: ['search', 'chat', 'ä"\\', ''],
};

/** Draws traffic from a seeded generator (`seededRandom`), so that a failure replays. */
export class RandomTraffic {
  private next = 0;

  constructor(
    private readonly random: () => number,
    private readonly shape: TrafficShape = AWKWARD_SHAPE,
  ) {}

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.random() * values.length)]!;
  }

  /** A latency in ms: zero, small whole numbers, tiny and huge values, and ordinary ones. */
  latency(): number {
    const r = this.random();
    if (r < 0.1) return 0;
    if (r < 0.2) return Math.floor(this.random() * 10);
    if (r < 0.3) return 1e-7 * this.random();
    if (r < 0.4) return 9999.5 + this.random();
    if (r < 0.45) return 1e21 * this.random();
    return Math.round(this.random() * 120_000) / 7;
  }

  /** One attempt recorded through `recordRequest`, with every optional field now and then. */
  record(timestamp: number): RecordRequestInput {
    const random = this.random;
    const success = random() < 0.75;
    const stream = random() < 0.3;
    return {
      provider: this.pick(this.shape.providers),
      model: this.pick(this.shape.models),
      latencyMs: this.latency(),
      success,
      statusCode: success ? 200 : this.pick([429, 500, 503, null]),
      errorType: success ? null : this.pick(['RateLimitError', 'TimeoutError', 'Error\n"x"']),
      promptTokens: random() < 0.9 ? Math.floor(random() * 900) : null,
      completionTokens: success ? Math.floor(random() * 900) : null,
      stream,
      ttftMs: stream && random() < 0.8 ? this.latency() : null,
      requestId: random() < 0.9 ? `rec-${this.next++}` : null,
      cachedPromptTokens: random() < 0.3 ? Math.floor(random() * 50) : null,
      cacheWriteTokens: random() < 0.2 ? Math.floor(random() * 50) : null,
      reasoningTokens: random() < 0.3 ? Math.floor(random() * 50) : null,
      costUsd: random() < 0.6 ? random() / 997 : null,
      metadata: random() < 0.5 ? { team: this.pick(this.shape.teams) } : null,
      timestamp,
    };
  }

  /**
   * The events of one routed request, as a router emits them: `request.start`, one to three attempts (a retry
   * or a fallback between two), then `request.end`. Usage with token details, costs and rate-limit headers
   * now and then.
   */
  request(timestamp: number): RouterEvent[] {
    const random = this.random;
    const requestId = `req-${this.next++}`;
    const provider = this.pick(this.shape.providers);
    const model = this.pick(this.shape.models);
    const success = random() < 0.75;
    const stream = random() < 0.3;
    const metadata = random() < 0.5 ? { team: this.pick(this.shape.teams) } : undefined;
    const usage = success && random() < 0.9 ? this.usage() : null;
    const attempts = 1 + Math.floor(random() * 3);
    const events: RouterEvent[] = [{ type: 'request.start', requestId, timestamp, operation: 'chat', model, stream, candidates: [provider], messages: undefined, metadata }];
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const ok = attempt === attempts && success;
      events.push({ type: 'attempt.start', requestId, timestamp, operation: 'chat', provider, model, attempt, stream, providerType: 'openai', serverAddress: null, serverPort: null, metadata });
      events.push({
        type: 'attempt.end',
        requestId,
        timestamp,
        operation: 'chat',
        provider,
        model,
        attempt,
        success: ok,
        latencyMs: this.latency(),
        statusCode: ok ? 200 : this.pick([429, 503, null]),
        errorType: ok ? null : this.pick(['RateLimitError', 'ProviderError']),
        usage: ok ? usage : null,
        stream,
        ttftMs: stream && random() < 0.7 ? this.latency() : null,
        finishReason: ok ? 'stop' : null,
        abandoned: stream && random() < 0.1,
        providerType: 'openai',
        costUsd: ok && random() < 0.7 ? random() / 331 : null,
        rateLimit:
          random() < 0.3
            ? { remainingRequests: random() < 0.7 ? Math.floor(random() * 1000) : null, remainingTokens: random() < 0.7 ? Math.floor(random() * 1e6) : null }
            : null,
        responseId: null,
        responseModel: null,
        choices: null,
        metadata,
      });
      if (attempt === attempts) break;
      events.push(
        random() < 0.5
          ? { type: 'request.retry', requestId, timestamp, provider, model, attempt, delayMs: 5, errorType: 'RateLimitError', statusCode: 429, metadata }
          : { type: 'request.fallback', requestId, timestamp, fromProvider: provider, toProvider: this.pick(this.shape.providers), errorType: 'ProviderError', statusCode: 503, metadata },
      );
    }
    events.push({
      type: 'request.end',
      requestId,
      timestamp,
      operation: 'chat',
      success,
      provider: random() < 0.9 ? provider : null,
      model: random() < 0.9 ? model : null,
      latencyMs: this.latency(),
      attempts,
      errorType: success ? null : this.pick(['NoProviderAvailableError', 'TimeoutError']),
      usage: success ? usage : null,
      stream,
      requestedModel: random() < 0.7 ? model : null,
      statusCode: success ? null : this.pick([503, 429, null]),
      overheadMs: random() * 3,
      costUsd: success && random() < 0.6 ? random() / 113 : null,
      metadata,
    });
    return events;
  }

  /** A circuit state change of one of the providers. */
  providerState(): RouterEvent {
    return { type: 'provider.state', requestId: '', timestamp: T0, provider: this.pick(this.shape.providers), state: this.pick(['closed', 'open', 'half_open'] as const), previousState: 'closed', reason: 'random' };
  }

  private usage(): Usage {
    const random = this.random;
    const usage: Usage = { promptTokens: Math.floor(random() * 900), completionTokens: Math.floor(random() * 900), totalTokens: 0 };
    usage.totalTokens = usage.promptTokens + usage.completionTokens;
    if (random() < 0.3) usage.promptTokensDetails = random() < 0.5 ? { cachedTokens: Math.floor(random() * 40), cacheWriteTokens: Math.floor(random() * 9) } : { cachedTokens: Math.floor(random() * 40) };
    if (random() < 0.3) usage.completionTokensDetails = { reasoningTokens: Math.floor(random() * 40) };
    return usage;
  }
}
