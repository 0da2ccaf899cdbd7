/** One logging method: pino's `(fields, message)`, console's and NestJS's `(message, ...rest)`. */
type LogMethod = (...args: any[]) => unknown;

/**
 * What the `logger` option accepts: pino, `console`, NestJS's `Logger` (`log` and `verbose` instead of
 * `info` and `debug`), or any object with `warn` and `error` and some of the other levels. A missing
 * level is silent; a method that throws is ignored.
 */
export interface Logger {
  warn(...args: any[]): unknown;
  error(...args: any[]): unknown;
  debug?: LogMethod;
  info?: LogMethod;
  /** NestJS's name for info. */
  log?: LogMethod;
  /** NestJS's most detailed level; used for debug when there is no `debug`. */
  verbose?: LogMethod;
}

/** The router's view of a logger: every level present, none throwing (see `toLogger`). */
export interface SafeLogger extends Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

const noop = (): void => {};

/** The default logger: silent. */
export const silentLogger: SafeLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

function level(target: Logger, method: unknown): (...args: unknown[]) => void {
  if (typeof method !== 'function') return noop;
  return (...args) => {
    try {
      method.apply(target, args);
    } catch {
      // A logger that throws must not break the request that logs.
    }
  };
}

/**
 * A `SafeLogger` over any accepted logger: every level exists (info falls back to `log`, debug to
 * `verbose`) and none can throw. `undefined` gives the silent logger.
 */
export function toLogger(logger: Logger | undefined): SafeLogger {
  if (logger === undefined || logger === null) return silentLogger;
  try {
    return {
      debug: level(logger, logger.debug ?? logger.verbose),
      info: level(logger, logger.info ?? logger.log),
      warn: level(logger, logger.warn),
      error: level(logger, logger.error),
    };
  } catch {
    return silentLogger;
  }
}
