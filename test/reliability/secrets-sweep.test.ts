import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Client } from '../../lib/client.js';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { MockProviderServer, type MockFault } from '../../lib/testing/index.js';
import type { ClientOptions } from '../../lib/config/index.js';
import { capturingLogger, errorText } from '../core/core-test-kit.js';
import { ReplayServer } from '../providers/recording-replay.js';
import { FORMATS, KEYS, keyOf, type FormatCase } from '../providers/wire-formats.js';

// The secrets sweep: every error path of every wire format, with keys of each provider's shape and keys
// given through `headers`, checked in the error's message, stack, util.inspect, JSON.stringify and cause
// chain, in the log lines, the events and the metrics (records and the Prometheus text).

const HEADER_KEYS = {
  'x-api-key': 'hdr-xapikey-6b1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d',
  'api-key': 'hdr-apikey-0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d',
  'Ocp-Apim-Subscription-Key': 'hdr-ocpapim-9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  Authorization: 'Bearer hdr-bearer-5e4d3c2b1a09f8e7d6c5b4a3928170ff',
} as const;

/** Pieces of a secret that must not appear: its start, its middle and its end. */
function pieces(secret: string): string[] {
  const s = secret.startsWith('Bearer ') ? secret.slice(7) : secret;
  return [s.slice(0, 10), s.slice(Math.floor(s.length / 2) - 5, Math.floor(s.length / 2) + 5), s.slice(-10)];
}

interface Run {
  error: unknown;
  logs: string;
  events: string;
  metrics: string;
}

/** Runs one failing request (streamed or not) on a fresh client and gathers everything it exposed. */
async function runFailing(options: ClientOptions, stream: boolean): Promise<Run> {
  const logger = capturingLogger();
  const collector = new MetricsCollector();
  const client = new Client({ ...options, metricsCollector: collector, logger, maxRetries: 0, circuitBreaker: false } as ClientOptions);
  const events: RouterEvent[] = [];
  client.events$.subscribe((e) => events.push(e));
  let error: unknown;
  try {
    const ask = { messages: [{ role: 'user' as const, content: 'x' }] };
    if (stream) {
      const s = await client.chat.completions.create({ ...ask, stream: true });
      for await (const _ of s) {
        // read to the error
      }
    } else {
      await client.chat.completions.create(ask);
    }
  } catch (e) {
    error = e;
  }
  const metrics = JSON.stringify(collector.getMetrics()) + JSON.stringify(collector.getAggregatedMetrics()) + (await collector.exportMetricsPrometheus());
  await client.close();
  collector.close();
  return { error, logs: logger.text(), events: safeStringify(events), metrics };
}

function safeStringify(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack, cause: String(v.cause) } : v));
}

function assertNoSecret(run: Run, secrets: readonly string[], what: string): void {
  assert.ok(run.error instanceof Error, `${what}: the request failed (${String(run.error)})`);
  const surfaces: Record<string, string> = {
    error: `${errorText(run.error)}\n${inspect(run.error, { depth: 10 })}\n${JSON.stringify(run.error)}`,
    logs: run.logs,
    events: run.events,
    metrics: run.metrics,
  };
  for (const secret of secrets) {
    for (const piece of pieces(secret)) {
      for (const [surface, text] of Object.entries(surfaces)) {
        assert.ok(!text.includes(piece), `${what}: "${piece}" of a key in the ${surface}: ${text.slice(0, 400)}`);
      }
    }
  }
}

