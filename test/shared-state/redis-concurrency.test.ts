import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { RedisStateStore } from '../../lib/shared-state/index.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const WORKER = fileURLToPath(new URL('./state-worker.js', import.meta.url));
const T0 = 1_700_000_000_000;

let server: RedisServer;
before(async () => {
  server = await startRedisServer();
});
after(async () => {
  await server.stop();
});

interface Worker {
  child: ChildProcess;
  lines: string[];
  next(): Promise<string>;
}

function startWorker(args: string[]): Worker {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buf = '';
  const waiters: Array<(l: string) => void> = [];
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<string>((_, reject) => child.once('exit', (code) => reject(new Error(`worker exited with ${code}`))));
  exited.catch(() => {});
  return {
    child,
    lines,
    next: () => Promise.race([lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise<string>((r) => waiters.push(r)), exited]),
  };
}

async function runWorkers(prefix: string, count: number, rpm: number, tpm: string): Promise<Array<{ granted: number; probes: number; online: boolean; warnings: string[] }>> {
  const workers = [0, 1].map(() => startWorker([server.url, prefix, String(count), String(rpm), tpm, String(T0)]));
  try {
    for (const w of workers) assert.equal(await w.next(), 'ready');
    for (const w of workers) w.child.stdin!.write('go\n');
    return await Promise.all(workers.map(async (w) => JSON.parse(await w.next())));
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  }
}

test('two processes x 200 concurrent requests against rpm 100: exactly 100 are granted, no spend is lost, one probe', async () => {
  const results = await runWorkers('conc:', 200, 100, '');
  const granted = results.reduce((n, r) => n + r.granted, 0);
  assert.equal(granted, 100);
  assert.equal(results.reduce((n, r) => n + r.probes, 0), 1, 'one half-open probe across 400 claims');
  for (const r of results) {
    assert.equal(r.online, true);
    assert.deepEqual(r.warnings, []);
  }
  const observer = new RedisStateStore({ redis: server.url, keyPrefix: 'conc:', commandTimeoutMs: 5_000 });
  try {
    assert.equal(await observer.ready(), true);
    const snap = await observer.read(observer.createQuery({ providers: ['limited'], budgets: [{ name: 'shared', windowMs: 3_600_000 }] }), T0 + 1);
    assert.deepEqual(snap.providers[0]!.usage, { requests: 100, tokens: 1000, oldestAt: T0 });
    assert.deepEqual(snap.budgetSpend, [100], '400 spends of 0.25 USD');
  } finally {
    await observer.close();
  }
});

test('two processes x 200 concurrent requests against tpm 1500 (10 tokens each): exactly 150 are granted', async () => {
  const results = await runWorkers('conc-tpm:', 200, 1000, '1500');
  assert.equal(results.reduce((n, r) => n + r.granted, 0), 150);
});
