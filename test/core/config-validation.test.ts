import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, ConfigurationError, LlmRouter, PROVIDER_TYPES } from '../../lib/index.js';
import type { ClientOptions, LlmRouterOptions } from '../../lib/index.js';

const KEY = 'fake-config-test-key-not-a-secret';

function configError(fn: () => unknown): ConfigurationError {
  let caught: unknown;
  try {
    // Accepted by mistake: closed, so that a router left connecting cannot hold the test process open.
    void (fn() as { close?: () => Promise<void> } | undefined)?.close?.();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConfigurationError, `expected ConfigurationError, got ${String(caught)}`);
  assert.equal(caught.name, 'ConfigurationError');
  assert.ok(!caught.message.includes(KEY), 'the key is never echoed');
  assert.ok(!caught.message.includes('SECRET'), 'no part of the key is echoed');
  return caught;
}

const client = (o: Partial<ClientOptions> & Record<string, unknown>) => () =>
  new Client({ metricsEnabled: false, ...o } as ClientOptions);
const router = (o: Partial<LlmRouterOptions> & Record<string, unknown>) => () =>
  new LlmRouter({ metricsEnabled: false, ...o } as LlmRouterOptions);

describe('config validation (Client)', () => {
  it('rejects a wrong providerType, naming the field and the allowed values', () => {
    const e = configError(client({ providerType: 'openaii' as never, apiKey: KEY }));
    assert.equal(e.field, 'providerType');
    assert.match(e.message, /providerType/);
    assert.match(e.message, /openai, azure-openai/);
  });

  it('requires a key for the hosted providers, not for ollama, mock or openai-compatible', () => {
    for (const providerType of ['openai', 'azure-openai', 'openrouter', 'deepseek', 'xai', 'groq', 'mistral', 'zhipu', 'aliyun'] as const) {
      const e = configError(client({ providerType, baseUrl: 'http://127.0.0.1:9/v1' }));
      assert.equal(e.field, 'apiKey', providerType);
      assert.match(e.message, new RegExp(`apiKey is required for providerType "${providerType}"`));
    }
    const blank = configError(client({ providerType: 'openai', apiKey: '   ' }));
    assert.equal(blank.field, 'apiKey');
    for (const providerType of ['mock', 'openai-compatible'] as const) {
      const c = new Client({ providerType, baseUrl: 'http://127.0.0.1:9/v1', defaultModel: 'm', metricsEnabled: false });
      assert.deepEqual(c.providerNames, [providerType]);
      void c.close();
    }
  });

  it('rejects a key of the wrong type without echoing it', () => {
    const e = configError(client({ providerType: 'openai', apiKey: 42 as never }));
    assert.equal(e.field, 'apiKey');
    assert.match(e.message, /must be a string/);
  });

  it('requires the id.secret form for zhipu, without echoing the key', () => {
    const e = configError(client({ providerType: 'zhipu', apiKey: KEY }));
    assert.equal(e.field, 'apiKey');
    assert.match(e.message, /id\.secret/);
  });

  it('rejects a bad URL, a non-http scheme, credentials in the URL, and a missing required baseUrl', () => {
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, baseUrl: 'not a url' })).field, 'baseUrl');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, baseUrl: 'ftp://example.com/v1' })).field, 'baseUrl');
    const creds = configError(client({ providerType: 'openai', apiKey: KEY, baseUrl: 'https://user:pw@example.com/v1' }));
    assert.equal(creds.field, 'baseUrl');
    assert.ok(!creds.message.includes('pw@'));
    assert.equal(configError(client({ providerType: 'azure-openai', apiKey: KEY })).field, 'baseUrl');
    assert.equal(configError(client({ providerType: 'openai-compatible' })).field, 'baseUrl');
  });

  it('rejects a negative or zero timeout, negative retries and a bad retry policy', () => {
    const neg = configError(client({ providerType: 'openai', apiKey: KEY, timeoutMs: -1 }));
    assert.equal(neg.field, 'timeoutMs');
    assert.match(neg.message, /-1/);
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, timeoutMs: 0 })).field, 'timeoutMs');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, timeoutMs: Number.NaN })).field, 'timeoutMs');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, maxRetries: -1 })).field, 'maxRetries');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, maxRetries: 1.5 })).field, 'maxRetries');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, retry: 3 as never })).field, 'retry');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, retry: { maxRetries: -2 } })).field, 'retry.maxRetries');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, retry: { multiplier: 0.5 } })).field, 'retry.multiplier');
    assert.equal(
      configError(client({ providerType: 'openai', apiKey: KEY, retry: { initialDelayMs: 500, maxDelayMs: 100 } })).field,
      'retry.maxDelayMs',
    );
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, retry: { retryOnStatus: [700] } })).field, 'retry.retryOnStatus');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, retry: { initialDelayMs: -5 } })).field, 'retry.initialDelayMs');
  });

  it('rejects malformed headers, models, names, Azure options and circuit breaker options', () => {
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, headers: { 'x-a': 1 as never } })).field, 'headers');
    // Each would make undici refuse every call, counted as the provider's network errors and opening its circuit.
    const refusedHeaders: Array<[Record<string, string>, string]> = [
      [{ 'x-a': 'val-q9z7\nb' }, 'headers.x-a'],
      [{ 'x-a': 'val-q9z8\u0001' }, 'headers.x-a'],
      [{ 'x-a': 'val-q9z9検索' }, 'headers.x-a'],
      [{ 'bad header': 'val-q9z1' }, 'headers'],
      [{ 'Content-Length': 'val-q9z2' }, 'headers.Content-Length'],
      [{ 'transfer-encoding': 'val-q9z3' }, 'headers.transfer-encoding'],
      [{ expect: 'val-q9z4' }, 'headers.expect'],
      [{ upgrade: 'val-q9z5' }, 'headers.upgrade'],
      [{ 'keep-alive': 'val-q9z6' }, 'headers.keep-alive'],
    ];
    for (const [headers, field] of refusedHeaders) {
      const error = configError(client({ providerType: 'openai', apiKey: KEY, headers }));
      assert.equal(error.field, field, JSON.stringify(headers));
      for (const value of Object.values(headers)) assert.ok(!error.message.includes(value), 'the value is not quoted: it may be a credential');
    }
    assert.equal(configError(router({ providers: [{ providerType: 'mock' }, { providerType: 'openai', apiKey: KEY, headers: { 'x-a': 'a\r\nb' } }] })).field, 'providers[1].headers.x-a');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, models: [] })).field, 'models');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, models: [''] })).field, 'models[0]');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, name: ' ' })).field, 'name');
    assert.equal(configError(client({ providerType: 'openai', apiKey: KEY, defaultModel: '' })).field, 'defaultModel');
    assert.equal(
      configError(client({ providerType: 'azure-openai', apiKey: KEY, baseUrl: 'https://r.openai.azure.com', apiVersion: '' })).field,
      'apiVersion',
    );
    assert.equal(
      configError(client({ providerType: 'azure-openai', apiKey: KEY, baseUrl: 'https://r.openai.azure.com', deployment: 7 as never })).field,
      'deployment',
    );
    assert.equal(configError(client({ providerType: 'mock', mock: { errorRate: 2 } })).field, 'mock.errorRate');
    assert.equal(configError(client({ providerType: 'mock', circuitBreaker: { failureThreshold: 0 } })).field, 'circuitBreaker.failureThreshold');
    assert.equal(configError(() => new Client(null as never)).field, 'options');
  });

  it('accepts every provider type with what it needs', () => {
    for (const providerType of PROVIDER_TYPES) {
      const apiKey = providerType === 'zhipu' ? 'id.secret' : 'k-123456';
      const c = new Client({ providerType, apiKey, baseUrl: 'http://127.0.0.1:9/v1', defaultModel: 'm', metricsEnabled: false });
      assert.equal(c.getProviderStatus()[0]!.providerType, providerType);
      void c.close();
    }
  });
});

