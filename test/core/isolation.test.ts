import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filter, map, take } from 'rxjs';
import { Client, type RouterEvent } from '../../lib/index.js';
import { capturingLogger } from './core-test-kit.js';

describe('events$ isolation (public rxjs API only)', () => {
  it('nested pipes, operators that throw and subscribers without an error callback never escape', async () => {
    const logger = capturingLogger();
    const c = new Client({ providerType: 'mock', metricsEnabled: false, logger });
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const types: string[] = [];
      c.events$
        .pipe(filter((e: RouterEvent) => e.type === 'request.end'))
        .pipe(map(() => {
          throw new Error('boom in a nested pipe');
        }))
        .subscribe();
      c.events$.pipe(filter((e: RouterEvent) => e.type.startsWith('attempt.')), take(2)).subscribe({ next: (e) => types.push(e.type) });
      const completed: boolean[] = [];
      c.events$.pipe(take(1)).subscribe({ complete: () => completed.push(true) });
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
      await c.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }] });
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(types, ['attempt.start', 'attempt.end']);
      assert.deepEqual(completed, [true]);
      assert.deepEqual(uncaught, []);
      assert.ok(logger.entries.some((e) => e.level === 'warn' && JSON.stringify(e.args).includes('boom in a nested pipe')));
    } finally {
      process.off('uncaughtException', onUncaught);
      await c.close();
    }
  });
});
