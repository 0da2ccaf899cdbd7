import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync } from 'node:fs';

/** The `redis-server` binary: `REDIS_SERVER`, else Debian's path, else from PATH. */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER ?? (existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server');

/** A real `redis-server` on a loopback port, with no persistence, for tests. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (with `:<password>@` when started with one) */
  readonly url: string;
  /** Kills it at once (SIGKILL, like a crash); resolves when it exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing was saved). */
  restart(): Promise<void>;
  /** Stops it for good. */
  stop(): Promise<void>;
  /** What it printed (for failure messages). */
  output(): string;
}

/** A TCP port free on 127.0.0.1 at the time of the call. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no` (plus `--requirepass`
 * if `password`) and waits until it answers PING.
 */
export async function startRedisServer(options: { port?: number; timeoutMs?: number; password?: string; bin?: string } = {}): Promise<RedisServer> {
  const bin = options.bin ?? REDIS_SERVER_BIN;
  const port = options.port ?? (await freeLoopbackPort());
  const timeoutMs = options.timeoutMs ?? 10_000;
  let child: ChildProcess | null = null;
  let out = '';

  const launch = async (): Promise<void> => {
    const c = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning', ...(options.password === undefined ? [] : ['--requirepass', options.password])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<never>((_, reject) => {
      c.once('exit', (code, signal) => reject(new Error(`redis-server exited (${code ?? signal}) before it was ready\n${out.slice(-2000)}`)));
      // Without a listener, a spawn failure (no such binary) is an uncaught 'error' event.
      c.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'ENOENT'
            ? new Error(`redis-server not found at ${bin}: install it (apt-get install redis-server) or set REDIS_SERVER to its path`)
            : new Error(`redis-server could not be started from ${bin}: ${error.message}`),
        ),
      );
    });
    exited.catch(() => {});
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await Promise.race([ping(port, options.password), exited]);
      if (ok) return;
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        throw new Error(`redis-server was not ready after ${timeoutMs} ms\n${out.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const kill = (): Promise<void> => {
    const c = child;
    child = null;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };

  await launch();
  return {
    port,
    url: options.password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
    kill,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: kill,
    output: () => out,
  };
}

/** Whether a PING on `port` is answered with PONG (RESP, no client library). */
function ping(port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let data = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(password === undefined ? 'PING\r\n' : `AUTH ${password}\r\nPING\r\n`));
    socket.on('data', (d) => {
      data += d.toString();
      const lines = data.split('\r\n');
      if (lines.length > (password === undefined ? 1 : 2)) done(lines.at(-2) === '+PONG');
    });
  });
}