describe('config validation (LlmRouter)', () => {
  const ok = { providerType: 'mock' as const, name: 'ok' };

  it('names the provider by its index', () => {
    const e = configError(router({ providers: [ok, { providerType: 'openai', name: 'b' }] }));
    assert.equal(e.field, 'providers[1].apiKey');
    assert.match(e.message, /^Invalid configuration: providers\[1\]\.apiKey is required/);
    assert.equal(configError(router({ providers: [ok, { providerType: 'nope' as never }] })).field, 'providers[1].providerType');
    assert.equal(configError(router({ providers: [ok, { providerType: 'mock', timeoutMs: -5 }] })).field, 'providers[1].timeoutMs');
    assert.equal(configError(router({ providers: [ok, { providerType: 'openai', apiKey: KEY, baseUrl: '::' }] })).field, 'providers[1].baseUrl');
    assert.equal(configError(router({ providers: [ok, { providerType: 'mock', maxRetries: -1 }] })).field, 'providers[1].maxRetries');
    assert.equal(configError(router({ providers: [ok, { providerType: 'mock', retry: { maxDelayMs: -1 } }] })).field, 'providers[1].retry.maxDelayMs');
  });

  it('rejects duplicate names (including the providerType default)', () => {
    const e = configError(router({ providers: [{ providerType: 'mock' }, { providerType: 'mock' }] }));
    assert.equal(e.field, 'providers[1].name');
    assert.match(e.message, /duplicates "mock"/);
    assert.equal(configError(router({ providers: [ok, { providerType: 'mock', name: 'ok' }] })).field, 'providers[1].name');
  });

  it('rejects an empty provider list, an unknown strategy and a bad router retry', () => {
    assert.equal(configError(router({ providers: [] })).field, 'providers');
    assert.equal(configError(router({ providers: undefined as never })).field, 'providers');
    assert.equal(configError(router({ providers: [ok], strategy: 'random' as never })).field, 'strategy');
    assert.equal(configError(router({ providers: [ok], retry: { maxRetries: -1 } })).field, 'retry.maxRetries');
    assert.equal(configError(router({ providers: [ok], circuitBreaker: 'on' as never })).field, 'circuitBreaker');
    assert.equal(configError(router({ providers: [ok], circuitBreaker: { cooldownMs: -1 } })).field, 'circuitBreaker.cooldownMs');
  });
});

