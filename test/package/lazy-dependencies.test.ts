import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Observable, filter, firstValueFrom } from 'rxjs';
import { Client } from '../../lib/index.js';

/** Packages that must load only on first use, never on `import('llm-api-router')`. */
const LAZY = ['undici', 'rxjs', 'prom-client', '@datadog/sketches-js', '@pydantic/genai-prices'];

const CORE_URL = new URL('../../lib/index.js', import.meta.url).href;

/**
 * Imports the core in a fresh node process, runs `body` there, and returns the packages that were loaded:
 * every bare specifier an ES module resolved (seen by a resolve hook) and every package in the CommonJS
 * module cache (what `createRequire` loaded).
 */
function packagesLoaded(body = ''): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'llm-router-lazy-'));
  try {
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {
  if (!/^(node:|file:|data:|\\.|\\/)/.test(specifier)) console.error('PKG ' + specifier);
  return next(specifier, context);
}\n`,
    );
    const main = join(dir, 'main.mjs');
    writeFileSync(
      main,
      `import { register, createRequire } from 'node:module';
register(${JSON.stringify(new URL(`file://${hooks}`).href)});
const core = await import(${JSON.stringify(CORE_URL)});
${body}
for (const file of Object.keys(createRequire(import.meta.url).cache)) {
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file);
  if (m) console.error('PKG ' + m[1]);
}\n`,
    );
    const child = spawnSync(process.execPath, [main], { encoding: 'utf8' });
    assert.equal(child.status, 0, `child failed: ${child.stderr}`);
    const packages = new Set<string>();
    for (const line of child.stderr.split('\n')) {
      if (!line.startsWith('PKG ')) continue;
      const parts = line.slice(4).split('/');
      packages.add(parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
    return packages;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('importing the core loads none of undici, rxjs, prom-client, @datadog/sketches-js, genai-prices, OpenTelemetry', () => {
  const loaded = packagesLoaded();
  for (const name of LAZY) assert.ok(!loaded.has(name), `${name} loaded on import (loaded: ${[...loaded].join(', ')})`);
  for (const name of loaded) assert.ok(!name.startsWith('@opentelemetry/'), `${name} loaded on import`);
});

test('a router with metrics on loads neither prom-client before an export nor the sketch or the price table before they are needed', () => {
  const loaded = packagesLoaded(`
const client = new core.Client({ providerType: 'openai', apiKey: 'k', baseUrl: 'http://127.0.0.1:9' });
client.events$.subscribe(() => {});
await client.close();`);
  assert.ok(loaded.has('rxjs'), 'reading events$ loads rxjs (the check sees CommonJS packages)');
  assert.ok(loaded.has('undici'), 'a router loads undici when it is made, not on its first request');
  for (const name of ['prom-client', '@datadog/sketches-js', '@pydantic/genai-prices']) {
    assert.ok(!loaded.has(name), `${name} loaded by new Client() (loaded: ${[...loaded].join(', ')})`);
  }
});

test('events$ is an rxjs Observable that rxjs operators and firstValueFrom work on', async () => {
  const client = new Client({ providerType: 'mock', defaultModel: 'm' });
  try {
    assert.ok(client.events$ instanceof Observable);
    assert.equal(client.events$, client.events$);
    const ended = firstValueFrom(client.events$.pipe(filter((e) => e.type === 'request.end')));
    await client.chat.completions.create({ messages: [{ role: 'user', content: 'ping' }] });
    assert.equal((await ended).type, 'request.end');
  } finally {
    await client.close();
  }
});
