import { createServer } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { llmRouterMiddleware } from 'llm-api-router/express';
import { LlmRouter, MetricsCollector } from 'llm-api-router';
import { toApiError } from '../shared/api-error.js';
import { baseUrlOf } from '../shared/banner.js';
import { ChatCompletionsHandler } from '../shared/chat-completions-handler.js';
import { EmbeddingsHandler } from '../shared/embeddings-handler.js';
import { logRouterEvents, type InfoLog } from '../shared/router-event-log.js';
import type { SampleConfig } from '../shared/config.js';
import { sendApiError, sendJson } from '../shared/http-io.js';
import { listModelsResponse, retrieveModelResponse } from '../shared/models.js';
import { sampleRoutes, unmatchedRoute } from '../shared/routes.js';
import { answerClientErrors } from '../shared/client-errors.js';
import { startTelemetry } from '../shared/telemetry.js';
import { closeServer, listen, type RunningSampleApp } from '../shared/running-app.js';
import { expressServerOptions } from '../shared/express-server-options.js';

/** Options of {@link createSampleExpressApp}. */
export interface SampleExpressAppOptions {
  /** Where retries, fallbacks and circuit changes are logged (info). Default: a console line; `false`: nowhere. */
  log?: InfoLog | false;
}

/** The Express variant of the sample service, not yet listening. */
export interface SampleExpressApp {
  app: Express;
  router: LlmRouter;
  /** Detaches the metrics, closes the router and its collector (the HTTP server is closed by its owner). */
  close(): Promise<void>;
}

/**
 * The sample service on plain Express 5: the same routes and answers as the NestJS variant, from the
 * same shared code, with `llmRouterMiddleware` serving `/metrics`, `/stats` and `/health` (judged like
 * the NestJS variant's `LlmRouterHealthIndicator`, in terminus' shape).
 */
export function createSampleExpressApp(config: SampleConfig, options: SampleExpressAppOptions = {}): SampleExpressApp {
  const collector = new MetricsCollector();
  const router = new LlmRouter({ ...config.router, metricsCollector: collector });
  const metrics = llmRouterMiddleware({ router, path: config.metricsPath, stats: { path: '/stats' }, health: { path: '/health' } });
  const chat = new ChatCompletionsHandler(router);
  const embeddings = new EmbeddingsHandler(router);
  const log = options.log ?? ((line: string) => console.log(`${new Date().toISOString()} info ${line}`));
  const stopLog = log === false ? () => undefined : logRouterEvents(router, log);
  const created = Math.floor(Date.now() / 1000);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(metrics);
  app.post('/v1/chat/completions', (req, res, next) => {
    chat.handle(req, res).catch(next);
  });
  app.post('/v1/embeddings', (req, res, next) => {
    embeddings.handle(req, res).catch(next);
  });
  app.get('/v1/models', (_req, res) => sendJson(res, 200, listModelsResponse(router, created)));
  app.get('/v1/models/:model', (req, res) => sendJson(res, 200, retrieveModelResponse(router, String(req.params.model), created)));
  const routes = sampleRoutes(config.metricsPath);
  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(unmatchedRoute(routes, req.method, req.originalUrl));
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendApiError(res, toApiError(error));
  });
  return {
    app,
    router,
    async close() {
      stopLog();
      metrics.close();
      await router.close();
      collector.close();
    },
  };
}

/** Creates the Express variant and listens on `config.host:config.port` (0 for a free port). */
export async function startSampleExpressApp(config: SampleConfig, options: SampleExpressAppOptions = {}): Promise<RunningSampleApp> {
  const telemetry = config.telemetry === undefined ? undefined : await startTelemetry(config.telemetry);
  const sample = createSampleExpressApp(config, options);
  const instrumentation =
    telemetry === undefined
      ? undefined
      : (await import('llm-api-router/opentelemetry')).instrumentOpenTelemetry(sample.router, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
  const server = createServer(expressServerOptions(sample.app), sample.app);
  answerClientErrors(server);
  await listen(server, config.port, config.host);
  return {
    url: baseUrlOf(server.address()),
    server,
    router: sample.router,
    async close() {
      await closeServer(server);
      await sample.close();
      instrumentation?.unsubscribe();
      await telemetry?.shutdown();
    },
  };
}
