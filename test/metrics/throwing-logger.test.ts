import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Subject } from 'rxjs';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { MetricsCollector } from '../../lib/metrics/metrics-collector.js';
import { attemptEnd, attemptStart } from './support/events.js';

const throwingLogger = {
  warn(): never {
    throw new Error('warn failed');
  },
  error(): never {
    throw new Error('error failed');
  },
};

test('a logger that throws cannot break collection: folded series and failing sources still record', () => {
  const collector = new MetricsCollector({ logger: throwingLogger, maxSeries: 1 });
  const source = new Subject<RouterEvent>();
  const subscription = collector.attach({
    events$: source,
    getProviderStatus: () => {
      throw new Error('status unavailable');
    },
  });
  for (const provider of ['a', 'b', 'c']) {
    source.next(attemptStart(provider, 'm', `r-${provider}`));
    source.next(attemptEnd({ provider, model: 'm', latencyMs: 10, success: true, requestId: `r-${provider}` }));
  }
  assert.equal(subscription.closed, false, 'the source stays attached');
  assert.equal(collector.getSummary().totalRequests, 3, 'every attempt is counted, also those folded into other');
  subscription.unsubscribe();
  collector.close();
});
