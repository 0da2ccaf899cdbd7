import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const entry = new URL('../../lib/shared-state/index.js', import.meta.url).href;
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Resolution hooks that make ioredis look uninstalled. */
const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'ioredis' || specifier.startsWith('ioredis/')) {
    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;

const child = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
const unhandled = [];
process.on('unhandledRejection', (r) => unhandled.push(String(r)));
const { createRouterStateStore } = await import(${JSON.stringify(entry)});
const warns = [];
const local = createRouterStateStore(undefined);
const store = createRouterStateStore({ redis: 'redis://127.0.0.1:1' }, { warn: (m) => warns.push(m) });
const ready = await store.ready();
const readyAgain = await store.ready();
const a = await store.tryAcquire('p', { rpm: 1 }, 1, 1000);
const b = await store.tryAcquire('p', { rpm: 1 }, 1, 1000);
await store.close();
console.log(JSON.stringify({ localKind: local.kind, kind: store.kind, ready, readyAgain, a: a.granted, b: b.granted, warns, unhandled }));
`;

test('without ioredis installed, a sharedState store answers locally and says so once', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', child], { cwd: root, timeout: 30_000 }, (error, out, err) => {
      if (error) reject(new Error(`the child process failed (${error.code ?? error.signal}):\n${err}`));
      else resolve(out);
    });
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
  assert.deepEqual(result.unhandled, []);
  assert.equal(result.localKind, 'local');
  assert.equal(result.kind, 'redis');
  assert.equal(result.ready, false);
  assert.equal(result.readyAgain, false, 'asking again does not hang');
  assert.equal(result.a, true);
  assert.equal(result.b, false);
  assert.equal(result.warns.length, 1);
  assert.match(result.warns[0], /ioredis client could not be created; routing goes on with local state/);
});
