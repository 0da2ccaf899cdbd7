import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError, type Client, ProviderError, RateLimitError } from '../../lib/index.js';
import { useMockProviderServer } from '../support/provider-test-kit.js';
import { ofType, openAiOptions, recordEvents, rejects } from './core-test-kit.js';

describe('retries against a real server', () => {
  const bed = useMockProviderServer((server) => openAiOptions(server, { retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 20 }, circuitBreaker: false }));
  const make = bed.client;
  const ask = (c: Client) => c.chat.completions.create({ messages: [{ role: 'user', content: 'hello' }] });

  it('retries a 503 then succeeds, with events in order', async () => {
    const c = make();
    const rec = recordEvents(c);
    bed.server.enqueueFault({ status: 503 });
    const res = await ask(c);
    rec.stop();
    assert.equal(res.choices[0]!.message.content, 'Echo: hello');
    assert.deepEqual(rec.types(), ['request.start', 'request.route', 'attempt.start', 'attempt.end', 'request.retry', 'attempt.start', 'attempt.end', 'request.end']);
    const ids = new Set(rec.events.map((e) => e.requestId));
    assert.equal(ids.size, 1);
    const [first, second] = ofType(rec.events, 'attempt.end');
    assert.equal(first!.success, false);
    assert.equal(first!.statusCode, 503);
    assert.equal(first!.errorType, 'ProviderError');
    assert.equal(first!.attempt, 1);
    assert.equal(second!.success, true);
    assert.equal(second!.attempt, 2);
    assert.deepEqual(second!.usage, { promptTokens: 1, completionTokens: 2, totalTokens: 3 });
    const retry = ofType(rec.events, 'request.retry')[0]!;
    assert.equal(retry.attempt, 1);
    assert.equal(retry.statusCode, 503);
    assert.ok(retry.delayMs >= 0 && retry.delayMs <= 20);
    const end = ofType(rec.events, 'request.end')[0]!;
    assert.equal(end.success, true);
    assert.equal(end.attempts, 2);
    assert.equal(bed.server.requests.length, 2);
  });

  it('retries a connection reset and a 429', async () => {
    const c = make();
    bed.server.enqueueFault({ reset: true });
    bed.server.enqueueFault({ status: 429 });
    const res = await ask(c);
    assert.equal(res.choices[0]!.message.content, 'Echo: hello');
    assert.equal(bed.server.requests.length, 3);
  });

  it('gives up after maxRetries and throws the last error', async () => {
    const c = make();
    bed.server.enqueueFault({ status: 500 }, { times: 5 });
    const err = await rejects(ask(c), ProviderError);
    assert.equal(err.statusCode, 500);
    assert.equal(bed.server.requests.length, 3, '1 attempt + 2 retries');
  });

  it('maxRetries 0 makes exactly one attempt', async () => {
    const c = make({ maxRetries: 0 });
    const rec = recordEvents(c);
    bed.server.enqueueFault({ status: 503 });
    await rejects(ask(c), ProviderError);
    rec.stop();
    assert.equal(bed.server.requests.length, 1);
    assert.deepEqual(rec.types(), ['request.start', 'request.route', 'attempt.start', 'attempt.end', 'request.end']);
  });

  it('never retries a 400', async () => {
    const c = make();
    bed.server.enqueueFault({ status: 400 });
    await rejects(ask(c), BadRequestError);
    assert.equal(bed.server.requests.length, 1);
  });

  it('waits what retry-after-ms asks', async () => {
    const c = make();
    const rec = recordEvents(c);
    bed.server.enqueueFault({ status: 429, headers: { 'retry-after-ms': '15' } });
    await ask(c);
    rec.stop();
    assert.equal(ofType(rec.events, 'request.retry')[0]!.delayMs, 15);
  });

  it('does not wait a Retry-After longer than maxDelayMs: it gives up on that provider', async () => {
    const c = make();
    bed.server.enqueueFault({ status: 429, headers: { 'retry-after': '60' } });
    const err = await rejects(ask(c), RateLimitError);
    assert.equal(err.retryAfterMs, 60_000);
    assert.equal(bed.server.requests.length, 1);
  });

  it('retryOnStatus narrows what is retried', async () => {
    const c = make({ retry: { maxRetries: 2, initialDelayMs: 1, retryOnStatus: [500] } });
    bed.server.enqueueFault({ status: 503 });
    await rejects(ask(c), ProviderError);
    assert.equal(bed.server.requests.length, 1);
  });

  it('never retries a stream that was accepted', async () => {
    const c = make();
    bed.server.enqueueFault({ cutAfterChunks: 2 });
    const stream = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hello' }], stream: true });
    await assert.rejects(async () => {
      for await (const _ of stream) void _;
    });
    assert.equal(bed.server.requests.length, 1);
  });

  it('retries a stream refused before it started', async () => {
    const c = make();
    bed.server.enqueueFault({ status: 503 });
    const stream = await c.chat.completions.create({ messages: [{ role: 'user', content: 'hello' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Echo: hello');
    assert.equal(bed.server.requests.length, 2);
  });
});
