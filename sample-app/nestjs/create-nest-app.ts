import 'reflect-metadata';
import type { Server } from 'node:http';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LlmRouter } from 'llm-api-router';
import { baseUrlOf } from '../shared/banner.js';
import { checkRouterConfig, type SampleConfig } from '../shared/config.js';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/http-io.js';
import type { RunningSampleApp } from '../shared/running-app.js';
import { answerClientErrors } from '../shared/client-errors.js';
import { type SampleTelemetry, startTelemetry } from '../shared/telemetry.js';
import { AppModule } from './app.module.js';
import { SampleLogger } from './sample-logger.js';

/** The HTTP platform under NestJS. */
export type NestPlatform = 'express' | 'fastify';

/** Options of {@link createSampleNestApp}. */
export interface SampleNestAppOptions {
  /** Default `'express'`. */
  platform?: NestPlatform;
  /**
   * Nest's log levels, a `LoggerService`, or `false` for none. Default: `SampleLogger` (the router's
   * retries, fallbacks and circuit changes at `log`, warnings and errors, none of Nest's start-up lines).
   */
  logger?: LogLevel[] | LoggerService | false;
  /** The OpenTelemetry SDK the router's events are exported to (`openTelemetry` of `LlmRouterModule`). */
  telemetry?: SampleTelemetry;
}

/**
 * Creates (without listening) the NestJS sample service on the Express or the Fastify platform. Nest's
 * JSON body parser is off: the chat route reads the body itself, so that invalid JSON gets OpenAI's 400;
 * on Fastify, bodies arrive as bytes whatever their content type (like `curl -d`) for the same reason.
 */
export async function createSampleNestApp(config: SampleConfig, options: SampleNestAppOptions = {}): Promise<INestApplication> {
  await checkRouterConfig(config);
  const module = AppModule.register(config, options.telemetry);
  const logger = options.logger ?? new SampleLogger();
  if (options.platform === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const app = await NestFactory.create(module, new FastifyAdapter({ bodyLimit: DEFAULT_MAX_BODY_BYTES }), { bodyParser: false, logger, abortOnError: false });
    type Done = (error: Error | null, body?: Buffer) => void;
    const raw = app as unknown as { useBodyParser(type: string, options: object, parser: (req: unknown, body: Buffer, done: Done) => void): void };
    for (const type of ['application/json', '*']) raw.useBodyParser(type, { bodyLimit: DEFAULT_MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
    return app;
  }
  const { SampleExpressAdapter } = await import('./sample-express-adapter.js');
  return NestFactory.create(module, new SampleExpressAdapter(), { bodyParser: false, logger, abortOnError: false });
}

/** Creates the NestJS sample service and listens on `config.host:config.port` (0 for a free port). */
export async function startSampleNestApp(config: SampleConfig, options: SampleNestAppOptions = {}): Promise<RunningSampleApp> {
  const telemetry = options.telemetry ?? (config.telemetry === undefined ? undefined : await startTelemetry(config.telemetry));
  const app = await createSampleNestApp(config, { ...options, ...(telemetry === undefined ? {} : { telemetry }) });
  answerClientErrors(app.getHttpServer() as Server);
  await app.listen(config.port, config.host);
  const server = app.getHttpServer() as Server;
  return {
    url: baseUrlOf(server.address()),
    server,
    router: app.get(LlmRouter),
    async close() {
      await app.close();
      if (options.telemetry === undefined) await telemetry?.shutdown();
    },
  };
}
