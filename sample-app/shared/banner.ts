import { describeProviders, type SampleConfig } from './config.js';

/** The service's URLs, from the address it listens on. */
export interface SampleUrls {
  base: string;
  chat: string;
  models: string;
  metrics: string;
  health: string;
  stats: string;
}

/** The URLs of a sample app listening at `base` (e.g. `http://127.0.0.1:3000`). */
export function sampleUrls(base: string, metricsPath: string): SampleUrls {
  return {
    base,
    chat: `${base}/v1/chat/completions`,
    models: `${base}/v1/models`,
    metrics: `${base}${metricsPath}`,
    health: `${base}/health`,
    stats: `${base}/stats`,
  };
}

/** The start-up banner. Its first line is `llm-api-router sample app (<variant>) listening on <base>`. */
export function banner(variant: string, urls: SampleUrls, config: SampleConfig): string {
  const source =
    config.source === 'mock' ? 'embedded mock providers (set OPENAI_API_KEY, ANTHROPIC_API_KEY, … to use real ones)' : config.source === 'env' ? 'providers from API keys in the environment' : 'providers from LLM_ROUTER_CONFIG';
  return [
    `llm-api-router sample app (${variant}) listening on ${urls.base}`,
    `  chat:    POST ${urls.chat}`,
    `  models:  GET  ${urls.models}`,
    `  metrics: GET  ${urls.metrics}`,
    `  health:  GET  ${urls.health}`,
    `  stats:   GET  ${urls.stats}`,
    `routing (${config.router.strategy ?? 'fallback'}) over ${source}:`,
    ...describeProviders(config),
    ...(config.telemetry === undefined ? [] : [`OpenTelemetry: GenAI metrics and spans over OTLP/HTTP to ${config.telemetry.endpoint}`]),
    `try: curl ${urls.chat} -H 'content-type: application/json' -d '{"model":"${firstModel(config)}","messages":[{"role":"user","content":"Hello!"}]}'`,
  ].join('\n');
}

function firstModel(config: SampleConfig): string {
  const p = config.router.providers[0];
  if (p === undefined) return 'default';
  if (p.defaultModel !== undefined) return p.defaultModel;
  if (Array.isArray(p.models)) return p.models[0] ?? 'default';
  return p.models === undefined ? 'default' : (Object.keys(p.models)[0] ?? 'default');
}

/** The address a listening Node server is reachable at, as an http URL. */
export function baseUrlOf(address: string | { address: string; port: number } | null): string {
  if (address === null || typeof address === 'string') throw new Error(`not listening on TCP: ${String(address)}`);
  const host = address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1' : address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Closes the service once on SIGINT or SIGTERM, then exits (0, or 1 if closing failed). A second
 * signal while closing exits at once.
 */
export function closeOnSignals(close: () => Promise<void>, log: (line: string) => void = (l) => console.log(l)): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) process.exit(1);
    closing = true;
    log(`${signal}: closing`);
    close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error('error while closing:', e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** The one line printed on stderr when the service cannot start: the error's message, never its stack. */
export function startFailureLine(variant: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `llm-api-router sample app (${variant}) could not start: ${message.replace(/\s*\n\s*/g, ' ')}`;
}
