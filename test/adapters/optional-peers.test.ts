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

/** Runs an ES module in a child process; its last line of output, parsed as JSON. */
async function runChild(code: string): Promise<unknown> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', code], { cwd: root, timeout: 30_000 }, (error, out, err) => {
      if (error) reject(new Error(`the child process failed (${error.code ?? error.signal}):\n${err}`));
      else resolve(out);
    });
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

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
  const result = (await runChild(child)) as {
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

/** The Express entry on a machine with no NestJS at all: the health evaluation must not load @nestjs/*. */
const expressOnlyChild = `
import { register } from 'node:module';
import { createServer } from 'node:http';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks.replace("const blocked = [", "const blocked = ['@nestjs/common', '@nestjs/core', "))}));
const { llmRouterMiddleware, evaluateRouterHealth } = await import(${JSON.stringify(expressEntry)});
const { LlmRouter } = await import(${JSON.stringify(coreEntry)});
const nestInstalled = await import('@nestjs/common').then(() => true, () => false);
const router = new LlmRouter({ providers: [{ providerType: 'mock', name: 'solo', defaultModel: 'm' }] });
await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
const middleware = llmRouterMiddleware({ router, health: true });
const server = createServer((req, res) => middleware(req, res, () => res.writeHead(404).end()));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const res = await fetch('http://127.0.0.1:' + server.address().port + '/health');
const body = await res.json();
server.close();
middleware.close();
await router.close();
console.log(JSON.stringify({ nestInstalled, status: res.status, body, evaluated: evaluateRouterHealth(router).status }));
`;

test('the Express entry, its health route and evaluateRouterHealth work where no @nestjs package is installed', async () => {
  const result = (await runChild(expressOnlyChild)) as {
    nestInstalled: boolean;
    status: number;
    body: { status: string; details: { llm: { providers: Record<string, { status: string; requests: number }> } } };
    evaluated: string;
  };
  assert.equal(result.nestInstalled, false, 'the hooks hide @nestjs/common');
  assert.equal(result.status, 200);
  assert.equal(result.body.status, 'ok');
  assert.deepEqual(result.body.details.llm.providers.solo, { ...result.body.details.llm.providers.solo, status: 'up', requests: 1 });
  assert.equal(result.evaluated, 'up');
});
