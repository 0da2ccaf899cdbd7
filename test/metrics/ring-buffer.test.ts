import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttemptRecord } from '../../lib/metrics/storage/attempt-record.js';
import { RequestRecordRing } from '../../lib/metrics/storage/ring-buffer.js';

/** One record reused for every push, as the collector does: the ring must copy what it keeps. */
const record = new AttemptRecord();

function push(ring: RequestRecordRing, i: number): void {
  Object.assign(record, {
    provider: `p${i % 2}`,
    model: `m${i}`,
    timestamp: 1_700_000_000_000 + i,
    latencyMs: i * 10,
    success: i % 3 !== 0,
    statusCode: i % 3 !== 0 ? 200 : -1,
    errorType: i % 3 === 0 ? 'ProviderError' : null,
    promptTokens: i,
    completionTokens: Number.NaN,
    totalTokens: i,
    stream: i % 2 === 0,
    requestId: `req-${i}`,
    attempt: i % 4,
    ttftMs: i % 2 === 0 ? i : Number.NaN,
  });
  ring.push(record);
}

test('keeps the last `capacity` records, oldest first, with every field', () => {
  const ring = new RequestRecordRing(3);
  for (let i = 1; i <= 5; i++) push(ring, i);
  assert.equal(ring.size, 3);
  assert.deepEqual(ring.toArray(), [
    {
      provider: 'p1', model: 'm3', timestamp: new Date(1_700_000_000_003), latencyMs: 30, success: false, statusCode: null,
      errorType: 'ProviderError', promptTokens: 3, completionTokens: null, totalTokens: 3, stream: false, requestId: 'req-3',
      attempt: 3, ttftMs: null, cachedPromptTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: null, metadata: null,
    },
    {
      provider: 'p0', model: 'm4', timestamp: new Date(1_700_000_000_004), latencyMs: 40, success: true, statusCode: 200,
      errorType: null, promptTokens: 4, completionTokens: null, totalTokens: 4, stream: true, requestId: 'req-4',
      attempt: null, ttftMs: 4, cachedPromptTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: null, metadata: null,
    },
    {
      provider: 'p1', model: 'm5', timestamp: new Date(1_700_000_000_005), latencyMs: 50, success: true, statusCode: 200,
      errorType: null, promptTokens: 5, completionTokens: null, totalTokens: 5, stream: false, requestId: 'req-5',
      attempt: 1, ttftMs: null, cachedPromptTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: null, metadata: null,
    },
  ]);
});

test('filters by provider and model', () => {
  const ring = new RequestRecordRing(10);
  for (let i = 1; i <= 6; i++) push(ring, i);
  assert.deepEqual(ring.toArray({ provider: 'p0' }).map((r) => r.model), ['m2', 'm4', 'm6']);
  assert.deepEqual(ring.toArray({ provider: 'p0', model: 'm4' }).map((r) => r.latencyMs), [40]);
  assert.deepEqual(ring.toArray({ model: 'nope' }), []);
});

test('grows past its first allocation and wraps in order', () => {
  const ring = new RequestRecordRing(600);
  for (let i = 1; i <= 1000; i++) push(ring, i);
  const records = ring.toArray();
  assert.equal(records.length, 600);
  assert.deepEqual(
    records.map((r) => r.latencyMs),
    Array.from({ length: 600 }, (_, k) => (401 + k) * 10),
  );
});

test('capacity 0 keeps nothing; clear empties', () => {
  const none = new RequestRecordRing(0);
  push(none, 1);
  assert.deepEqual(none.toArray(), []);
  const ring = new RequestRecordRing(4);
  for (let i = 1; i <= 6; i++) push(ring, i);
  ring.clear();
  assert.deepEqual(ring.toArray(), []);
  push(ring, 9);
  assert.deepEqual(ring.toArray().map((r) => r.model), ['m9']);
});

test('request ids come back exactly as pushed, UUID-shaped or not', () => {
  const ids = [
    '3f2b8c1e-9a4d-4e7f-8b21-0c5d6e7f8a9b',
    '3F2B8C1E-9A4D-4E7F-8B21-0C5D6E7F8A9B',
    '3f2b8c1e-9a4d-4e7f-8b21-0c5d6e7f8a9',
    '3f2b8c1e-9a4d-4e7f-8b21x0c5d6e7f8a9b',
    '3f2b8c1e99a4d-4e7f-8b21-0c5d6e7f8a9b',
    'zz2b8c1e-9a4d-4e7f-8b21-0c5d6e7f8a9b',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    'é'.repeat(36),
    '',
    null,
  ];
  const ring = new RequestRecordRing(4);
  const seen: Array<string | null> = [];
  ids.forEach((id, i) => {
    push(ring, i);
    record.requestId = id;
    ring.push(record);
    seen.push(...ring.toArray().slice(-1).map((r) => r.requestId));
  });
  assert.deepEqual(seen, ids);
  assert.deepEqual(ring.toArray().filter((_, i) => i % 2 === 1).map((r) => r.requestId), ids.slice(-2));
});
