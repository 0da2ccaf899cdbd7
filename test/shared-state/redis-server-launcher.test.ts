import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startRedisServer } from '../support/redis-server.js';

test('startRedisServer without the binary rejects with an error naming it and the fix (no unhandled spawn error)', async () => {
  const missing = join(tmpdir(), 'no-such-dir', 'redis-server');
  await assert.rejects(startRedisServer({ bin: missing, timeoutMs: 2_000 }), (error: Error) => {
    assert.match(error.message, /redis-server not found/);
    assert.ok(error.message.includes(missing), error.message);
    assert.match(error.message, /apt-get install redis-server|REDIS_SERVER/);
    return true;
  });
});