describe('secrets sweep', () => {
  let server: MockProviderServer;
  let replay: ReplayServer;
  before(async () => {
    server = await MockProviderServer.start();
    replay = await ReplayServer.start();
  });
  beforeEach(() => server.reset());
  after(async () => {
    await replay.close();
    await server.close();
  });

  const echo = (key: string): string => `invalid key ${key} (sent as Authorization: Bearer ${key}, x-goog-api-key=${key})`;
  const paths: Array<{ name: string; stream: boolean; fault: (key: string) => MockFault }> = [
    { name: 'an error status whose body echoes the key', stream: false, fault: (key) => ({ status: 401, body: { error: { message: echo(key) } } }) },
    { name: 'a key straddling the 500-character cut', stream: false, fault: (key) => ({ status: 500, body: { error: { message: `${'x'.repeat(488)}${key} tail` } } }) },
    { name: 'a 200 whose error body echoes the key', stream: false, fault: (key) => ({ status: 200, body: { error: { message: echo(key) } } }) },
    { name: 'malformed JSON in a 200 body around the key', stream: false, fault: (key) => ({ status: 200, body: `{"id": "x", "echo": ${key} "` }) },
    { name: 'a refused stream whose body echoes the key', stream: true, fault: (key) => ({ status: 429, body: { error: { message: echo(key) } }, headers: { 'retry-after': '0' } }) },
  ];

  for (const format of FORMATS) {
    for (const path of paths) {
      test(`${format.format}: ${path.name}`, async () => {
        const key = keyOf(format.format);
        server.enqueueFault(path.fault(key));
        assertNoSecret(await runFailing(format.config(server.url, key) as ClientOptions, path.stream), [key], `${format.format} ${path.name}`);
      });
    }
  }

  test('azure-openai: a key of Azure\'s shape (no generic pattern knows it) straddling the cut', async () => {
    server.enqueueFault({ status: 500, body: { error: { code: '500', message: `${'y'.repeat(488)}${KEYS.azure}` } } });
    const options = { providerType: 'azure-openai', apiKey: KEYS.azure, baseUrl: server.url, defaultModel: 'gpt-test' } as ClientOptions;
    assertNoSecret(await runFailing(options, false), [KEYS.azure], 'azure cut');
  });

  const FAMILY_KEYS: Array<{ providerType: string; key: string }> = [
    { providerType: 'groq', key: 'gsk_9aB3cD5eF7gH1iJ3kL5mN7oP9qR1sT3uV5wX7yZ9aB1cD3eF5' },
    { providerType: 'xai', key: 'xai-3Fq8Lr2Mv6Nw0Px4Qy8Rz2Sa6Tb0Uc4Vd8We2Xf6Yg0Zh4Ai8' },
    { providerType: 'openrouter', key: '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' },
    { providerType: 'mistral', key: 'Qm7Xr2Kp9Lw4Nz6Vt1Yb8Hc3Jd5Fg0Sa' },
    { providerType: 'deepseek', key: 'sk-4b8e2c6a_0d9f3b7e_1c5a9d3f_7b1e5c9a' },
    { providerType: 'aliyun', key: 'sk-1a2b3c4d_5e6f7a8b_9c0d1e2f_3a4b5c6d' },
    { providerType: 'zhipu', key: 'zk8d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0.Hq3Wm7Pz1Rt5Yv9Nc2Lx6Kb' },
  ];
  for (const { providerType, key } of FAMILY_KEYS) {
    test(`${providerType}: a key of its shape, echoed, straddling the cut, in malformed JSON`, async () => {
      const options = { providerType, apiKey: key, baseUrl: `${server.url}/v1`, defaultModel: 'm' } as ClientOptions;
      const secrets = providerType === 'zhipu' ? [key, key.slice(key.indexOf('.') + 1)] : [key];
      for (const fault of [
        { status: 401, body: { error: { message: echo(key) } } },
        { status: 500, body: { error: { message: `${'z'.repeat(488)}${key}` } } },
        { status: 200, body: `{"echo": ${key}` },
      ] satisfies MockFault[]) {
        server.enqueueFault(fault);
        assertNoSecret(await runFailing(options, false), secrets, `${providerType} ${fault.status}`);
      }
    });
  }

  test('keys given through headers (x-api-key, api-key, Ocp-Apim-Subscription-Key, Authorization) are redacted like apiKey', async () => {
    const all = Object.values(HEADER_KEYS);
    server.enqueueFault({ status: 401, body: { error: { message: `refused ${all.join(' and ')}` } } });
    const options = { providerType: 'openai-compatible', baseUrl: `${server.url}/v1`, defaultModel: 'm', headers: { ...HEADER_KEYS } } as ClientOptions;
    assertNoSecret(await runFailing(options, false), all, 'headers');
    server.enqueueFault({ status: 200, body: `{"broken": ${all.join(' ')}` });
    assertNoSecret(await runFailing(options, false), all, 'headers, malformed body');
  });

  /** A stream of `format` whose second event is `bad` (SSE `data:` or an NDJSON line). */
  function streamWith(format: FormatCase, bad: string): { body: string; contentType: string } {
    switch (format.format) {
      case 'openai':
        return { contentType: 'text/event-stream', body: `data: {"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\ndata: ${bad}\n\ndata: [DONE]\n\n` };
      case 'anthropic':
        return { contentType: 'text/event-stream', body: `event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":1}}}\n\nevent: error\ndata: ${bad}\n\n` };
      case 'gemini':
        return { contentType: 'text/event-stream', body: `data: {"candidates":[{"content":{"parts":[{"text":"a"}]}}]}\r\n\r\ndata: ${bad}\r\n\r\n` };
      default:
        return { contentType: 'application/x-ndjson', body: `{"model":"l","message":{"role":"assistant","content":"a"},"done":false}\n${bad}\n` };
    }
  }

  for (const format of FORMATS) {
    const key = keyOf(format.format);
    const cases = [
      { name: 'a malformed stream event around the key', bad: `{"choices": [ ${key} ` },
      { name: 'an error event echoing the key', bad: JSON.stringify(format.format === 'anthropic' ? { type: 'error', error: { type: 'api_error', message: echo(key) } } : { error: format.format === 'ollama' ? echo(key) : { code: 500, message: echo(key) } }) },
    ];
    for (const c of cases) {
      test(`${format.format}: ${c.name}`, async () => {
        const { body, contentType } = streamWith(format, c.bad);
        replay.serve({ name: c.name, providerType: format.format, status: 200, stream: true, contentType, body });
        assertNoSecret(await runFailing(format.config(replay.url, key) as ClientOptions, true), [key], `${format.format} ${c.name}`);
      });
    }
  }
});
