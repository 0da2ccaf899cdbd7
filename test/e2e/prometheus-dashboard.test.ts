import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockProviderServer } from '../../lib/testing/index.js';
import { runLoad } from '../../sample-app/load/load-generator.js';
import { MOCK_BUDGETS, MOCK_PRICES, mockProviders } from '../../sample-app/shared/config.js';
import { cleanEnv, findOnPath, freePort, spawnReady, stopProcess, type StartedProcess } from './child-process.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DIST = join(ROOT, 'dist');
const RATE_INTERVAL = '30s';

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string; refId?: string }>;
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: string | { query: string }; definition?: string }> };
}
interface PromResponse<T> {
  status: string;
  data: T;
  error?: string;
}
type Vector = { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };

/** Every PromQL expression of the dashboard's panels (rows included), with the panel it belongs to. */
function panelExpressions(dashboard: Dashboard): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  const walk = (panels: Panel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr !== undefined && t.expr.trim() !== '') out.push({ where: `${p.title} [${t.refId}]`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** Substitutes the dashboard's template variables and Grafana's interval variables with concrete values. */
function concrete(expr: string): string {
  const out = expr
    .replace(/\$\{?__rate_interval\}?/g, RATE_INTERVAL)
    .replace(/\$\{?__interval\}?/g, '5s')
    .replace(/\$\{?__range\}?/g, '5m')
    .replace(/\$\{?(provider|model)\}?/g, '.*');
  assert.ok(!out.includes('$'), `a template variable is left in ${out}`);
  return out;
}

/**
 * Families a dashboard query may use before the sample app produces them (none now: the app runs a
 * provider that sends rate-limit headers, and the router reports its budgets). A family listed here has
 * its queries evaluated but not required to have data; any other family the app does not export fails.
 */
const NOT_YET_PRODUCED = new Set<string>();

/** The metric families a PromQL expression reads (histogram series folded into their family). */
function familiesOf(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\bllm_router_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')))];
}

/** The families that have at least one sample in a Prometheus text exposition. */
function familiesWithSamples(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(llm_router_[a-z_]+)/.exec(line);
    if (m !== null) out.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
  }
  return out;
}

/**
 * A provider that sends rate-limit headers, as OpenAI does: `MockProviderServer` behind a relay that adds
 * `x-ratelimit-remaining-requests` / `-tokens` (counting down) to every answer.
 */
async function rateLimitedUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = await MockProviderServer.start();
  const target = new URL(upstream.url);
  let remaining = 10_000;
  const relay: Server = createServer((req, res) => {
    const out = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      remaining = Math.max(0, remaining - 1);
      res.writeHead(up.statusCode ?? 502, { ...up.headers, 'x-ratelimit-remaining-requests': String(remaining), 'x-ratelimit-remaining-tokens': String(remaining * 100) });
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    async close() {
      relay.closeAllConnections();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      await upstream.close();
    },
  };
}

async function prom<T>(base: string, path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`);
  const body = (await res.json()) as PromResponse<T>;
  assert.equal(body.status, 'success', `${path} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
  return body.data;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('sample-app/prometheus.yml passes promtool check config', async (t) => {
  const promtool = findOnPath('promtool');
  if (promtool === undefined) {
    if (process.env.CI) assert.fail('promtool is not on PATH; CI must install Debian\'s prometheus package (.ci/run does)');
    t.skip('promtool not found on PATH: install Prometheus (apt-get install prometheus) to run this check');
    return;
  }
  const { stdout } = await promisify(execFile)(promtool, ['check', 'config', join(ROOT, 'sample-app/prometheus.yml')]);
  assert.match(stdout, /SUCCESS/);
});

test('a real Prometheus scraping the sample app under load answers every query of the Grafana dashboard', { timeout: 90_000 }, async (t) => {
  const prometheus = findOnPath('prometheus');
  if (prometheus === undefined) {
    if (process.env.CI) assert.fail('prometheus is not on PATH; CI must install Debian\'s prometheus package (.ci/run does)');
    t.skip('prometheus not found on PATH: install it (apt-get install prometheus) to run the dashboard end-to-end test');
    return;
  }
  const dashboard = JSON.parse(await readFile(join(ROOT, 'sample-app/grafana-dashboard.json'), 'utf8')) as Dashboard;
  const expressions = panelExpressions(dashboard);
  assert.ok(expressions.length >= 35, `the dashboard has ${expressions.length} queries`);

  const dir = await mkdtemp(join(tmpdir(), 'llm-router-prom-'));
  let app: StartedProcess | undefined;
  let server: StartedProcess | undefined;
  let upstream: { url: string; close(): Promise<void> } | undefined;
  try {
    upstream = await rateLimitedUpstream();
    const sampleConfig = {
      providers: [
        ...mockProviders(),
        { providerType: 'openai-compatible', name: 'hosted', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-dashboard-test-0000', defaultModel: 'hosted-model', models: ['hosted-model'], maxRetries: 0 },
      ],
      retry: { maxRetries: 1, initialDelayMs: 25, maxDelayMs: 250 },
      circuitBreaker: { failureThreshold: 4, cooldownMs: 10_000 },
      prices: { ...MOCK_PRICES, 'hosted-model': { inputPerMillion: 1, outputPerMillion: 2 } },
      budgets: MOCK_BUDGETS,
    };
    await writeFile(join(dir, 'llm-router.json'), JSON.stringify(sampleConfig));
    app = await spawnReady(process.execPath, [join(DIST, 'sample-app/nestjs/main.js')], {
      env: cleanEnv({ PORT: '0', HOST: '127.0.0.1', LLM_ROUTER_CONFIG: join(dir, 'llm-router.json') }),
      ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    });
    const appUrl = app.match;

    const shipped = await readFile(join(ROOT, 'sample-app/prometheus.yml'), 'utf8');
    const config = shipped.replace(/scrape_interval: 5s/, 'scrape_interval: 1s').replace(/scrape_timeout: 4s/, 'scrape_timeout: 1s').replace("'localhost:3000'", `'${new URL(appUrl).host}'`);
    assert.ok(config.includes('scrape_interval: 1s') && config.includes(new URL(appUrl).host), 'the shipped config has the expected target and interval');
    await writeFile(join(dir, 'prometheus.yml'), config);
    const promPort = await freePort();
    server = await spawnReady(
      prometheus,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=info',
      ],
      { ready: /Server is ready to receive web requests/, cwd: dir, timeoutMs: 20_000 },
    );
    const promUrl = `http://127.0.0.1:${promPort}`;
    await waitFor('Prometheus to be ready', async () => (await fetch(`${promUrl}/-/ready`)).status === 200, 20_000);
    await waitFor(
      'the first scrape of the sample app',
      async () => (await prom<Vector>(promUrl, '/api/v1/query', { query: 'up{job="llm-api-router-sample"}' })).result.some((r) => r.value[1] === '1'),
      10_000,
    );

    const load = await runLoad({ url: appUrl, concurrency: 12, durationMs: 14_000 });
    const at = (Date.now() - 1_500) / 1000;
    assert.ok(load.ok > 300, `the load generator got ${load.ok} good answers`);
    assert.equal(load.networkErrors, 0);
    assert.ok(load.rejected > 0, 'the load generator sent bad requests and they were rejected');
    await waitFor('a scrape after the load', async () => {
      const r = await prom<Vector>(promUrl, '/api/v1/query', { query: 'timestamp(up{job="llm-api-router-sample"})' });
      return r.result.some((s) => Number(s.value[1]) > at);
    }, 10_000);

    const produced = familiesWithSamples(await (await fetch(`${appUrl}/metrics`)).text());
    const failures: string[] = [];
    const pending: string[] = [];
    for (const { where, expr } of expressions) {
      const query = concrete(expr);
      const data = await prom<Vector>(promUrl, '/api/v1/query', { query, time: String(at) });
      const missing = familiesOf(expr).filter((f) => !produced.has(f));
      if (missing.length > 0) {
        for (const f of missing) if (!NOT_YET_PRODUCED.has(f)) failures.push(`${where}: the sample app exports no ${f}`);
        pending.push(`${where} (${missing.join(', ')})`);
        continue;
      }
      if (data.result.length === 0) failures.push(`${where}: no data for ${query}`);
      else if (!data.result.some((r) => Number.isFinite(Number(r.value[1])))) failures.push(`${where}: only NaN for ${query}`);
    }
    if (pending.length > 0) t.diagnostic(`queries on families the sample app does not produce yet (evaluated, not required to have data): ${pending.join('; ')}`);
    const cost = await prom<Vector>(promUrl, '/api/v1/query', { query: 'sum(llm_router_cost_usd_total)', time: String(at) });
    assert.ok(Number(cost.result[0]?.value[1]) > 0, 'the mock providers cost something (the sample config prices the mock models)');
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? '');
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q);
      assert.ok(m !== null, `variable ${v.name}: ${q} is label_values(selector, label)`);
      const values = await prom<string[]>(promUrl, `/api/v1/label/${m[2]}/values`, { 'match[]': concrete(m[1]!), start: String(at - 60), end: String(at) });
      if (values.length === 0) failures.push(`variable ${v.name}: no values for ${q}`);
    }
    assert.deepEqual(failures, [], `queries without data:\n${failures.join('\n')}`);

    const providers = await prom<Vector>(promUrl, '/api/v1/query', { query: 'sum by (provider) (llm_router_requests_total)', time: String(at) });
    assert.ok(providers.result.some((r) => r.metric.provider === 'mock-fast'));
  } finally {
    if (server !== undefined) await stopProcess(server.child);
    if (app !== undefined) {
      const code = await stopProcess(app.child);
      assert.equal(code, 0, `the sample app exits 0 on SIGTERM\n${app.output().slice(-2000)}`);
    }
    await upstream?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
