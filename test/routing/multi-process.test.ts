import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { MockProviderServer } from '../../lib/testing/index.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const WORKER = fileURLToPath(new URL('./router-worker.js', import.meta.url));

interface Worker {
  child: ChildProcess;
  send(msg: object): Promise<any>;
}

function startWorker(config: object): Promise<Worker> {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: Array<(line: string) => void> = [];
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`worker exited with ${code}`))));
  exited.catch(() => {});
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.(line));
  const next = (): Promise<string> => Promise.race([new Promise<string>((r) => waiting.push(r)), exited]);
  const worker: Worker = {
    child,
    send: async (msg) => {
      const answer = next();
      child.stdin!.write(`${JSON.stringify(msg)}\n`);
      return JSON.parse(await answer);
    },
  };
  return next().then((line) => {
    assert.equal(line, 'ready');
    return worker;
  });
}

let redis: RedisServer;
let server: MockProviderServer;
let workers: Worker[] = [];
const hits = (name: string): number => server.requests.filter((q) => q.path.startsWith(`/${name}/`)).length;

before(async () => {
  redis = await startRedisServer();
  server = await MockProviderServer.start({ maxLoggedRequests: 10_000 });
  const config = { redis: redis.url, prefix: 'mp:', server: server.url };
  workers = await Promise.all([startWorker(config), startWorker(config)]);
});
after(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await server.close();
  await redis.stop();
});

test('two router processes on one Redis', async (t) => {
  const [a, b] = workers as [Worker, Worker];

  await t.test('a provider limited to rpm 100, 200 concurrent requests from each: exactly 100 reach it', async () => {
    const results = await Promise.all([a.send({ cmd: 'burst', n: 200, model: 'm1' }), b.send({ cmd: 'burst', n: 200, model: 'm1' })]);
    assert.equal(hits('limited'), 100, 'counted at the server');
    assert.equal(results[0].ok + results[1].ok, 100);
    assert.equal((results[0].errors.NoProviderAvailableError ?? 0) + (results[1].errors.NoProviderAvailableError ?? 0), 300);
  });

  await t.test('a circuit opened in one process is skipped by the other', async () => {
    server.enqueueFault({ status: 500 }, { match: { path: '/flaky/' } });
    assert.equal((await a.send({ cmd: 'ask', model: 'm2' })).provider, 'backup');
    assert.equal(hits('flaky'), 1);
    const answer = await b.send({ cmd: 'ask', model: 'm2' });
    assert.equal(answer.provider, 'backup');
    assert.equal(answer.route.candidates.find((c: { provider: string }) => c.provider === 'flaky').skipped, 'circuit_open');
    assert.equal(hits('flaky'), 1, 'b never called it');
  });

  await t.test('a budget spent in one process stops the other', async () => {
    assert.equal((await a.send({ cmd: 'ask', model: 'm3' })).provider, 'payer');
    const answer = await b.send({ cmd: 'ask', model: 'm3' });
    assert.equal(answer.error, 'BudgetExceededError');
    assert.equal(answer.budget, 'shared-budget');
    assert.equal(hits('payer'), 1);
    const status = await b.send({ cmd: 'status' });
    assert.ok(status.budgets[0].spentUsd >= 1);
  });

  await t.test('Redis killed mid-run: both go on with local state, one warn line each, no crash', async () => {
    const before = hits('plain');
    const warnsBefore = await Promise.all([a, b].map(async (w) => (await w.send({ cmd: 'status' })).warns.length));
    await redis.kill();
    const results = await Promise.all([a.send({ cmd: 'burst', n: 20, model: 'm4' }), b.send({ cmd: 'burst', n: 20, model: 'm4' })]);
    assert.deepEqual(results.map((r) => r.ok), [20, 20]);
    assert.equal(hits('plain'), before + 40);
    for (const [i, w] of [a, b].entries()) {
      const { warns } = await w.send({ cmd: 'status' });
      const since = warns.slice(warnsBefore[i]);
      assert.equal(since.filter((l: string) => l.includes('Redis shared state is unreachable')).length, 1, JSON.stringify(since));
    }
    for (const w of [a, b]) {
      assert.deepEqual(await w.send({ cmd: 'exit' }), { bye: true });
      await new Promise((r) => (w.child.exitCode === null ? w.child.once('exit', r) : r(undefined)));
      assert.equal(w.child.exitCode, 0);
    }
  });
});
