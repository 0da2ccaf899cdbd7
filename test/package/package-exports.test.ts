import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('every entry point of the exports map resolves by package name and exports the spec names', async () => {
  const core = await import('llm-api-router');
  for (const name of [
    'Client',
    'LlmRouter',
    'MetricsCollector',
    'getMetricsCollector',
    'setMetricsCollector',
    'LlmRouterError',
    'ConfigurationError',
    'BadRequestError',
    'AuthenticationError',
    'PermissionDeniedError',
    'NotFoundError',
    'RateLimitError',
    'ProviderError',
    'TimeoutError',
    'NetworkError',
    'StreamError',
    'AbortError',
    'NoProviderAvailableError',
  ]) {
    assert.equal(typeof (core as Record<string, unknown>)[name], 'function', `llm-api-router exports ${name}`);
  }
  const nest = await import('llm-api-router/nestjs');
  assert.equal(typeof nest.LlmRouterModule, 'function');
  assert.equal(typeof nest.LlmRouterHealthIndicator, 'function');
  const express = await import('llm-api-router/express');
  assert.equal(typeof express.llmRouterMiddleware, 'function');
  const testing = await import('llm-api-router/testing');
  assert.equal(typeof testing.MockProviderServer, 'function');
});

test('the core imports and answers without NestJS, terminus or Express installed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llm-router-peers-'));
  try {
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {
  if (/^(@nestjs\\/|express$|express4$|fastify$)/.test(specifier)) throw new Error('peer dependency loaded: ' + specifier);
  return next(specifier, context);
}\n`,
    );
    const main = join(dir, 'main.mjs');
    writeFileSync(
      main,
      `import { register } from 'node:module';
register(${JSON.stringify(new URL(`file://${hooks}`).href)});
const { Client } = await import(${JSON.stringify(new URL('../../lib/index.js', import.meta.url).href)});
const client = new Client({ providerType: 'mock', defaultModel: 'm' });
const res = await client.chat.completions.create({ messages: [{ role: 'user', content: 'ping' }] });
await client.close();
console.log(res.provider + ':' + res.choices[0].message.content.split(' ')[0]);\n`,
    );
    const out = execFileSync(process.execPath, [main], { cwd: process.cwd(), encoding: 'utf8' });
    assert.equal(out.trim(), 'mock:Echo:');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
