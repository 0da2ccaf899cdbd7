import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AbortError,
  AuthenticationError,
  BadRequestError,
  NetworkError,
  NotFoundError,
  PermissionDeniedError,
  ProviderError,
  RateLimitError,
  StreamError,
  TimeoutError,
} from '../../lib/errors/llm-router-error.js';
import { errorFromStatus, parseRetryAfter } from '../../lib/errors/error-from-status.js';
import { allowsFallback, isProviderFault, isRetryable, retryDelay } from '../../lib/router/retry-policy.js';
import { DEFAULT_RETRY, resolveRetry } from '../../lib/config/index.js';

const policy = resolveRetry({ initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 }, undefined, DEFAULT_RETRY, 'retry');

describe('retry policy', () => {
  it('retries 408/409/429/5xx, timeouts and network errors, not 4xx', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504]) {
      assert.equal(isRetryable(errorFromStatus(status, 'x', {}), policy), true, String(status));
    }
    for (const status of [400, 401, 403, 404, 422, 501]) {
      assert.equal(isRetryable(errorFromStatus(status, 'x', {}), policy), false, String(status));
    }
    assert.equal(isRetryable(new TimeoutError('t'), policy), true);
    assert.equal(isRetryable(new NetworkError('n'), policy), true);
    assert.equal(isRetryable(new StreamError('s'), policy), false);
    assert.equal(isRetryable(new AbortError('a'), policy), false);
  });

  it('honours a custom retryOnStatus list', () => {
    const only500 = resolveRetry({ retryOnStatus: [500] }, undefined, DEFAULT_RETRY, 'retry');
    assert.equal(isRetryable(errorFromStatus(500, 'x', {}), only500), true);
    assert.equal(isRetryable(errorFromStatus(503, 'x', {}), only500), false);
  });

  it('falls back on provider faults but not on the caller’s own faults', () => {
    assert.equal(allowsFallback(new ProviderError('x', { statusCode: 503 })), true);
    assert.equal(allowsFallback(new RateLimitError('x', { statusCode: 429 })), true);
    assert.equal(allowsFallback(new NotFoundError('x', { statusCode: 404 })), true);
    assert.equal(allowsFallback(new TimeoutError('x')), true);
    assert.equal(allowsFallback(new BadRequestError('x', { statusCode: 400 })), false);
    assert.equal(allowsFallback(new AuthenticationError('x', { statusCode: 401 })), false);
    assert.equal(allowsFallback(new PermissionDeniedError('x', { statusCode: 403 })), false);
    assert.equal(allowsFallback(new AbortError('x')), false);
  });

  it('counts only provider faults against the circuit', () => {
    assert.equal(isProviderFault(new ProviderError('x', { statusCode: 500 })), true);
    assert.equal(isProviderFault(new RateLimitError('x', { statusCode: 429 })), true);
    assert.equal(isProviderFault(new NetworkError('x')), true);
    assert.equal(isProviderFault(new BadRequestError('x', { statusCode: 400 })), false);
    assert.equal(isProviderFault(new AbortError('x')), false);
  });

  it('backs off exponentially with equal jitter, capped at maxDelayMs', () => {
    assert.equal(retryDelay(policy, 0, undefined, () => 0), 50);
    assert.equal(retryDelay(policy, 0, undefined, () => 0.999999), 100);
    assert.equal(retryDelay(policy, 1, undefined, () => 0), 100);
    assert.equal(retryDelay(policy, 2, undefined, () => 1), 400);
    assert.equal(retryDelay(policy, 10, undefined, () => 1), 1000);
    for (let retry = 0; retry < 8; retry++) {
      const d = retryDelay(policy, retry, undefined)!;
      const base = Math.min(1000, 100 * 2 ** retry);
      assert.ok(d >= base / 2 && d <= base, `retry ${retry}: ${d}`);
    }
  });

  it('waits what Retry-After asks, and gives up (undefined) when it asks for more than maxDelayMs', () => {
    assert.equal(retryDelay(policy, 0, 250), 250);
    assert.equal(retryDelay(policy, 3, 0), 0);
    assert.equal(retryDelay(policy, 0, 5000), undefined);
  });

  it('parses retry-after-ms first, then Retry-After seconds or HTTP date', () => {
    assert.equal(parseRetryAfter({ 'retry-after-ms': '150', 'retry-after': '7' }), 150);
    assert.equal(parseRetryAfter({ 'retry-after': '2' }), 2000);
    assert.equal(parseRetryAfter({ 'retry-after': '0.5' }), 500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }, now), 3000);
    assert.equal(parseRetryAfter({ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, now), 0);
    assert.equal(parseRetryAfter({ 'retry-after': 'soon' }), undefined);
    assert.equal(parseRetryAfter({ 'retry-after-ms': 'x' }), undefined);
    assert.equal(parseRetryAfter({}), undefined);
  });

  it('maps statuses to the error classes of the spec', () => {
    const cases: Array<[number, string]> = [
      [400, 'BadRequestError'],
      [401, 'AuthenticationError'],
      [403, 'PermissionDeniedError'],
      [404, 'NotFoundError'],
      [422, 'BadRequestError'],
      [429, 'RateLimitError'],
      [500, 'ProviderError'],
      [503, 'ProviderError'],
      [418, 'ProviderError'],
    ];
    for (const [status, name] of cases) {
      const e = errorFromStatus(status, 'm', { provider: 'p' });
      assert.equal(e.name, name);
      assert.equal(e.statusCode, status);
      assert.equal(e.provider, 'p');
    }
  });
});