describe('config validation: names that are not options', () => {
  // A mistyped option name (in a JSON config file, or from JavaScript) is not silently ignored: it is a
  // ConfigurationError naming it, with the option it most likely meant.
  const mock = { providerType: 'mock' as const, name: 'm' };
  const cases: Array<[string, () => unknown, string, RegExp]> = [
    ['router', router({ providers: [mock], stratgy: 'round-robin' }), 'stratgy', /did you mean strategy\?/],
    ['provider', router({ providers: [{ ...mock, timeoutMS: 5000 } as never] }), 'providers[0].timeoutMS', /did you mean timeoutMs\?/],
    ['router retry', router({ providers: [mock], retry: { maxRetry: 3 } as never }), 'retry.maxRetry', /did you mean maxRetries\?/],
    ['provider retry', router({ providers: [{ ...mock, retry: { initialDelay: 5 } } as never] }), 'providers[0].retry.initialDelay', /did you mean initialDelayMs\?/],
    ['circuit breaker', router({ providers: [mock], circuitBreaker: { threshold: 3 } as never }), 'circuitBreaker.threshold', /is not an option of circuitBreaker/],
    ['budget', router({ providers: [mock], budgets: [{ name: 'b', limitUsd: 1, windowMs: 1000, limitUSD: 2 } as never] }), 'budgets[0].limitUSD', /did you mean limitUsd\?/],
    ['shared state', router({ providers: [mock], sharedState: { redis: 'redis://127.0.0.1:9', keyprefix: 'x' } as never }), 'sharedState.keyprefix', /did you mean keyPrefix\?/],
    ['mock options', router({ providers: [{ ...mock, mock: { errorrate: 0.5 } } as never] }), 'providers[0].mock.errorrate', /did you mean errorRate\?/],
    ['price', router({ providers: [mock], prices: { 'mock-model': { inputPerMillion: 1, outputPerMillion: 1, cachedPerMillion: 0.5 } as never } }), 'prices.mock-model.cachedPerMillion', /did you mean cachedInputPerMillion\?/],
    ['client', client({ providerType: 'mock', maxRetrys: 2 }), 'maxRetrys', /did you mean maxRetries\?/],
    ['client, a router option', client({ providerType: 'mock', strategy: 'fallback' }), 'strategy', /is not an option of Client/],
  ];
  for (const [what, make, field, message] of cases) {
    it(`${what}: ${field}`, () => {
      const e = configError(make);
      assert.equal(e.field, field);
      assert.match(e.message, message);
    });
  }

  it('a budget for a provider the router does not have is an error naming it, not a budget that never applies', () => {
    const e = configError(router({ providers: [mock, { providerType: 'mock', name: 'backup' }], budgets: [{ name: 'b', provider: 'mian', limitUsd: 1, windowMs: 1000 }] }));
    assert.equal(e.field, 'budgets[0].provider');
    assert.match(e.message, /names no provider of this router \(providers: m, backup\)/);
    const ok = new LlmRouter({ metricsEnabled: false, providers: [mock], budgets: [{ name: 'b', provider: 'm', limitUsd: 1, windowMs: 1000 }] });
    void ok.close();
  });

  it('free-form maps keep any key: headers, model aliases, prices by model, budget metadata', () => {
    const r = new LlmRouter({
      providers: [{ ...mock, headers: { 'x-anything': '1' }, models: { 'any-alias': 'mock-model' } }],
      prices: { 'any-model-name': { inputPerMillion: 1, outputPerMillion: 2 } },
      budgets: [{ name: 'b', limitUsd: 1, windowMs: 1000, metadata: { anyKey: 'v' } }],
      metricsEnabled: false,
    });
    void r.close();
  });
});
