import { ConsoleLogger } from '@nestjs/common';

/** Contexts of Nest's own start-up chatter (module loading, route mapping) and of its listen errors. */
const NEST_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * The sample app's logger: Nest's console logger at `log`, `warn` and `error`, without Nest's own
 * start-up lines (the banner says where the app listens) and without the `NestApplication` error of a
 * failed `listen()` (the app prints it once, as its `could not start` line). The router's retries,
 * fallbacks and circuit changes (context `LlmRouter`) and everything else pass.
 */
export class SampleLogger extends ConsoleLogger {
  constructor() {
    super({ logLevels: ['log', 'warn', 'error', 'fatal'] });
  }

  override log(message: unknown, ...rest: unknown[]): void {
    if (!NEST_CONTEXTS.has(rest.at(-1) as string)) super.log(message, ...rest);
  }

  override error(message: unknown, ...rest: unknown[]): void {
    if (rest.at(-1) !== 'NestApplication') super.error(message, ...rest);
  }
}
