import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { LlmRouterError } from '../../lib/errors/llm-router-error.js';
import { BARE_CLIENT_OPTIONS, useMockProviderServer } from '../support/provider-test-kit.js';

// Secrets the client was not configured with (a proxy echoing a caller's header, a key in a URL) are
// still removed from errors by the generic patterns.

const KEY = 'fake-redaction-test-key-not-a-secret';

const FOREIGN = {
  bearer: 'abcdefghijklmnopqrstuvwx0123456789',
  query: 'queryParamSecretValue987',
  openai: 'sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX0123456789',
  anthropic: 'sk-ant-api03_ABCDEFGH_IJKLMNOP_QRSTUVWX012',
  google: 'AIzaSyA0123456789abcdefghij',
  groq: 'gsk_ABCDEFGHIJKLMNOPQRSTUVWX0123456789abcdefghijklmnop',
  xai: 'xai-ABCDEFGHIJKLMNOPQRSTUVWX0123456789abcdefghijklmnopqrstuvwxyz',
};

describe('generic redaction patterns', () => {
  const bed = useMockProviderServer((server) => ({ ...BARE_CLIENT_OPTIONS, providerType: 'openai', apiKey: KEY, baseUrl: `${server.url}/v1`, defaultModel: 'gpt-test' }));

  test('bearer tokens, key= values, sk- keys and Google keys in an error body are redacted', async () => {
    const message = `model xai-grok-4 kept; upstream refused Authorization: Bearer ${FOREIGN.bearer} at https://x.invalid/v1?key=${FOREIGN.query}&a=1 with ${FOREIGN.openai}, ${FOREIGN.anthropic}, ${FOREIGN.groq}, ${FOREIGN.xai} and ${FOREIGN.google}`;
    bed.server.enqueueFault({ status: 500, body: { error: { message, type: 'server_error' } } });
    const error = await bed.client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    assert.ok(error instanceof LlmRouterError, String(error));
    const text = `${error.message}\n${error.stack}\n${inspect(error)}\n${JSON.stringify(error)}`;
    for (const [kind, secret] of Object.entries(FOREIGN)) {
      assert.ok(!text.includes(secret), `${kind} leaked: ${error.message}`);
      assert.ok(!text.includes(secret.slice(8, 20)), `part of ${kind} leaked: ${error.message}`);
    }
    assert.match(error.message, /Bearer \[REDACTED\]/);
    assert.match(error.message, /key=\[REDACTED\]/);
    assert.match(error.message, /sk-proj-\w?\[REDACTED\]/);
    assert.match(error.message, /AIza\[REDACTED\]/);
    assert.match(error.message, /gsk_\[REDACTED\]/);
    assert.match(error.message, /xai-\[REDACTED\]/);
    assert.match(error.message, /model xai-grok-4 kept/, 'a model name is not a key');
    assert.match(error.message, /upstream refused/, 'the rest of the message is kept');
  });
});
