import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { accessSync, constants } from 'node:fs';

/** A child process started by a test, with what it printed so far (for failure messages). */
export interface StartedProcess {
  readonly child: ChildProcess;
  /** The first capture group of the ready pattern. */
  readonly match: string;
  output(): string;
}

/**
 * Spawns a process and resolves once a line of its output matches `ready` (stdout or stderr); rejects
 * with its output if it exits first or `timeoutMs` passes (and kills it).
 */
export function spawnReady(command: string, args: string[], options: SpawnOptions & { ready: RegExp; timeoutMs?: number }): Promise<StartedProcess> {
  const { ready, timeoutMs = 15_000, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${command} was not ready after ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n--- output of ${command} ---\n${out.slice(-4000)}`));
    };
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve({ child, match: m[1] ?? m[0], output: () => out });
      }
    };
    const onExit = (code: number | null, signal: string | null): void => fail(new Error(`${command} exited (${code ?? signal}) before it was ready`));
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', (e) => fail(e));
  });
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed by a signal). */
export function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** A TCP port free on 127.0.0.1 at the time of the call. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The full path of an executable on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The environment of a child sample app: no provider keys (so it runs on its mock providers), PATH and HOME kept. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT']) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}
