import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { cleanEnv, spawnReady, stopProcess } from './child-process.js';

const DIST = fileURLToPath(new URL('../../', import.meta.url));

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
interface OtlpMetrics {
  resourceMetrics: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeMetrics: Array<{ scope: { name: string }; metrics: Array<{ name: string; unit?: string }> }> }>;
}
interface OtlpTraces {
  resourceSpans: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans: Array<{ spans: Array<{ name: string; kind: number; traceId: string; attributes: OtlpAttribute[] }> }> }>;
}

/** An OTLP/HTTP receiver on loopback: it decodes JSON bodies (gzip too) of /v1/metrics and /v1/traces. */
async function startReceiver(): Promise<{ url: string; metrics: OtlpMetrics[]; traces: OtlpTraces[]; contentTypes: Set<string>; close(): Promise<void> }> {
  const metrics: OtlpMetrics[] = [];
  const traces: OtlpTraces[] = [];
  const contentTypes = new Set<string>();
  const read = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    return JSON.parse(body.toString('utf8'));
  };
  const server = createServer((req, res) => {
    contentTypes.add(String(req.headers['content-type']));
    read(req).then(
      (json) => {
        if (req.url === '/v1/metrics') metrics.push(json as OtlpMetrics);
        else if (req.url === '/v1/traces') traces.push(json as OtlpTraces);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      },
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    metrics,
    traces,
    contentTypes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const attr = (attrs: OtlpAttribute[] | undefined, key: string): unknown => {
  const v = attrs?.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : (v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue);
};

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const variant of [
  { name: 'NestJS', main: join(DIST, 'sample-app/nestjs/main.js') },
  { name: 'plain Express', main: join(DIST, 'sample-app/express/main.js') },
]) {
  test(`the sample app (${variant.name}) exports GenAI metrics and spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set`, { timeout: 60_000 }, async () => {
    const receiver = await startReceiver();
    const app = await spawnReady(process.execPath, [variant.main], {
      env: cleanEnv({ PORT: '0', HOST: '127.0.0.1', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRIC_EXPORT_INTERVAL: '300', OTEL_SERVICE_NAME: 'sample-under-test' }),
      ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    });
    try {
      assert.match(app.output(), /OpenTelemetry: GenAI metrics and spans over OTLP\/HTTP to http:\/\/127\.0\.0\.1:\d+/);
      for (const stream of [false, true, false]) {
        const res = await fetch(`${app.match}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'mock-chat', stream, messages: [{ role: 'user', content: 'otel please' }] }),
        });
        assert.equal(res.status, 200);
        await res.text();
      }
      const metricNames = (): Set<string> => new Set(receiver.metrics.flatMap((m) => m.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((x) => x.name)))));
      await waitFor('the GenAI metrics', () => ['gen_ai.client.operation.duration', 'gen_ai.client.token.usage', 'gen_ai.client.operation.time_to_first_chunk'].every((n) => metricNames().has(n)));
      const spans = (): Array<{ name: string; kind: number; attributes: OtlpAttribute[] }> => receiver.traces.flatMap((t) => t.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
      await waitFor('three attempt spans', () => spans().filter((s) => s.name === 'chat mock-chat').length >= 3);
      const span = spans().find((s) => s.name === 'chat mock-chat')!;
      assert.equal(span.kind, 3, 'a CLIENT span');
      assert.equal(attr(span.attributes, 'gen_ai.operation.name'), 'chat');
      assert.equal(attr(span.attributes, 'gen_ai.request.model'), 'mock-chat');
      assert.ok(spans().some((s) => Number(attr(s.attributes, 'gen_ai.usage.output_tokens')) > 0), 'a successful attempt carries its usage');
      assert.equal(attr(receiver.metrics[0]!.resourceMetrics[0]!.resource?.attributes, 'service.name'), 'sample-under-test');
      assert.ok([...receiver.contentTypes].every((t) => t.startsWith('application/json')), [...receiver.contentTypes].join());
      const spanText = JSON.stringify(receiver.traces);
      assert.ok(!spanText.includes('otel please'), 'no prompt text on spans (captureContent is off)');
    } finally {
      const code = await stopProcess(app.child);
      await receiver.close();
      assert.equal(code, 0, app.output().slice(-2000));
    }
  });
}
