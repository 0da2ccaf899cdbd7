import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../lib/client.js';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { errorText } from '../core/core-test-kit.js';
import { loadRecording, ReplayServer } from './recording-replay.js';

// Per-request headers and the providers' rate-limit response headers, through a `Client`.

const TENANT_SECRET = 'tenant-secret-7c1d9e3f5a2b4c6d8e0f1a3b5c7d9e1f';

function attemptEnds(client: Client): Array<Extract<RouterEvent, { type: 'attempt.end' }>> {
  const ends: Array<Extract<RouterEvent, { type: 'attempt.end' }>> = [];
  client.on('attempt.end', (e) => ends.push(e));
  return ends;
}

describe('request headers and rate-limit headers', () => {
  let server: ReplayServer;
  const openAiText = loadRecording('openai/openai-text.json')[0]!;
  const anthropicText = loadRecording('anthropic/anthropic-text.json')[0]!;
  before(async () => {
    server = await ReplayServer.start();
  });
  after(() => server.close());

  const openAi = (extra: object = {}): Client =>
    new Client({ providerType: 'openai', apiKey: 'fake-request-options-key', baseUrl: `${server.url}/v1`, defaultModel: 'm', maxRetries: 0, metricsEnabled: false, ...extra } as never);

  test("a request's headers are sent, merged over the provider's", async () => {
    const client = openAi({ headers: { 'X-Team': 'config', 'x-keep': 'kept' } });
    try {
      server.serve(openAiText);
      await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], headers: { 'X-Team': 'request', 'x-trace-id': 't-1' } });
      const seen = server.requestHeaders.at(-1)!;
      assert.equal(seen['x-team'], 'request', 'one x-team header, the request\'s');
      assert.equal(seen['x-keep'], 'kept');
      assert.equal(seen['x-trace-id'], 't-1');
      assert.equal(seen.authorization, 'Bearer fake-request-options-key');
      server.serve(openAiText);
      await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
      assert.equal(server.requestHeaders.at(-1)!['x-trace-id'], undefined, 'a request without headers sends only the provider\'s');
    } finally {
      await client.close();
    }
  });

  test("a request header's value is redacted like the key", async () => {
    const client = openAi();
    try {
      server.serve({ ...openAiText, status: 401, body: JSON.stringify({ error: { message: `bad tenant key ${TENANT_SECRET}` } }) });
      const error = await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], headers: { 'x-tenant-key': TENANT_SECRET } }).catch((e: unknown) => e);
      assert.ok(error instanceof Error);
      assert.ok(!errorText(error).includes(TENANT_SECRET.slice(0, 12)), error.message);
    } finally {
      await client.close();
    }
  });

  test('OpenAI-style x-ratelimit-remaining-* headers -> attempt.end rateLimit, on success and on error', async () => {
    const client = openAi();
    const ends = attemptEnds(client);
    try {
      server.headers = { 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-remaining-tokens': '149000' };
      server.serve(openAiText);
      await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
      assert.deepEqual(ends.at(-1)!.rateLimit, { remainingRequests: 499, remainingTokens: 149000 });
      server.headers = { 'x-ratelimit-remaining-requests': '0' };
      server.serve({ ...openAiText, status: 429, body: '{"error":{"message":"slow down"}}' });
      await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined);
      assert.deepEqual(ends.at(-1)!.rateLimit, { remainingRequests: 0, remainingTokens: null });
      server.headers = {};
      server.serve(openAiText);
      await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
      assert.equal(ends.at(-1)!.rateLimit, null, 'no headers, no snapshot');
    } finally {
      server.headers = {};
      await client.close();
    }
  });

  test('Anthropic anthropic-ratelimit-*-remaining headers -> attempt.end rateLimit, streamed too', async () => {
    const client = new Client({ providerType: 'anthropic', apiKey: 'fake-request-options-key', baseUrl: `${server.url}/v1`, defaultModel: 'm', maxRetries: 0, metricsEnabled: false } as never);
    const ends = attemptEnds(client);
    try {
      server.headers = { 'anthropic-ratelimit-requests-remaining': '49', 'anthropic-ratelimit-tokens-remaining': '39000' };
      server.serve(anthropicText);
      await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] });
      assert.deepEqual(ends.at(-1)!.rateLimit, { remainingRequests: 49, remainingTokens: 39000 });
      server.serve(loadRecording('anthropic/sdk-basic_response.sse')[0]!);
      for await (const _ of await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true })) {
        // read it all
      }
      assert.deepEqual(ends.at(-1)!.rateLimit, { remainingRequests: 49, remainingTokens: 39000 });
    } finally {
      server.headers = {};
      await client.close();
    }
  });
});
