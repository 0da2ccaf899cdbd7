import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PEERS = new Set(['@nestjs', 'express', 'express4', 'reflect-metadata', 'llm-api-router', '.bin', '.package-lock.json']);

/**
 * A consumer project in a temp dir: the built package copied into its node_modules, and every package
 * the repository has installed except NestJS and Express linked next to it, so that NestJS is truly
 * absent for the package (no resolution hook).
 */
function consumerProject(withNest: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-router-no-peers-'));
  const modules = join(dir, 'node_modules');
  const pkg = join(modules, 'llm-api-router');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  for (const sub of ['lib', 'adapters']) cpSync(join(root, 'dist', sub), join(pkg, 'dist', sub), { recursive: true });
  const installed = realpathSync(join(root, 'node_modules'));
  for (const name of readdirSync(installed)) {
    if (!PEERS.has(name)) symlinkSync(join(installed, name), join(modules, name));
  }
  if (withNest.length > 0) mkdirSync(join(modules, '@nestjs'));
  for (const name of withNest) symlinkSync(join(installed, '@nestjs', name), join(modules, '@nestjs', name));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  writeFileSync(
    join(dir, 'main.mjs'),
    `const out = {};
try { await import('llm-api-router/nestjs'); out.nest = 'loaded'; } catch (e) { out.nest = { message: e.message, code: e.code, missing: e.missing }; }
const express = await import('llm-api-router/express');
out.express = typeof express.llmRouterMiddleware;
const { Client } = await import('llm-api-router');
const client = new Client({ providerType: 'mock', defaultModel: 'm' });
out.core = (await client.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] })).provider;
await client.close();
console.log(JSON.stringify(out));\n`,
  );
  return dir;
}

interface Outcome {
  nest: 'loaded' | { message: string; code: string; missing: string[] };
  express: string;
  core: string;
}

const run = (dir: string): Outcome => JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8' }).trim()) as Outcome;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('importing llm-api-router/nestjs without NestJS says what to install; /express and the core still work', () => {
  const dir = consumerProject([]);
  dirs.push(dir);
  const out = run(dir);
  assert.deepEqual(out.nest, {
    message: 'llm-api-router/nestjs needs @nestjs/common and @nestjs/core, which are not installed: npm install @nestjs/common @nestjs/core',
    code: 'ERR_LLM_ROUTER_MISSING_PEER',
    missing: ['@nestjs/common', '@nestjs/core'],
  });
  assert.equal(out.express, 'function', 'the Express entry needs nothing from Express');
  assert.equal(out.core, 'mock');
});

test('with @nestjs/common but not @nestjs/core, the message names only what is missing', () => {
  const dir = consumerProject(['common']);
  dirs.push(dir);
  const out = run(dir);
  assert.notEqual(out.nest, 'loaded');
  assert.equal((out.nest as { message: string }).message, 'llm-api-router/nestjs needs @nestjs/core, which is not installed: npm install @nestjs/core');
});

test('with NestJS installed, the entry loads', () => {
  const dir = consumerProject(['common', 'core']);
  dirs.push(dir);
  assert.equal(run(dir).nest, 'loaded');
});
