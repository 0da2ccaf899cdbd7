import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { llmRouterMiddleware } from '../../adapters/express/index.js';
import { ConfigurationError, LlmRouter } from '../../lib/index.js';
import { drive, mockProvider } from './router-helpers.js';

test('auth: { bearerToken: undefined } means no auth, as metrics.bearerToken: undefined does in the NestJS module', async () => {
  const router = new LlmRouter({ providers: [mockProvider('solo')] });
  await drive(router, 1);
  const metrics = llmRouterMiddleware({ router, auth: { bearerToken: process.env.LLM_ROUTER_TEST_UNSET_TOKEN }, stats: true });
  const server = createServer((req, res) => metrics(req, res, () => res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await fetch(`${url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /provider="solo"/);
    assert.equal((await fetch(`${url}/stats`)).status, 200);
  } finally {
    server.close();
    metrics.close();
    await router.close();
  }
});

test('an empty or non-string bearer token is still a ConfigurationError', async () => {
  const router = new LlmRouter({ providers: [mockProvider('solo')] });
  try {
    assert.throws(() => llmRouterMiddleware({ router, auth: { bearerToken: '' } }), ConfigurationError);
    assert.throws(() => llmRouterMiddleware({ router, auth: { bearerToken: 42 as unknown as string } }), ConfigurationError);
  } finally {
    await router.close();
  }
});
