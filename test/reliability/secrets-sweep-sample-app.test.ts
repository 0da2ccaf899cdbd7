import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MockProviderServer, type MockFault } from '../../lib/testing/index.js';
import { cleanEnv, spawnReady, stopProcess, type StartedProcess } from '../e2e/child-process.js';

// The secrets sweep, continued in the sample app: two providers with key-shaped keys (one written in the
// config file, one taken from the environment), each behind its own MockProviderServer whose failures
// echo the key it was sent.
// No piece of a key may appear in the app's answers, `/stats`, `/metrics`, `/health`, `/v1/models`, nor
// in what the app printed on stdout and stderr.

const FILE_KEY = 'sk-proj-Xq7Lm2Rv9Tz4Wb6Nc1Pd8Hf3Jk5Sg0AyE2uI4oP6aS8dF';
const ENV_KEY = 'gsk_R4t6Y8u0I2o4P6a8S0d2F4g6H8j0K2l4Z6x8C0v2B4n6';

const MAINS = [
  { name: 'NestJS', main: fileURLToPath(new URL('../../sample-app/nestjs/main.js', import.meta.url)) },
  { name: 'plain Express', main: fileURLToPath(new URL('../../sample-app/express/main.js', import.meta.url)) },
];

/** Pieces of a secret that must not appear: its start, its middle and its end. */
function pieces(secret: string): string[] {
  return [secret.slice(0, 10), secret.slice(Math.floor(secret.length / 2) - 5, Math.floor(secret.length / 2) + 5), secret.slice(-10)];
}

const echo = (key: string): string => `invalid key ${key} (Authorization: Bearer ${key}, x-api-key=${key}) ${key}`;
const ASK = (content: string, stream = false): object => ({ ...(stream ? { stream: true } : {}), messages: [{ role: 'user', content }] });

/** Failures whose bodies carry the key the provider was sent, and the request each is tried with. */
const FAILURES: Array<{ name: string; fault: (key: string) => MockFault; path: string; body: object }> = [
  { name: 'a 401 echoing the key', fault: (key) => ({ status: 401, body: { error: { message: echo(key) } } }), path: '/v1/chat/completions', body: ASK('a') },
  { name: 'a 500 with the key past the cut', fault: (key) => ({ status: 500, body: { error: { message: `${'x'.repeat(488)}${key}` } } }), path: '/v1/chat/completions', body: ASK('b') },
  { name: 'a 200 error body echoing the key', fault: (key) => ({ status: 200, body: { error: { message: echo(key) } } }), path: '/v1/chat/completions', body: ASK('c') },
  { name: 'malformed JSON around the key', fault: (key) => ({ status: 200, body: `{"echo": ${key}` }), path: '/v1/chat/completions', body: ASK('d') },
  { name: 'a refused stream echoing the key', fault: (key) => ({ status: 429, body: { error: { message: echo(key) } }, headers: { 'retry-after': '0' } }), path: '/v1/chat/completions', body: ASK('e', true) },
  { name: 'a mid-stream error echoing the key', fault: (key) => ({ midStreamError: { message: echo(key) } }), path: '/v1/chat/completions', body: ASK('f g h i j', true) },
  { name: 'a 429 on embeddings echoing the key', fault: (key) => ({ status: 429, body: { error: { message: echo(key) } }, headers: { 'retry-after': '0' } }), path: '/v1/embeddings', body: { input: 'x' } },
  { name: 'a 503 on embeddings echoing the key', fault: (key) => ({ status: 503, body: { error: { message: echo(key) } } }), path: '/v1/embeddings', body: { input: 'y' } },
];

for (const { name, main } of MAINS) {
  describe(`secrets sweep: the sample app (${name})`, () => {
    let upstream: MockProviderServer;
    let upstreamEnv: MockProviderServer;
    let dir: string;
    let app: StartedProcess;

    before(async () => {
      upstream = await MockProviderServer.start({ apiKeys: [FILE_KEY] });
      upstreamEnv = await MockProviderServer.start({ apiKeys: [ENV_KEY] });
      dir = await mkdtemp(join(tmpdir(), 'llm-router-secrets-'));
      const file = join(dir, 'config.json');
      await writeFile(
        file,
        JSON.stringify({
          providers: [
            { providerType: 'openai', name: 'primary', baseUrl: `${upstream.url}/v1`, apiKey: FILE_KEY, defaultModel: 'gpt-test' },
            { providerType: 'groq', name: 'secondary', baseUrl: `${upstreamEnv.url}/v1`, apiKey: '${SWEEP_ENV_KEY}', defaultModel: 'gpt-test' },
          ],
          retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 5 },
          circuitBreaker: false,
        }),
      );
      app = await spawnReady(process.execPath, [main], {
        env: cleanEnv({ PORT: '0', HOST: '127.0.0.1', LLM_ROUTER_CONFIG: file, SWEEP_ENV_KEY: ENV_KEY }),
        ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
        timeoutMs: 30_000,
      });
    });

    after(async () => {
      if (app !== undefined) await stopProcess(app.child);
      await upstream?.close();
      await upstreamEnv?.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    test('no key in the answers, /stats, /metrics, /health, /v1/models, nor the logs', async () => {
      const surfaces: Array<[string, string]> = [];
      const fetchText = async (what: string, path: string, init?: RequestInit): Promise<Response> => {
        const res = await fetch(`${app.match}${path}`, init);
        surfaces.push([`${what} (${res.status})`, `${JSON.stringify([...res.headers])}\n${await res.text()}`]);
        return res;
      };
      const post = (what: string, path: string, body: object): Promise<Response> =>
        fetchText(what, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

      for (const failure of FAILURES) {
        upstream.enqueueFault(failure.fault(FILE_KEY), { times: Infinity });
        upstreamEnv.enqueueFault(failure.fault(ENV_KEY), { times: Infinity });
        const res = await post(failure.name, failure.path, failure.body);
        assert.ok('stream' in failure.body || res.status >= 400, `${failure.name}: the app answered ${res.status}`);
        upstream.clearFaults();
        upstreamEnv.clearFaults();
      }
      const ok = await post('a success', '/v1/chat/completions', ASK('fine'));
      assert.ok(upstream.requests.length > FAILURES.length && upstreamEnv.requests.length > 0, 'the failures reached both providers');

      const stats = await fetchText('/stats', '/stats');
      const metrics = await fetchText('/metrics', '/metrics');
      await fetchText('/health', '/health');
      await fetchText('/v1/models', '/v1/models');
      assert.equal(stats.status, 200);
      assert.equal(metrics.status, 200);
      assert.equal(ok.status, 200, 'the success after the failures');
      assert.match(surfaces.find(([w]) => w.startsWith('/metrics'))![1], /llm_router_errors_total\{/, 'the failures are in the metrics');

      await stopProcess(app.child);
      surfaces.push(['stdout and stderr', app.output()]);
      for (const secret of [FILE_KEY, ENV_KEY]) {
        for (const piece of pieces(secret)) {
          for (const [what, text] of surfaces) assert.ok(!text.includes(piece), `"${piece}" of a key in ${what}: ${text.slice(0, 2000)}`);
        }
      }
    });
  });
}
