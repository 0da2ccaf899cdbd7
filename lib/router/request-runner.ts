import { withMaxRetries } from '../config/resolve-retry.js';
import { AbortError, BadRequestError, type LlmRouterError, NoProviderAvailableError } from '../errors/llm-router-error.js';
import type { RouteSkipReason } from '../events/router-event.js';
import { sleep } from '../util/sleep.js';
import { Attempt, type AttemptHost } from './attempt.js';
import { AttemptController } from './attempt-controller.js';
import type { DeadlineQueue } from './deadline-queue.js';
import type { OperationSpec, RoutedRequest } from './operations.js';
import { attemptStarted, skipReason } from './provider-slot.js';
import type { Reporter } from './reporter.js';
import { newRequestId } from './request-id.js';
import { RequestRun, type Target } from './request-run.js';
import { allowsFallback, isRetryable, retryDelay } from './retry-policy.js';
import type { RoutedStream } from './routed-stream.js';
import type { TargetResolver } from './targets.js';

/** The candidates skipped for a request, and why. */
type Skipped = Array<{ target: Target; reason: RouteSkipReason }>;

/**
 * Runs requests: validation, candidates in strategy order, then for each candidate its attempts with
 * retries and backoff, falling back to the next on a provider's fault. Ends each request exactly once.
 */
export class RequestRunner implements AttemptHost {
  readonly openStreams = new Set<RoutedStream>();
  closed = false;

  constructor(
    readonly reporter: Reporter,
    readonly clock: () => number,
    private readonly targets: TargetResolver,
    private readonly deadlines: DeadlineQueue,
  ) {}

  /** Runs one request; every failure is a rejection, never a synchronous throw. */
  execute<Req extends RoutedRequest, Answer, Result>(op: OperationSpec<Req, Answer, Result>, request: Req): Promise<Result> {
    let run: RequestRun;
    let targets: Target[];
    try {
      op.validate(request);
      if (this.closed) throw new BadRequestError('Invalid request: the router is closed');
      const requestId = newRequestId();
      targets = op.candidates(this.targets.resolve(request.model, requestId), requestId);
      const first = targets[0]!;
      const requestedModel = request.model ?? first.slot.provider.config.defaultModel ?? first.model;
      run = new RequestRun(requestId, op.operation, op.stream, performance.now(), request.metadata, request.model ?? null, requestedModel, op.messages(request));
      this.reporter.requestStarted(run, targets);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.loop(op, request, run, targets).catch((error: LlmRouterError) => {
      this.reporter.requestEnded(run, error, null);
      throw error;
    });
  }

  private async loop<Req extends RoutedRequest, Answer, Result>(
    op: OperationSpec<Req, Answer, Result>,
    request: Req,
    run: RequestRun,
    targets: Target[],
  ): Promise<Result> {
    const { signal } = request;
    let skipped: Skipped | undefined;
    let previous: { target: Target; error: LlmRouterError } | undefined;
    for (let ti = 0; ti < targets.length; ti++) {
      const target = targets[ti]!;
      const { slot } = target;
      const policy = withMaxRetries(slot.provider.config.retry, request.maxRetries);
      for (let retry = 0; ; retry++) {
        const reason = skipReason(slot);
        if (reason !== null) {
          (skipped ??= []).push({ target, reason });
          break;
        }
        if (previous !== undefined && previous.target !== target && retry === 0) this.reporter.fallback(run, previous.target, target, previous.error);
        const attempt = this.begin(run, target, request);
        let error: LlmRouterError;
        try {
          const answer = await op.call(slot.provider, request, attempt.controller);
          return op.deliver(answer, attempt);
        } catch (e) {
          error = attempt.failed(e);
        }
        run.errors.push(error);
        previous = { target, error };
        if (!allowsFallback(error)) throw error;
        if (retry >= policy.maxRetries || !isRetryable(error, policy)) break;
        const delay = retryDelay(policy, retry, error.retryAfterMs);
        if (delay === undefined) break;
        this.reporter.retry(run, target, attempt.number, delay, error);
        const asleep = performance.now();
        try {
          await sleep(delay, signal);
        } catch (cause) {
          throw new AbortError('request aborted by the caller', { provider: slot.provider.name, requestId: run.requestId, cause });
        } finally {
          run.sleptMs += performance.now() - asleep;
        }
      }
    }
    throw this.exhausted(run, previous?.error, skipped);
  }

  /** Starts an attempt on `target`: its controller (timeout, caller's signal), in-flight count and event. */
  private begin(run: RequestRun, target: Target, request: RoutedRequest): Attempt {
    const { slot } = target;
    const number = ++run.attempts;
    run.last = target;
    const t0 = performance.now();
    const limit = request.timeoutMs ?? slot.provider.config.timeoutMs;
    const controller = new AttemptController(slot.provider.name, run.requestId, target.model, limit, request.signal, this.deadlines, t0);
    controller.headers = request.headers;
    attemptStarted(slot);
    this.reporter.attemptStarted(run, target, number);
    return new Attempt(this, run, target, number, controller, t0);
  }

  /** The error once every candidate failed or was skipped: a lone provider's own error, else `NoProviderAvailableError`. */
  private exhausted(run: RequestRun, last: LlmRouterError | undefined, skipped: Skipped | undefined): LlmRouterError {
    const tried = new Set(run.errors.map((e) => e.provider));
    if (tried.size === 1 && skipped === undefined && last !== undefined) return last;
    const parts = run.errors.map((e) => `${e.provider ?? '?'}: ${e.name}${e.statusCode === undefined ? '' : ` ${e.statusCode}`}`);
    if (skipped !== undefined) parts.push(`cooling down: ${[...new Set(skipped.map((s) => s.target.slot.provider.name))].join(', ')}`);
    return new NoProviderAvailableError(`No provider available (${parts.join('; ')})`, run.errors, {
      requestId: run.requestId,
      provider: last?.provider,
      statusCode: last?.statusCode,
      retryAfterMs: last?.retryAfterMs,
      cause: last,
    });
  }

  /** Ends every stream still open (recorded as abandoned). */
  abandonOpenStreams(): void {
    for (const stream of [...this.openStreams]) stream.abort();
  }
}
