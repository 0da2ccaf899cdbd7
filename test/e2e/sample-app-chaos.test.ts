import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { RouterEvent } from '../../lib/events/router-event.js';
import { MockProviderServer } from '../../lib/testing/index.js';
import { seededRandom } from '../../lib/util/seeded-random.js';
import { startSampleExpressApp } from '../../sample-app/express/create-express-app.js';
import { startSampleNestApp } from '../../sample-app/nestjs/create-nest-app.js';
import type { SampleConfig } from '../../sample-app/shared/config.js';
import type { RunningSampleApp } from '../../sample-app/shared/running-app.js';
import { FORMATS, keyOf } from '../providers/wire-formats.js';
import { randomFault } from '../support/random-faults.js';

// The sample app as a proxy over four providers (one per wire format) that fail at random (errors,
// timeouts, hangs, resets, cut, malformed and erroring streams, with pauses between stream events), the official
// openai SDK as its client: a request the SDK sees succeed is whole (the full text; for a stream, the
// finish reason and the usage chunk too), and the SDK's successes are exactly the router's.

const REQUESTS = 150;

const VARIANTS: Array<{ name: string; start: (config: SampleConfig) => Promise<RunningSampleApp> }> = [
  { name: 'NestJS on Fastify', start: (config) => startSampleNestApp(config, { platform: 'fastify', logger: false }) },
  { name: 'plain Express', start: (config) => startSampleExpressApp(config, { log: false }) },
];

for (const [v, variant] of VARIANTS.entries()) {
  describe(`sample app (${variant.name}) over failing providers`, () => {
    let upstream: MockProviderServer;
    let app: RunningSampleApp;

    before(async () => {
      upstream = await MockProviderServer.start({ maxLoggedRequests: 10_000, chunkCount: 6, chunkDelayMs: 2 });
      app = await variant.start({
        router: {
          providers: FORMATS.map((f) => {
            const config = f.config(upstream.url, keyOf(f.format));
            return { ...config, name: f.format, timeoutMs: 400, models: { 'chat-model': config.defaultModel! } };
          }),
          strategy: 'round-robin',
          retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 10 },
          circuitBreaker: { failureThreshold: 6, cooldownMs: 200 },
        },
        port: 0,
        host: '127.0.0.1',
        metricsPath: '/metrics',
        source: 'file',
      });
    });
    after(async () => {
      await app.close();
      await upstream.close();
    });

    test(`${REQUESTS} requests: what the openai SDK sees succeed is whole, and its successes are the router's`, async () => {
      const random = seededRandom(v + 1);
      const ends: RouterEvent[] = [];
      const subscription = app.router.events$.subscribe((e) => {
        if (e.type === 'request.end') ends.push(e);
      });
      const client = new OpenAI({ apiKey: 'client-side-key', baseURL: `${app.url}/v1`, maxRetries: 0, timeout: 20_000 });
      const incomplete: string[] = [];
      let succeeded = 0;
      let failed = 0;
      try {
        await Promise.all(
          Array.from({ length: REQUESTS }, async (_, i) => {
            await new Promise((resolve) => setTimeout(resolve, random() * 1500));
            if (random() < 0.3) upstream.enqueueFault(randomFault(random), { times: 1 + Math.floor(random() * 2) });
            const content = `hello number ${i} a b c`;
            const expected = `Echo: ${content}`;
            try {
              if (random() < 0.6) {
                let text = '';
                let finish: string | null = null;
                let usage: unknown = null;
                const stream = await client.chat.completions.create({ model: 'chat-model', messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } });
                for await (const chunk of stream) {
                  text += chunk.choices[0]?.delta?.content ?? '';
                  finish = chunk.choices[0]?.finish_reason ?? finish;
                  usage = chunk.usage ?? usage;
                }
                succeeded++;
                if (text !== expected || finish !== 'stop' || usage === null) incomplete.push(`stream ${i}: ${JSON.stringify(text)}, finish ${finish}, usage ${JSON.stringify(usage)}`);
              } else {
                const answer = await client.chat.completions.create({ model: 'chat-model', messages: [{ role: 'user', content }] });
                succeeded++;
                if (answer.choices[0]?.message.content !== expected) incomplete.push(`answer ${i}: ${JSON.stringify(answer.choices[0]?.message.content)}`);
              }
            } catch (error) {
              assert.ok(error instanceof OpenAI.APIError, String(error));
              failed++;
            }
          }),
        );
      } finally {
        subscription.unsubscribe();
      }
      assert.deepEqual(incomplete, []);
      assert.equal(succeeded + failed, REQUESTS);
      assert.ok(succeeded > 0 && failed > 0, `${succeeded} succeeded, ${failed} failed: both outcomes occur`);
      assert.equal(ends.length, REQUESTS);
      assert.equal(ends.filter((e) => e.type === 'request.end' && e.success).length, succeeded, "the SDK's successes are the router's");
    });
  });
}
