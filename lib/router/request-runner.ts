import { withMaxRetries } from '../config/resolve-retry.js';
import { AbortError, BadRequestError, type LlmRouterError, NoProviderAvailableError } from '../errors/llm-router-error.js';
import type { RouteSkipReason } from '../events/router-event.js';
import { sleep } from '../util/sleep.js';
import { Attempt, type AttemptHost } from './attempt.js';
import { AttemptController } from './attempt-controller.js';
import type { DeadlineQueue } from './deadline-queue.js';
import type { OperationSpec, RoutedRequest } from './operations.js';
import { attemptStarted } from './provider-slot.js';
import type { Reporter } from './reporter.js';
import { newRequestId } from './request-id.js';
import type { Target } from './request-run.js';
import { allowsFallback, isRetryable, retryDelay } from './retry-policy.js';
import type { RoutedStream } from './routed-stream.js';
import { RoutedRun } from './routing/routed-run.js';
import type { RoutingRules } from './routing/routing-rules.js';
import { estimatePromptTokens } from './routing/token-estimate.js';
import type { RouteContext } from './strategies/routing-strategy.js';
import type { TargetResolver } from './targets.js';

/** The candidates skipped for a request, and why. */
type Skipped = Array<{ target: Target; reason: RouteSkipReason }>;

/** Where `first` left a request: its first admission's answer (a refusal or a pending one), or its first attempt and what it threw. */
type FirstAttempt =
  | { reason: RouteSkipReason | Promise<RouteSkipReason | null>; attempt?: undefined; thrown?: undefined }
  | { reason?: undefined; attempt: Attempt; thrown: unknown };

/**
 * Runs requests: validation, the state read (one round trip with `sharedState`), candidates in
 * strategy order, then for each candidate its attempts with retries and backoff, falling back to the
 * next on a provider's fault. Ends each request exactly once.
 */
export class RequestRunner implements AttemptHost {
  readonly openStreams = new Set<RoutedStream>();
  closed = false;
  /** Reused by every routing decision (strategies run synchronously). */
  private readonly ctx: RouteContext = { now: 0, promptTokens: 0, maxTokens: undefined };

  constructor(
    readonly reporter: Reporter,
    readonly clock: () => number,
    private readonly targets: TargetResolver,
    private readonly deadlines: DeadlineQueue,
    private readonly rules: RoutingRules,
    /** Whether the strategy reads the token estimate (`lowest-cost`). */
    private readonly strategyNeedsTokens: boolean,
  ) {}

  /** Runs one request; every failure is a rejection, never a synchronous throw. */
  execute<Req extends RoutedRequest, Answer, Result>(op: OperationSpec<Req, Answer, Result>, request: Req): Promise<Result> {
    let requestId: string;
    let served: Target[];
    try {
      op.validate(request);
      if (this.closed) throw new BadRequestError('Invalid request: the router is closed');
      requestId = newRequestId();
      served = op.candidates(this.targets.serving(request.model, requestId), requestId, request);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.rules.refreshes) {
      const refreshed = this.rules.refresh(this.clock());
      if (refreshed !== undefined) return refreshed.then(() => this.route(op, request, requestId, served));
    }
    return this.route(op, request, requestId, served);
  }

