import type { LlmRouter, ProviderStateEvent, RequestFallbackEvent, RequestRetryEvent } from 'llm-api-router';

/** Where the sample app writes what the router did: Nest's `Logger.log`, or a console line. */
export type InfoLog = (message: string) => void;

const status = (code: number | null): string => (code === null ? '' : ` ${code}`);

/** One line for a retry. */
export function retryLine(e: RequestRetryEvent): string {
  return `retry: request ${e.requestId} ${e.provider}/${e.model} attempt ${e.attempt} failed (${e.errorType}${status(e.statusCode)}), retrying in ${Math.round(e.delayMs)} ms`;
}

/** One line for a fallback. */
export function fallbackLine(e: RequestFallbackEvent): string {
  return `fallback: request ${e.requestId} ${e.fromProvider} -> ${e.toProvider} after ${e.errorType}${status(e.statusCode)}`;
}

/** One line for a circuit change. */
export function circuitLine(e: ProviderStateEvent): string {
  return `circuit: ${e.provider} ${e.previousState} -> ${e.state} (${e.reason})`;
}

/**
 * Logs the router's retries, fallbacks and circuit changes at info through `log`, one line each.
 * Returns the function that stops it.
 */
export function logRouterEvents(router: LlmRouter, log: InfoLog): () => void {
  const onRetry = (e: RequestRetryEvent): void => log(retryLine(e));
  const onFallback = (e: RequestFallbackEvent): void => log(fallbackLine(e));
  const onState = (e: ProviderStateEvent): void => log(circuitLine(e));
  router.on('request.retry', onRetry);
  router.on('request.fallback', onFallback);
  router.on('provider.state', onState);
  return () => {
    router.off('request.retry', onRetry);
    router.off('request.fallback', onFallback);
    router.off('provider.state', onState);
  };
}
