import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// In a fresh process, every way out to the network throws and is recorded before the core is imported.
const SCRIPT = (coreUrl: string): string => `
import net from 'node:net';
import dns from 'node:dns';
import { createRequire } from 'node:module';
const attempts = [];
const refuse = (what) => (...args) => { attempts.push(what); throw new Error('network access: ' + what); };
globalThis.fetch = refuse('fetch');
net.Socket.prototype.connect = refuse('net.connect');
dns.lookup = refuse('dns.lookup');
dns.promises.lookup = refuse('dns.promises.lookup');
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('genai-prices'));
const { createCostCalculator } = await import(${JSON.stringify(coreUrl)});
const loadedOnImport = loaded();
const cost = createCostCalculator();
const usd = cost('openai', 'gpt-4o-mini', { promptTokens: 1000000, completionTokens: 1000000, totalTokens: 2000000 });
const claude = cost('anthropic', 'claude-sonnet-4-5', { promptTokens: 1000, completionTokens: 10, totalTokens: 1010 });
for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
console.log(JSON.stringify({ attempts, usd, claude, loadedOnImport, loadedAfter: loaded() }));
`;

test('the bundled price table works with every network path refused, and loads only on first use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llm-router-cost-offline-'));
  try {
    const main = join(dir, 'main.mjs');
    writeFileSync(main, SCRIPT(new URL('../../lib/index.js', import.meta.url).href));
    const out = JSON.parse(execFileSync(process.execPath, [main], { encoding: 'utf8' })) as {
      attempts: string[];
      usd: number | null;
      claude: number | null;
      loadedOnImport: boolean;
      loadedAfter: boolean;
    };
    assert.deepEqual(out.attempts, []);
    assert.ok(out.usd !== null && Math.abs(out.usd - 0.75) < 1e-9, `gpt-4o-mini: 0.15 + 0.6 USD, got ${out.usd}`);
    assert.ok(out.claude !== null && out.claude > 0);
    assert.equal(out.loadedOnImport, false, 'importing the core does not load the price table');
    assert.equal(out.loadedAfter, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('preloadPriceTable loads the table ahead of the first lookup', () => {
  const script = `
import { createRequire } from 'node:module';
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('genai-prices'));
const { preloadPriceTable } = await import(${JSON.stringify(new URL('../../lib/index.js', import.meta.url).href)});
const before = loaded();
preloadPriceTable();
console.log(JSON.stringify([before, loaded()]));
`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), [false, true]);
});
