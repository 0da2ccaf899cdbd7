import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { metrics, trace } from '@opentelemetry/api';
import { LlmRouter } from '../../lib/index.js';
import { instrumentOpenTelemetry } from '../../lib/opentelemetry/index.js';
import { createTestTelemetry, histogram, MESSAGES, pointWith } from './otel-test-kit.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const coreEntry = new URL('../../lib/index.js', import.meta.url).href;
const otelEntry = new URL('../../lib/opentelemetry/index.js', import.meta.url).href;

test('without options it uses the global providers, even those registered after it subscribed', async () => {
  const router = new LlmRouter({ providers: [{ providerType: 'mock', defaultModel: 'mock-model' }], metricsEnabled: false });
  const subscription = instrumentOpenTelemetry(router);
  await router.chat.completions.create({ messages: MESSAGES });
  const telemetry = createTestTelemetry();
  assert.ok(metrics.setGlobalMeterProvider(telemetry.meterProvider));
  assert.ok(trace.setGlobalTracerProvider(telemetry.tracerProvider));
  try {
    await router.chat.completions.create({ messages: MESSAGES });
    const duration = histogram(await telemetry.metrics(), 'gen_ai.client.operation.duration');
    assert.equal(pointWith(duration, { 'gen_ai.request.model': 'mock-model' }).value.count, 1, 'the request after registration');
    assert.deepEqual(telemetry.spans().map((s) => [s.name, s.instrumentationScope.name]), [['chat mock-model', 'llm-api-router']]);
  } finally {
    subscription.unsubscribe();
    await router.close();
    metrics.disable();
    trace.disable();
    await telemetry.shutdown();
  }
});

/** Resolution hooks that make every @opentelemetry package look uninstalled. */
const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) {
    throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;

const child = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
const { LlmRouter, Client } = await import(${JSON.stringify(coreEntry)});
const router = new LlmRouter({ providers: [{ providerType: 'mock', defaultModel: 'm' }] });
const res = await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: false });
const stream = await router.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], stream: true });
for await (const _ of stream);
await router.close();
const entry = await import(${JSON.stringify(otelEntry)}).then(() => 'loaded', (e) => e.code);
console.log(JSON.stringify({ ok: typeof Client === 'function' && res.choices.length === 1, entry }));
`;

test('the core neither needs nor loads OpenTelemetry: it works where no @opentelemetry package resolves', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', child], { cwd: root, timeout: 30_000 }, (error, out, err) => {
      if (error) reject(new Error(`the child process failed (${error.code ?? error.signal}):\n${err}`));
      else resolve(out);
    });
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { ok: boolean; entry: string };
  assert.deepEqual(result, { ok: true, entry: 'ERR_MODULE_NOT_FOUND' }, 'the core ran; the opentelemetry entry (and only it) needs @opentelemetry/api');
});

test('the package name resolves the entry point', async () => {
  const entry = await import('llm-api-router/opentelemetry');
  assert.equal(entry.instrumentOpenTelemetry, instrumentOpenTelemetry);
  const options: import('llm-api-router/opentelemetry').OpenTelemetryInstrumentationOptions = { captureContent: false };
  assert.equal(options.captureContent, false);
});