  /** Orders the candidates, reports the route, and runs the attempts. */
  private route<Req extends RoutedRequest, Answer, Result>(op: OperationSpec<Req, Answer, Result>, request: Req, requestId: string, served: Target[]): Promise<Result> {
    let run: RoutedRun;
    let targets: readonly Target[];
    let now: number;
    try {
      now = this.clock();
      const maxTokens = (request as { maxTokens?: number }).maxTokens;
      const promptTokens = this.rules.countsTokens || this.strategyNeedsTokens ? estimatePromptTokens(request as Parameters<typeof estimatePromptTokens>[0]) : 0;
      const ctx = this.ctx;
      ctx.now = now;
      ctx.promptTokens = promptTokens;
      ctx.maxTokens = maxTokens;
      targets = this.targets.order(served, ctx);
      const first = targets[0]!;
      const requestedModel = request.model ?? first.slot.provider.config.defaultModel ?? first.model;
      run = new RoutedRun(requestId, op.operation, op.stream, performance.now(), request.metadata, request.model ?? null, requestedModel, op.messages(request));
      run.budgets = this.rules.budgets.forRequest(request.metadata);
      run.estimatedTokens = promptTokens + (maxTokens ?? 0);
      run.candidates = targets.length;
      this.reporter.requestStarted(run, targets);
      const reasons = this.rules.plan(run, targets, now);
      this.reporter.route(run, targets, reasons, this.targets);
      if (reasons !== undefined && reasons.every((r) => r === 'budget_exceeded')) {
        const error = this.exhausted(run, undefined, targets.map((target) => ({ target, reason: 'budget_exceeded' as const })));
        this.reporter.requestEnded(run, error, null);
        return Promise.reject(error);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.first(op, request, run, targets, now);
  }

  /**
   * The first attempt of a request, without an async frame: most requests are answered by it, and the
   * rest (a skip, a failure) go on in `loop`. Ends the request when its attempts fail for good.
   */
  private first<Req extends RoutedRequest, Answer, Result>(
    op: OperationSpec<Req, Answer, Result>,
    request: Req,
    run: RoutedRun,
    targets: readonly Target[],
    routedAt: number,
  ): Promise<Result> {
    let attempt: Attempt | undefined;
    try {
      const target = targets[0]!;
      if (request.signal?.aborted === true) throw abortedBefore(target, run);
      const reason = this.rules.admit(run, target, 0, routedAt);
      if (reason !== null) return this.loop(op, request, run, targets, routedAt, { reason });
      const started = (attempt = this.begin(run, target, request, routedAt));
      return Promise.resolve(op.call(target.slot.provider, request, started.controller)).then(
        (answer) => {
          try {
            return op.deliver(answer, started);
          } catch (thrown) {
            return this.loop(op, request, run, targets, routedAt, { attempt: started, thrown });
          }
        },
        (thrown: unknown) => this.loop(op, request, run, targets, routedAt, { attempt: started, thrown }),
      );
    } catch (thrown) {
      // With `attempt` set, the provider call threw at once; else admitting or starting the attempt did.
      if (attempt !== undefined) return this.loop(op, request, run, targets, routedAt, { attempt, thrown });
      this.reporter.requestEnded(run, thrown as LlmRouterError, null);
      return Promise.reject(thrown);
    }
  }

  /**
   * The attempts of a request, in candidate order, from where `first` left it (its first admission
   * refused or pending, or its first attempt failed); ends the request when they fail for good.
   */
  private async loop<Req extends RoutedRequest, Answer, Result>(
    op: OperationSpec<Req, Answer, Result>,
    request: Req,
    run: RoutedRun,
    targets: readonly Target[],
    /** The router clock at routing, for the first admission. */
    routedAt: number,
    resumed: FirstAttempt,
  ): Promise<Result> {
    try {
      const { signal } = request;
      let skipped: Skipped | undefined;
      let previous: { target: Target; error: LlmRouterError } | undefined;
      for (let ti = 0; ti < targets.length; ti++) {
        const target = targets[ti]!;
        const { slot } = target;
        const policy = withMaxRetries(slot.provider.config.retry, request.maxRetries);
        for (let retry = 0; ; retry++) {
          const resuming = ti === 0 && retry === 0;
          let attempt: Attempt;
          let error: LlmRouterError;
          if (resuming && resumed.attempt !== undefined) {
            attempt = resumed.attempt;
            error = attempt.failed(resumed.thrown);
          } else {
            if (signal?.aborted === true) throw abortedBefore(target, run);
            let now = resuming ? routedAt : this.clock();
            let reason = resuming ? resumed.reason! : this.rules.admit(run, target, retry, now);
            if (reason instanceof Promise) {
              reason = await reason;
              now = this.clock();
            }
            if (reason !== null) {
              (skipped ??= []).push({ target, reason });
              break;
            }
            if (previous !== undefined && previous.target !== target && retry === 0) this.reporter.fallback(run, previous.target, target, previous.error);
            attempt = this.begin(run, target, request, now);
            try {
              const answer = await op.call(slot.provider, request, attempt.controller);
              return op.deliver(answer, attempt);
            } catch (e) {
              error = attempt.failed(e);
            }
          }
          run.addError(error);
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
    } catch (error) {
      this.reporter.requestEnded(run, error as LlmRouterError, null);
      throw error;
    }
  }

  /** Starts an attempt on `target` at `now` (router clock): its controller (timeout, caller's signal), in-flight count and event. */
  private begin(run: RoutedRun, target: Target, request: RoutedRequest, now: number): Attempt {
    const { slot } = target;
    const number = ++run.attempts;
    run.last = target;
    const t0 = performance.now();
    const limit = request.timeoutMs ?? slot.provider.config.timeoutMs;
    const controller = new AttemptController(slot.provider.name, run.requestId, target.model, limit, request.signal, this.deadlines, t0);
    controller.headers = request.headers;
    attemptStarted(slot);
    this.reporter.attemptStarted(run, target, number, now);
    return new Attempt(this, run, target, number, controller, t0);
  }

  /**
   * The error once every candidate failed or was skipped: a lone provider's own error; a
   * `BudgetExceededError` when spent budgets are all that stopped it; else `NoProviderAvailableError`
   * with every attempt's error, then the last error of each candidate skipped without an attempt, and
   * `retryAfterMs` = the soonest any candidate is available again.
   */
  private exhausted(run: RoutedRun, last: LlmRouterError | undefined, skipped: Skipped | undefined): LlmRouterError {
    const tried = new Set(run.errors.map((e) => e.provider));
    if (tried.size === 1 && skipped === undefined && last !== undefined) return last;
    const now = this.clock();
    const rules = this.rules;
    if (run.errors.length === 0 && skipped !== undefined && skipped.every((s) => s.reason === 'budget_exceeded')) {
      let soonest: { s: Skipped[number]; ms: number } | undefined;
      for (const s of skipped) {
        const ms = rules.availableIn(run, s.target, s.reason, now) ?? Infinity;
        if (soonest === undefined || ms < soonest.ms) soonest = { s, ms };
      }
      return rules.skipError(run, soonest!.s.target, 'budget_exceeded', now);
    }
    const errors = [...run.errors];
    let retryAfterMs: number | undefined;
    const sooner = (ms: number | undefined): void => {
      if (ms !== undefined && Number.isFinite(ms) && (retryAfterMs === undefined || ms < retryAfterMs)) retryAfterMs = ms;
    };
    for (const e of run.errors) sooner(e.retryAfterMs);
    const parts = run.errors.map((e) => `${e.provider ?? '?'}: ${e.name}${e.statusCode === undefined ? '' : ` ${e.statusCode}`}`);
    for (const s of skipped ?? []) {
      const name = s.target.slot.provider.name;
      const ms = rules.availableIn(run, s.target, s.reason, now);
      sooner(ms);
      parts.push(`${name}: ${s.reason.replace('_', ' ')}${ms === undefined ? '' : ` for ${Math.ceil(ms)} ms`}`);
      if (!tried.has(name)) errors.push(rules.skipError(run, s.target, s.reason, now));
    }
    const lead = last ?? errors[0];
    return new NoProviderAvailableError(`No provider available (${parts.join('; ')})`, errors, {
      requestId: run.requestId,
      provider: lead?.provider,
      statusCode: lead?.statusCode,
      retryAfterMs,
      cause: lead,
    });
  }

  /** Ends every stream still open (recorded as abandoned). */
  abandonOpenStreams(): void {
    for (const stream of [...this.openStreams]) stream.abort();
  }
}

/** The caller's signal fired before an attempt began: no attempt is made (nor counted against the provider). */
function abortedBefore(target: Target, run: RoutedRun): AbortError {
  return new AbortError('request aborted by the caller', { provider: target.slot.provider.name, requestId: run.requestId });
}
