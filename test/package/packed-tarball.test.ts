import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODULES = realpathSync(join(ROOT, 'node_modules'));
const REQUIRED_ENTRIES = ['.', './testing', './nestjs', './express'];
/** Declared in `exports`; checked once its build output exists (the OpenTelemetry entry is being added). */
const OPTIONAL_ENTRIES = ['./opentelemetry'];

interface PackedFile {
  path: string;
}
interface PackResult {
  filename: string;
  files: PackedFile[];
}
interface PackageJson {
  name: string;
  exports: Record<string, string | { types?: string; default: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
  repository?: unknown;
  homepage?: string;
  bugs?: unknown;
  license: string;
}

function linkModule(consumerModules: string, name: string): void {
  const target = join(consumerModules, name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(MODULES, name), target, 'dir');
}

function listFiles(dir: string, suffix: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(path, suffix, out);
    else if (entry.name.endsWith(suffix)) out.push(path);
  }
  return out;
}

/** Doc comments of members, with those on parameters (inside parentheses) left out. */
function memberComments(source: string): string[] {
  const comments: string[] = [];
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (depth === 0) comments.push(source.slice(i, end + 2));
      i = end + 1;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
  }
  return comments;
}

const CONSUMER_MAIN = `
const entries = JSON.parse(process.argv[2]);
const seen = {};
for (const entry of entries) {
  const mod = await import(entry === '.' ? 'llm-api-router' : 'llm-api-router/' + entry.slice(2));
  seen[entry] = Object.keys(mod).sort();
}
const { Client, createCostCalculator, toOpenAIChatCompletion } = await import('llm-api-router');
const client = new Client({ providerType: 'mock', defaultModel: 'mock-model', metricsEnabled: false });
const res = await client.chat.completions.create({ messages: [{ role: 'user', content: 'ping' }] });
await client.close();
const cost = createCostCalculator()('openai', 'gpt-4o-mini', { promptTokens: 1000000, completionTokens: 0, totalTokens: 1000000 });
console.log(JSON.stringify({ seen, object: toOpenAIChatCompletion(res).object, provider: res.provider, cost }));
`;

const CONSUMER_TS = `
import { Client, createCostCalculator, toOpenAIChatCompletion, writeOpenAIEventStream, type ChatCompletion, type RouterEvent } from 'llm-api-router';
import { MockProviderServer } from 'llm-api-router/testing';
import { llmRouterMiddleware } from 'llm-api-router/express';
import { LlmRouterModule } from 'llm-api-router/nestjs';

const client = new Client({ providerType: 'mock', defaultModel: 'mock-model' });
const onEvent = (e: RouterEvent): string => e.type;
client.events$.subscribe(onEvent);
export async function ask(): Promise<string | null> {
  const res: ChatCompletion = await client.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
  return toOpenAIChatCompletion(res).choices[0]?.message.content ?? null;
}
export const parts = [MockProviderServer, llmRouterMiddleware, LlmRouterModule, writeOpenAIEventStream, createCostCalculator()];
`;

test('npm pack on a fresh copy builds first, and the tarball works in a fresh consumer project', { timeout: 300_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'llm-router-pack-'));
  try {
    // A fresh clone: sources only, no dist; dependencies as `npm install` would leave them.
    const clone = join(tmp, 'clone');
    mkdirSync(clone);
    for (const path of ['package.json', 'tsconfig.json', 'README.md', 'LICENSE', 'lib', 'adapters']) {
      cpSync(join(ROOT, path), join(clone, path), { recursive: true });
    }
    symlinkSync(MODULES, join(clone, 'node_modules'), 'dir');
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], {
      cwd: clone,
      encoding: 'utf8',
      timeout: 240_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
    });
    const [result] = JSON.parse(packed.slice(packed.indexOf('[\n'))) as PackResult[];
    assert.ok(result !== undefined);
    const files = new Set(result.files.map((f) => f.path));

    const pkg = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')) as PackageJson;
    assert.equal(pkg.license, 'MIT');
    assert.match(readFileSync(join(clone, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.ok(pkg.repository !== undefined && pkg.homepage !== undefined && pkg.bugs !== undefined);
    for (const path of ['LICENSE', 'README.md', 'package.json']) assert.ok(files.has(path), `${path} is packed`);
    for (const path of files) {
      assert.ok(!path.endsWith('.map'), `no source map without its sources: ${path}`);
      assert.match(path, /^(dist\/lib\/|dist\/adapters\/|LICENSE$|README\.md$|package\.json$)/, `only the library is packed: ${path}`);
    }
    const entries: string[] = [];
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      const present = files.has(target.default.slice(2)) && target.types !== undefined && files.has(target.types.slice(2));
      if (REQUIRED_ENTRIES.includes(entry)) assert.ok(present, `entry ${entry} is in the tarball with its types`);
      else assert.ok(OPTIONAL_ENTRIES.includes(entry), `unexpected entry ${entry}`);
      if (present) entries.push(entry);
    }

    // A consumer project: the tarball unpacked as its dependency, the declared dependencies and peers beside it.
    const consumer = join(tmp, 'consumer');
    const consumerModules = join(consumer, 'node_modules');
    mkdirSync(consumerModules, { recursive: true });
    execFileSync('tar', ['-xzf', join(tmp, result.filename), '-C', tmp]);
    renameSync(join(tmp, 'package'), join(consumerModules, 'llm-api-router'));
    const installed = JSON.parse(readFileSync(join(consumerModules, 'llm-api-router', 'package.json'), 'utf8')) as PackageJson;
    for (const name of [...Object.keys(installed.dependencies ?? {}), ...Object.keys(installed.peerDependencies ?? {}), '@types/node']) {
      linkModule(consumerModules, name);
    }
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(join(consumer, 'main.mjs'), CONSUMER_MAIN);
    const out = JSON.parse(execFileSync(process.execPath, ['main.mjs', JSON.stringify(entries)], { cwd: consumer, encoding: 'utf8', timeout: 60_000 })) as {
      seen: Record<string, string[]>;
      object: string;
      provider: string;
      cost: number;
    };
    assert.deepEqual(Object.keys(out.seen).sort(), [...entries].sort());
    assert.ok(out.seen['.']!.includes('Client') && out.seen['.']!.includes('writeOpenAIEventStream'));
    assert.ok(out.seen['./testing']!.includes('MockProviderServer'));
    assert.ok(out.seen['./nestjs']!.includes('LlmRouterModule'));
    assert.ok(out.seen['./express']!.includes('llmRouterMiddleware'));
    assert.equal(out.object, 'chat.completion');
    assert.equal(out.provider, 'mock');
    assert.ok(Math.abs(out.cost - 0.15) < 1e-9, 'the bundled price table loads from the consumer');

    // Declarations: no @internal member, and they type-check in a strict consumer.
    const declarations = listFiles(join(consumerModules, 'llm-api-router', 'dist'), '.d.ts');
    assert.ok(declarations.length > 0);
    for (const file of declarations) {
      const internal = memberComments(readFileSync(file, 'utf8')).filter((c) => c.includes('@internal'));
      assert.deepEqual(internal, [], `${file.slice(consumer.length)} declares no @internal member`);
    }
    writeFileSync(join(consumer, 'index.ts'), CONSUMER_TS);
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], experimentalDecorators: true, skipLibCheck: false },
        files: ['index.ts'],
      }),
    );
    execFileSync(join(MODULES, '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: consumer, encoding: 'utf8', timeout: 120_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    if (err.stdout !== undefined || err.stderr !== undefined) assert.fail(`${String(e)}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    throw e;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
