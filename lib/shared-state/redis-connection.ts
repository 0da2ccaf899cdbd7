import { SCRIPTS } from './redis-scripts.js';

/** The logger the shared state reports through (pino, console, Nest's `Logger`, the router's `Logger`). */
export interface SharedStateLogger {
  warn(message: string, fields?: Record<string, unknown>): unknown;
  info?(message: string, fields?: Record<string, unknown>): unknown;
  log?(message: string, fields?: Record<string, unknown>): unknown;
}

/** The part of an ioredis client this module uses (typed loosely: ioredis is an optional peer). */
export interface RedisClientLike {
  status: string;
  options?: { commandTimeout?: number };
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  pipeline(): any;
  quit(): Promise<unknown>;
  disconnect(): void;
  [command: string]: any;
}

export interface RedisConnectionOptions {
  /** A Redis URL or an existing ioredis client (used as is; never closed by us). */
  redis: string | object;
  logger?: SharedStateLogger;
  /** Bound of one command (or pipeline) before the local state answers instead. @default 500 */
  commandTimeoutMs?: number;
  /** Bound of connecting. @default 2000 */
  connectTimeoutMs?: number;
}

/**
 * One Redis connection and its health: `client` is non-null only while it is ready, so a command is
 * never queued behind a dead connection. Says once at warn when Redis becomes unreachable and once at
 * info when it is back; ioredis keeps reconnecting in the background.
 */
export class RedisConnection {
  private current: RedisClientLike | null = null;
  private owned = false;
  private degraded = false;
  private closed = false;
  /** No client will ever be: ioredis missing, or the object given is not a client. */
  private dead = false;
  private readonly listeners: Array<[string, (...args: any[]) => void]> = [];
  private readonly readyWaiters: Array<(ok: boolean) => void> = [];
  /** The first connection attempt has no outcome yet (see `firstConnection`). */
  private connecting = true;
  private firstWait: Promise<boolean> | undefined = undefined;
  /** The client's own command timeout if it has one; else `bound` races a timer. */
  private needsTimer = false;
  readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(private readonly options: RedisConnectionOptions) {
    this.timeoutMs = options.commandTimeoutMs ?? 500;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    if (typeof options.redis === 'string') {
      this.owned = true;
      this.createClient(options.redis).catch((e: unknown) => {
        this.dead = true;
        this.settle(false);
        this.failed(e, 'the ioredis client could not be created');
      });
    } else {
      try {
        this.attach(options.redis as RedisClientLike);
      } catch (e) {
        this.dead = true;
        this.failed(e, 'the given Redis client is not an ioredis client');
      }
    }
  }

  /** The client if it is ready for commands now, else `null`. */
  get client(): RedisClientLike | null {
    const c = this.current;
    return c !== null && c.status === 'ready' ? c : null;
  }

  /** Whether Redis answers at the moment (connected, and the last command did not fail). */
  get online(): boolean {
    return this.client !== null && !this.degraded;
  }

  /** `true` if connected now; else resolves with the outcome of the next connection attempt (reconnects go on either way). */
  ready(): Promise<boolean> {
    if (this.client !== null) return Promise.resolve(true);
    if (this.closed || this.dead) return Promise.resolve(false);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /**
   * While the first connection is still being made (a router just created): a promise of its outcome,
   * bounded by the command timeout, that commands wait for instead of answering from local state (N routers
   * started together would otherwise each admit up to the whole rpm). `undefined` once it has an outcome:
   * a later outage answers locally at once.
   */
  firstConnection(): Promise<boolean> | undefined {
    if (!this.connecting || this.closed || this.dead) return undefined;
    return (this.firstWait ??= new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.connecting = false;
        resolve(false);
      }, this.timeoutMs);
      timer.unref?.();
      this.readyWaiters.push((ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
    }));
  }

  /** Races `p` against the command timeout when the client has none of its own. */
  bound<T>(p: Promise<T>): Promise<T> {
    if (!this.needsTimer) return p;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('Redis command timed out')), this.timeoutMs);
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e as Error);
        },
      );
    });
  }

  /** A command succeeded: Redis answers again. */
  succeeded(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.say('info', 'Redis shared state is reachable again; routing state is shared again');
  }

  /** A command or the connection failed: the local state answers until Redis is back. */
  failed(error: unknown, what = isReplyError(error) ? 'a Redis shared state command failed' : 'Redis shared state is unreachable'): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    const message = error instanceof Error ? error.message : String(error);
    this.say('warn', `${what}; routing goes on with local state`, { error: redactCredentials(message) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.settle(false);
    const c = this.current;
    this.current = null;
    if (c === null) return;
    if (!this.owned) {
      for (const [event, fn] of this.listeners) c.off(event, fn);
      return;
    }
    try {
      if (c.status === 'ready') await this.bound(c.quit());
      else c.disconnect();
    } catch {
      c.disconnect();
    }
  }

  private async createClient(url: string): Promise<void> {
    const mod: any = await import('ioredis');
    if (this.closed) return;
    const Redis = mod.Redis ?? mod.default?.Redis ?? mod.default;
    const client: RedisClientLike = new Redis(url, {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.timeoutMs,
      connectTimeout: this.connectTimeoutMs,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      lazyConnect: false,
    });
    this.attach(client);
  }

  private attach(client: RedisClientLike): void {
    this.needsTimer = typeof client.options?.commandTimeout !== 'number';
    for (const [name, def] of Object.entries(SCRIPTS)) client.defineCommand(name, def);
    this.listen(client, 'ready', () => {
      this.settle(true);
      this.succeeded();
    });
    this.listen(client, 'error', (e: unknown) => {
      this.settle(false);
      this.failed(e);
    });
    this.listen(client, 'close', () => {
      this.settle(false);
      this.failed(new Error('connection closed'));
    });
    this.current = client;
    if (client.status === 'ready') this.settle(true);
    else if (client.status === 'wait') (client.connect as () => Promise<void>)().catch(() => {});
  }

  private listen(client: RedisClientLike, event: string, fn: (...args: any[]) => void): void {
    client.on(event, fn);
    this.listeners.push([event, fn]);
  }

  private settle(ok: boolean): void {
    this.connecting = false;
    for (const w of this.readyWaiters.splice(0)) w(ok);
  }

  private say(level: 'warn' | 'info', message: string, fields?: Record<string, unknown>): void {
    const logger = this.options.logger;
    if (logger === undefined) return;
    try {
      if (level === 'warn') logger.warn(message, fields);
      else if (logger.info !== undefined) logger.info(message, fields);
      else logger.log?.(message, fields);
    } catch {
      // a logger that throws never breaks routing
    }
  }
}

/** Hides the user and password of any URL in a message (a Redis URL may carry them). */
function redactCredentials(message: string): string {
  return message.replace(/\/\/[^/@\s]*@/g, '//***@');
}

/** An error answered by the server (the connection itself is fine). */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}
