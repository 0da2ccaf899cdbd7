import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const nestjsEntry = new URL('../../adapters/nestjs/index.js', import.meta.url).href;
const expressEntry = new URL('../../adapters/express/index.js', import.meta.url).href;
const coreEntry = new URL('../../lib/index.js', import.meta.url).href;

/** Resolution hooks that make @nestjs/terminus and express look uninstalled. */
const hooks = `
const blocked = ['@nestjs/terminus', 'express', '@nestjs/platform-express'];
export async function resolve(specifier, context, next) {
  if (blocked.some((name) => specifier === name || specifier.startsWith(name + '/'))) {
    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;

const child = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
await import('reflect-metadata');
const { LlmRouterModule, LlmRouterHealthIndicator } = await import(${JSON.stringify(nestjsEntry)});
const { llmRouterMiddleware } = await import(${JSON.stringify(expressEntry)});
const { LlmRouter } = await import(${JSON.stringify(coreEntry)});
const { Module } = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');
const { FastifyAdapter } = await import('@nestjs/platform-fastify');
const terminusInstalled = await import('@nestjs/terminus').then(() => true, () => false);
class AppModule {}
Module({ imports: [LlmRouterModule.forRoot({ providers: [{ providerType: 'mock', name: 'solo', defaultModel: 'm' }] })] })(AppModule);
const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
await app.listen(0, '127.0.0.1');
const router = app.get(LlmRouter);
await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
const res = await fetch('http://127.0.0.1:' + app.getHttpServer().address().port + '/metrics');
const health = await app.get(LlmRouterHealthIndicator).isHealthy('llm');
const middleware = llmRouterMiddleware({ router });
middleware.close();
await app.close();
console.log(JSON.stringify({ terminusInstalled, metricsStatus: res.status, metrics: await res.text(), health }));
`;

test('the NestJS module and the Express middleware work where @nestjs/terminus and express are not installed', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', child], { cwd: root, timeout: 30_000 }, (error, out, err) => {
      if (error) reject(new Error(`the child process failed (${error.code ?? error.signal}):\n${err}`));
      else resolve(out);
    });
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    terminusInstalled: boolean;
    metricsStatus: number;
    metrics: string;
    health: { llm: { status: string; providers: Record<string, { status: string }> } };
  };
  assert.equal(result.terminusInstalled, false, 'the hooks hide @nestjs/terminus');
  assert.equal(result.metricsStatus, 200);
  assert.match(result.metrics, /^llm_router_requests_total\{[^}]*provider="solo"[^}]*\} 1$/m);
  assert.equal(result.health.llm.status, 'up', 'the indicator answers the terminus shape without terminus');
  assert.equal(result.health.llm.providers.solo!.status, 'up');
});
