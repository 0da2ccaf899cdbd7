import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Client, ConfigurationError, LlmRouter, PROVIDER_DEFAULTS, type ClientOptions, type LlmRouterOptions } from '../../lib/index.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { errorText } from './core-test-kit.js';

const SECRET = 'sk-proj-fakeConfigKeyThatMustNeverBePrinted0123';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected a throw');
}

/** Runs `fn` with environment variables set (or removed, for undefined), restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T | Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>): void => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) delete process.env[k];
      else process.env[k] = value;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

const ENV_VARS: Record<string, string> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  gemini: 'GEMINI_API_KEY',
  'azure-openai': 'AZURE_OPENAI_API_KEY',
  deepseek: 'DEEPSEEK_API_KEY',
  xai: 'XAI_API_KEY',
  groq: 'GROQ_API_KEY',
  mistral: 'MISTRAL_API_KEY',
  openrouter: 'OPENROUTER_API_KEY',
  zhipu: 'ZHIPU_API_KEY',
  aliyun: 'DASHSCOPE_API_KEY',
};

describe('configuration (lib/config)', () => {
  it('never quotes a bad value: a key put in the wrong field is not printed', () => {
    const cases: Array<() => unknown> = [
      () => new Client({ providerType: 'openai', apiKey: 'k', baseUrl: SECRET, metricsEnabled: false }),
      () => new Client({ providerType: 'openai', apiKey: 'k', baseUrl: `ftp://${SECRET}`, metricsEnabled: false }),
      () => new Client({ providerType: SECRET as never, metricsEnabled: false }),
      () => new Client({ providerType: 'openai', apiKey: 'k', name: 7 as never, metricsEnabled: false }),
      () => new Client({ providerType: 'openai', apiKey: 'k', defaultModel: 9 as never, headers: { a: SECRET }, metricsEnabled: false }),
      () => new Client({ providerType: 'openai', apiKey: 'k', models: SECRET as never, metricsEnabled: false }),
      () => new Client({ providerType: 'azure-openai', apiKey: 'k', baseUrl: 'https://r.example', deployment: 5 as never, metricsEnabled: false }),
      () => new LlmRouter({ providers: [{ providerType: 'mock' }], strategy: SECRET as never, metricsEnabled: false }),
      () => new LlmRouter({ providers: [{ providerType: 'mock' }], circuitBreaker: SECRET as never, metricsEnabled: false }),
      () => new LlmRouter({ providers: [{ providerType: 'mock', mock: SECRET as never }], metricsEnabled: false }),
      () => new Client({ providerType: 'mock', retry: SECRET as never, metricsEnabled: false }),
    ];
    for (const make of cases) {
      const e = thrown(make);
      assert.ok(e instanceof ConfigurationError, `ConfigurationError, got ${String(e)}`);
      for (const text of [errorText(e), inspect(e, { depth: 5 }), JSON.stringify(e)]) {
        assert.ok(!text.includes(SECRET), `the value is not quoted: ${e.message}`);
        assert.ok(!text.includes('fakeConfigKey'), 'no part of it either');
      }
    }
  });

  it('every configuration mistake is a ConfigurationError naming the field (never a TypeError or RangeError)', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => new LlmRouter(undefined as never), 'options'],
      [() => new LlmRouter({ providers: [{ providerType: 'mock' }], clock: 5 as never }), 'clock'],
      [() => new LlmRouter({ providers: [{ providerType: 'mock' }], metricsEnabled: 'yes' as never }), 'metricsEnabled'],
      [() => new LlmRouter({ providers: [{ providerType: 'mock' }], metricsCollector: {} as never }), 'metricsCollector'],
      [() => new LlmRouter({ providers: [{ providerType: 'mock' }], logger: 'console' as never }), 'logger'],
      [() => new LlmRouter({ providers: [{ providerType: 'mock' }], prices: { m: { inputPerMillion: -1, outputPerMillion: 1 } } }), 'prices.m.inputPerMillion'],
      [() => new LlmRouter({ providers: [{ providerType: 'mock' }], prices: { m: { inputPerMillion: 1 } as never } }), 'prices.m.outputPerMillion'],
      [() => new LlmRouter({ providers: [{ providerType: 'mock' }], budgets: [{ name: 'b', limitUsd: 1, windowMs: 0 }] }), 'budgets[0].windowMs'],
      [() => new LlmRouter({ providers: [{ providerType: 'mock', rpm: -1 }] }), 'providers[0].rpm'],
      [() => new LlmRouter({ providers: [{ providerType: 'mock', connections: 1.5 }] }), 'providers[0].connections'],
      [() => new LlmRouter({ providers: [{ providerType: 'mock', mock: { errorStatus: 42 } }] }), 'providers[0].mock.errorStatus'],
      [() => new Client({ providerType: 'mock', tpm: 0 }), 'tpm'],
    ];
    for (const [make, field] of cases) {
      const e = thrown(make);
      assert.ok(e instanceof ConfigurationError, `${field}: ConfigurationError, got ${String(e)}`);
      assert.equal(e.field, field);
      assert.match(e.message, new RegExp(`^Invalid configuration: ${field.replace(/[[\]"]/g, '\\$&')} `));
    }
  });

  it('apiKey defaults to the provider’s environment variable', async () => {
    for (const [providerType, variable] of Object.entries(ENV_VARS)) {
      assert.equal(PROVIDER_DEFAULTS[providerType as keyof typeof PROVIDER_DEFAULTS].apiKeyEnv, variable);
      const key = providerType === 'zhipu' ? 'env-id.env-secret' : `env-key-for-${providerType}`;
      const options = { providerType, baseUrl: 'http://127.0.0.1:9/v1', defaultModel: 'm', metricsEnabled: false } as ClientOptions;
      await withEnv({ [variable]: key }, async () => {
        const c = new Client(options);
        await c.close();
      });
      await withEnv({ [variable]: undefined }, () => {
        const e = thrown(() => new Client(options));
        assert.ok(e instanceof ConfigurationError);
        assert.equal(e.field, 'apiKey');
        assert.match(e.message, new RegExp(`or set ${variable}`));
      });
      await withEnv({ [variable]: '  ' }, () => assert.ok(thrown(() => new Client(options)) instanceof ConfigurationError, 'a blank variable is no key'));
    }
  });

  describe('through a server that accepts only the environment’s key', () => {
    const ENV_KEY = 'env-key-not-a-secret-0001';
    let server: MockProviderServer;
    before(async () => {
      server = await MockProviderServer.start({ apiKeys: [ENV_KEY] });
    });
    after(() => server.close());

    it('a key with a trailing line break (read from a file or a secret volume) is sent without it, as fetch would send it', async () => {
      await withEnv({ OPENAI_API_KEY: `${ENV_KEY}\n` }, async () => {
        const fromEnv = new Client({ providerType: 'openai', baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false, maxRetries: 0 });
        const given = new Client({ providerType: 'openai', apiKey: ` ${ENV_KEY}\r\n`, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false, maxRetries: 0, headers: { 'x-team': 'search\n' } });
        try {
          for (const c of [fromEnv, given]) {
            const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
            assert.equal(res.provider, 'openai', 'accepted: not a NetworkError from a refused header');
          }
          assert.equal(server.requests.at(-1)!.headers['x-team'], 'search');
        } finally {
          await fromEnv.close();
          await given.close();
        }
      });
      for (const bad of [`${ENV_KEY}\nsecond-line`, `${ENV_KEY}\u0001`, 'ключ-key-not-latin1']) {
        const e = thrown(() => new Client({ providerType: 'anthropic', apiKey: bad, baseUrl: `${server.url}/v1`, metricsEnabled: false }));
        assert.ok(e instanceof ConfigurationError, 'refused at construction, not every call failing as a network error');
        assert.equal(e.field, 'apiKey');
        assert.ok(!errorText(e).includes(ENV_KEY) && !errorText(e).includes('ключ'), 'the key is not quoted');
      }
    });

    it('sends the key read from OPENAI_API_KEY; an explicit apiKey wins', async () => {
      await withEnv({ OPENAI_API_KEY: ENV_KEY }, async () => {
        const c = new Client({ providerType: 'openai', baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false, maxRetries: 0 });
        const explicit = new Client({ providerType: 'openai', apiKey: 'other-key', baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test', metricsEnabled: false, maxRetries: 0 });
        try {
          const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
          assert.equal(res.provider, 'openai');
          await assert.rejects(explicit.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] }), { name: 'AuthenticationError' });
        } finally {
          await c.close();
          await explicit.close();
        }
      });
    });
  });

  it('the mock provider needs no defaultModel', async () => {
    const c = new Client({ providerType: 'mock', metricsEnabled: false });
    try {
      const res = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.model, 'mock-model');
      assert.deepEqual(c.listModels(), [{ id: 'mock-model', provider: 'mock' }]);
      const withModels = new LlmRouter({ providers: [{ providerType: 'mock', models: ['a', 'b'] }], metricsEnabled: false });
      assert.equal((await withModels.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] })).model, 'a', 'models given: the first is the default');
      await withModels.close();
    } finally {
      await c.close();
    }
  });

  it('LlmRouter takes no second constructor parameter; a Client names its fields without a prefix', () => {
    assert.equal(LlmRouter.length, 1);
    const e = thrown(() => new Client({ providerType: 'mock', timeoutMs: -1 }));
    assert.ok(e instanceof ConfigurationError);
    assert.equal(e.field, 'timeoutMs');
    const r = thrown(() => new LlmRouter({ providers: [{ providerType: 'mock', timeoutMs: -1 }] } as LlmRouterOptions));
    assert.equal((r as ConfigurationError).field, 'providers[0].timeoutMs');
  });
});
