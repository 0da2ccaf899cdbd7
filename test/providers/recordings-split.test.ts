import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '../../lib/client.js';
import { seededRandom } from '../../lib/util/seeded-random.js';
import { loadRecording, recordingNames, ReplayServer, type Recording } from './recording-replay.js';

// Every streamed recording, its bytes delivered in pieces cut anywhere (inside characters, line endings and
// events; its last bytes in a read of their own, while the reader waits), reads exactly as when it
// arrives whole: the same text, reasoning, refusal, tool calls, finish reason and usage, or the same error.

let server: ReplayServer;
before(async () => {
  server = await ReplayServer.start();
});
after(() => server.close());

/** What a reader of the stream ends up with, as one comparable string. */
async function outcome(rec: Recording): Promise<string> {
  const baseUrl = rec.providerType === 'gemini' ? `${server.url}/v1beta` : rec.providerType === 'ollama' ? server.url : `${server.url}/v1`;
  const client = new Client({ providerType: rec.providerType, apiKey: 'fake-replay-key-0000', baseUrl, defaultModel: 'm', maxRetries: 0, metricsEnabled: false, circuitBreaker: false } as never);
  server.serve(rec);
  try {
    const deltas: Record<string, string> = { content: '', reasoning: '', refusal: '' };
    const tools: string[] = [];
    const finish: string[] = [];
    let usage: unknown;
    for await (const chunk of await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true })) {
      const choice = chunk.choices[0];
      for (const field of ['content', 'reasoning', 'refusal'] as const) deltas[field] += choice?.delta[field] ?? '';
      for (const call of choice?.delta.toolCalls ?? []) tools.push(`${call.index}:${call.function?.name ?? ''}:${call.function?.arguments ?? ''}`);
      if (choice?.finishReason != null) finish.push(choice.finishReason);
      if (chunk.usage != null) usage = chunk.usage;
    }
    return JSON.stringify({ ...deltas, tools, finish, usage });
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  } finally {
    await client.close();
  }
}

const streamed = recordingNames()
  .filter((name) => name.includes('/'))
  .flatMap((name) => loadRecording(name))
  .filter((rec) => rec.stream);

test(`the ${streamed.length} streamed recordings read the same delivered in pieces as whole`, async () => {
  assert.ok(streamed.length >= 40, `${streamed.length} streamed recordings`);
  const errors = new Set<string>();
  for (const [i, rec] of streamed.entries()) {
    server.splitting = undefined;
    const whole = await outcome(rec);
    if (!whole.startsWith('{')) errors.add(rec.name);
    for (let round = 0; round < 2; round++) {
      server.splitting = seededRandom(1000 * i + round);
      assert.equal(await outcome(rec), whole, `${rec.name}, split (round ${round})`);
    }
  }
  server.splitting = undefined;
  // Recordings that end in an error event are among them: those are the ones a late error could be lost from.
  assert.ok(errors.has('anthropic/stream-error-overloaded.sse') && errors.has('ollama/docs-stream-error-midstream.ndjson'), [...errors].join(', '));
});
