import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, spawnReady, stopProcess } from './child-process.js';

const MAINS: Array<{ name: string; main: string; env: Record<string, string> }> = [
  { name: 'NestJS on Express', main: fileURLToPath(new URL('../../sample-app/nestjs/main.js', import.meta.url)), env: {} },
  { name: 'NestJS on Fastify', main: fileURLToPath(new URL('../../sample-app/nestjs/main.js', import.meta.url)), env: { PLATFORM: 'fastify' } },
  { name: 'plain Express', main: fileURLToPath(new URL('../../sample-app/express/main.js', import.meta.url)), env: {} },
];

const BAD_CONFIGS: Array<{ name: string; file?: string; env?: Record<string, string>; says: RegExp }> = [
  { name: 'a config file that is not JSON', file: '{ "providers": [', says: /not valid JSON/ },
  { name: 'a config file that is not an object', file: '[1, 2]', says: /must hold a JSON object/ },
  { name: 'a provider of an unknown type', file: JSON.stringify({ providers: [{ providerType: 'nope', name: 'x' }] }), says: /providerType/ },
  { name: 'a strategy that does not exist', file: JSON.stringify({ providers: [{ providerType: 'mock' }], strategy: 'random-walk' }), says: /strategy/ },
  { name: 'a config file that cannot be read', env: { LLM_ROUTER_CONFIG: '/nonexistent/llm-router.json' }, says: /cannot read/ },
  { name: 'a port out of range', env: { PORT: '70000' }, says: /PORT/ },
  { name: 'a port already in use', env: { PORT: 'HELD' }, says: /EADDRINUSE/ },
];

function run(main: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

test('a bad configuration stops every variant with one "could not start" line on stderr and exit code 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llm-router-sample-config-'));
  const held = createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  const heldPort = String((held.address() as AddressInfo).port);
  try {
    for (const variant of MAINS) {
      for (const bad of BAD_CONFIGS) {
        const env: Record<string, string> = { PORT: '0', HOST: '127.0.0.1', ...variant.env };
        if (bad.file !== undefined) {
          const path = join(dir, 'config.json');
          writeFileSync(path, bad.file);
          env.LLM_ROUTER_CONFIG = path;
        }
        const result = await run(variant.main, cleanEnv({ ...env, ...bad.env, ...(bad.env?.PORT === 'HELD' ? { PORT: heldPort } : {}) }));
        const what = `${variant.name}, ${bad.name}: ${JSON.stringify(result.stderr)}`;
        assert.equal(result.code, 1, what);
        const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
        assert.equal(lines.length, 1, what);
        assert.match(lines[0]!, /^llm-api-router sample app \([a-z/]+\) could not start: /, what);
        assert.match(lines[0]!, bad.says, what);
        assert.doesNotMatch(result.stderr, /\u001b\[|\n\s+at /, `${what}: no colours, no stack`);
        assert.equal(result.stdout, '', what);
      }
    }
  } finally {
    held.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the NestJS variant starts quietly: the banner, none of Nest\'s start-up lines', async () => {
  const app = await spawnReady(process.execPath, [MAINS[0]!.main], { env: cleanEnv({ PORT: '0', HOST: '127.0.0.1' }), ready: /try: curl/ });
  try {
    assert.match(app.output(), /^llm-api-router sample app \(nestjs\/express\) listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(app.output(), /InstanceLoader|RouterExplorer|NestFactory/);
  } finally {
    assert.equal(await stopProcess(app.child), 0);
  }
});
