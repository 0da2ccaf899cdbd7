import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MockProviderServer, mockEmbedding } from '../../lib/testing/index.js';

// No official Gemini SDK is installed, so these tests assert the exact JSON shapes Google documents:
// - https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse (candidates[].content.parts,
//   finishReason, index, usageMetadata.promptTokenCount/candidatesTokenCount/totalTokenCount, modelVersion,
//   responseId) and #method:-models.streamgeneratecontent (`alt=sse`; without it, a JSON array)
// - https://ai.google.dev/gemini-api/docs/function-calling (functionCall / functionResponse parts)
// - https://ai.google.dev/api/embeddings (embedContent → {embedding:{values}}, batchEmbedContents → {embeddings})
// - https://ai.google.dev/gemini-api/docs/troubleshooting (error body {error:{code, message, status}})
// - https://ai.google.dev/gemini-api/docs/api-key (x-goog-api-key header or ?key=)

interface GeminiChunk {
  candidates: Array<{ content?: { parts: Array<Record<string, unknown>>; role: string }; finishReason?: string; index: number }>;
  usageMetadata: { promptTokenCount: number; candidatesTokenCount?: number; totalTokenCount: number };
  modelVersion: string;
  responseId: string;
}

describe('MockProviderServer speaks the Gemini API', () => {
  let server: MockProviderServer;
  const key = { 'x-goog-api-key': 'AIza-test' };

  before(async () => {
    server = await MockProviderServer.start({ models: ['gemini-2.0-flash', 'text-embedding-004'] });
  });
  beforeEach(() => server.reset());
  after(() => server.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = key): Promise<Response> =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  test('generateContent: the documented response object', async () => {
    const res = await post('/v1beta/models/gemini-2.0-flash:generateContent', {
      systemInstruction: { parts: [{ text: 'Be brief' }] },
      contents: [{ role: 'user', parts: [{ text: 'Hello mock world' }] }],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      candidates: [{ content: { parts: [{ text: 'Echo: Hello mock world' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: {
        promptTokenCount: 5,
        candidatesTokenCount: 4,
        totalTokenCount: 9,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }],
      },
      modelVersion: 'gemini-2.0-flash',
      responseId: 'mockresp1',
    });
  });

  test('the key may come as ?key= (snake_case request fields too); it is redacted in the log', async () => {
    const res = await post(
      '/v1beta/models/gemini-2.0-flash:generateContent?key=AIza-secret',
      { system_instruction: { parts: [{ text: 'x' }] }, contents: [{ parts: [{ text: 'hi' }] }] },
      {},
    );
    assert.equal(res.status, 200);
    const body = (await res.json()) as GeminiChunk;
    assert.deepEqual(body.candidates[0]!.content!.parts, [{ text: 'Echo: hi' }]);
    assert.deepEqual(server.requests[0]!.query, { key: '[REDACTED]' });
    assert.ok(!JSON.stringify(server.requests).includes('AIza-secret'));
  });

  test('streamGenerateContent?alt=sse: CRLF-framed data events, no [DONE], finishReason only on the last chunk', async () => {
    const res = await post('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', {
      contents: [{ role: 'user', parts: [{ text: 'one two three four five' }] }],
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const raw = await res.text();
    assert.ok(raw.endsWith('\r\n\r\n'));
    assert.ok(!raw.includes('[DONE]'));
    const events = raw.split('\r\n\r\n').filter((e) => e.length > 0);
    assert.ok(events.length >= 3);
    assert.ok(events.every((e) => e.startsWith('data: ')));
    const chunks = events.map((e) => JSON.parse(e.slice(6)) as GeminiChunk);
    assert.equal(chunks.map((c) => c.candidates[0]!.content!.parts[0]!.text).join(''), 'Echo: one two three four five');
    assert.deepEqual(
      chunks.map((c) => c.candidates[0]!.finishReason),
      [...new Array(chunks.length - 1).fill(undefined), 'STOP'],
    );
    assert.ok(chunks.every((c) => c.candidates[0]!.content!.role === 'model' && c.responseId === 'mockresp1'));
    const last = chunks[chunks.length - 1]!;
    assert.deepEqual(
      [last.usageMetadata.promptTokenCount, last.usageMetadata.candidatesTokenCount, last.usageMetadata.totalTokenCount],
      [5, 6, 11],
    );
    const counts = chunks.map((c) => c.usageMetadata.candidatesTokenCount ?? 0);
    assert.deepEqual([...counts].sort((a, b) => a - b), counts, 'candidatesTokenCount is cumulative');
  });

  test('streamGenerateContent without alt=sse answers a JSON array of the same chunks', async () => {
    const res = await post('/v1beta/models/gemini-2.0-flash:streamGenerateContent', { contents: [{ role: 'user', parts: [{ text: 'a b c' }] }] });
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const chunks = (await res.json()) as GeminiChunk[];
    assert.ok(Array.isArray(chunks) && chunks.length >= 2);
    assert.equal(chunks.map((c) => c.candidates[0]!.content!.parts[0]!.text).join(''), 'Echo: a b c');
    assert.equal(chunks[chunks.length - 1]!.candidates[0]!.finishReason, 'STOP');
  });

  test('function calling: a functionCall part with schema-derived args (Gemini upper-case types), then text after functionResponse', async () => {
    const tools = [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            parameters: { type: 'OBJECT', properties: { location: { type: 'STRING' }, days: { type: 'INTEGER' } } },
          },
        ],
      },
    ];
    const call = (await (await post('/v1beta/models/gemini-2.0-flash:generateContent', { contents: [{ role: 'user', parts: [{ text: 'Weather?' }] }], tools })).json()) as GeminiChunk;
    assert.deepEqual(call.candidates[0]!.content!.parts, [{ functionCall: { name: 'get_weather', args: { location: 'mock', days: 1 } } }]);
    assert.equal(call.candidates[0]!.finishReason, 'STOP');

    const streamed = await post('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', { contents: [{ role: 'user', parts: [{ text: 'Weather?' }] }], tools });
    const events = (await streamed.text()).split('\r\n\r\n').filter((e) => e.length > 0);
    assert.equal(events.length, 1, 'Gemini sends a function call whole, in one chunk');
    const chunk = JSON.parse(events[0]!.slice(6)) as GeminiChunk;
    assert.deepEqual(chunk.candidates[0]!.content!.parts, [{ functionCall: { name: 'get_weather', args: { location: 'mock', days: 1 } } }]);

    const after = (await (
      await post('/v1beta/models/gemini-2.0-flash:generateContent', {
        contents: [
          { role: 'user', parts: [{ text: 'Weather?' }] },
          { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris' } } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 22 } } }] },
        ],
        tools,
      })
    ).json()) as GeminiChunk;
    assert.deepEqual(after.candidates[0]!.content!.parts, [{ text: 'Echo: {"temperature":22}' }]);

    const none = (await (
      await post('/v1beta/models/gemini-2.0-flash:generateContent', {
        contents: [{ role: 'user', parts: [{ text: 'Weather?' }] }],
        tools,
        toolConfig: { functionCallingConfig: { mode: 'NONE' } },
      })
    ).json()) as GeminiChunk;
    assert.deepEqual(none.candidates[0]!.content!.parts, [{ text: 'Echo: Weather?' }]);
  });

  test('finish reasons: maxOutputTokens gives MAX_TOKENS; contentFilter gives SAFETY with no content', async () => {
    const long = (await (
      await post('/v1beta/models/gemini-2.0-flash:generateContent', {
        contents: [{ role: 'user', parts: [{ text: 'a b c d' }] }],
        generationConfig: { maxOutputTokens: 2 },
      })
    ).json()) as GeminiChunk;
    assert.equal(long.candidates[0]!.finishReason, 'MAX_TOKENS');
    assert.deepEqual(long.candidates[0]!.content!.parts, [{ text: 'Echo: a' }]);

    server.enqueueFault({ contentFilter: true });
    const blocked = (await (await post('/v1beta/models/gemini-2.0-flash:generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }] })).json()) as GeminiChunk;
    assert.equal(blocked.candidates[0]!.finishReason, 'SAFETY');
    assert.equal(blocked.candidates[0]!.content, undefined);
    assert.deepEqual(blocked.usageMetadata, { promptTokenCount: 1, totalTokenCount: 1, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 1 }] });
  });

  test('embedContent and batchEmbedContents', async () => {
    const one = await post('/v1beta/models/text-embedding-004:embedContent', { model: 'models/text-embedding-004', content: { parts: [{ text: 'alpha' }] } });
    assert.deepEqual(await one.json(), { embedding: { values: mockEmbedding('alpha', 8) } });
    const batch = await post('/v1beta/models/text-embedding-004:batchEmbedContents', {
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'alpha' }] } },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'beta' }] }, outputDimensionality: 3 },
      ],
    });
    assert.deepEqual(await batch.json(), { embeddings: [{ values: mockEmbedding('alpha', 8) }, { values: mockEmbedding('beta', 3) }] });
  });

  test('models list', async () => {
    const res = await fetch(`${server.url}/v1beta/models`, { headers: key });
    const body = (await res.json()) as { models: Array<{ name: string; supportedGenerationMethods: string[] }> };
    assert.deepEqual(body.models.map((m) => m.name), ['models/gemini-2.0-flash', 'models/text-embedding-004']);
    assert.ok(body.models[0]!.supportedGenerationMethods.includes('generateContent'));
  });

  test('errors: missing key 403, refused key 400 API_KEY_INVALID, injected 429, unknown model 404, bad role 400', async () => {
    const missing = await post('/v1beta/models/gemini-2.0-flash:generateContent', { contents: [{ parts: [{ text: 'hi' }] }] }, {});
    assert.equal(missing.status, 403);
    assert.equal(((await missing.json()) as { error: { status: string; code: number } }).error.status, 'PERMISSION_DENIED');

    server.configure({ apiKeys: ['AIza-right'] });
    const refused = await post('/v1beta/models/gemini-2.0-flash:generateContent', { contents: [{ parts: [{ text: 'hi' }] }] });
    assert.equal(refused.status, 400);
    const refusedBody = (await refused.json()) as { error: { code: number; status: string; details: Array<{ reason: string }> } };
    assert.equal(refusedBody.error.code, 400);
    assert.equal(refusedBody.error.status, 'INVALID_ARGUMENT');
    assert.equal(refusedBody.error.details[0]!.reason, 'API_KEY_INVALID');
    server.reset();

    server.enqueueFault({ status: 429 }, { match: { format: 'gemini' } });
    const limited = await post('/v1beta/models/gemini-2.0-flash:generateContent', { contents: [{ parts: [{ text: 'hi' }] }] });
    assert.equal(limited.status, 429);
    assert.deepEqual(await limited.json(), {
      error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' },
    });

    server.configure({ strictModels: true });
    const unknown = await post('/v1beta/models/gemini-9:generateContent', { contents: [{ parts: [{ text: 'hi' }] }] });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { status: string } }).error.status, 'NOT_FOUND');

    const badRole = await post('/v1beta/models/gemini-2.0-flash:generateContent', { contents: [{ role: 'assistant', parts: [{ text: 'hi' }] }] });
    assert.equal(badRole.status, 400);
    assert.equal(((await badRole.json()) as { error: { message: string } }).error.message, 'Please use a valid role: user, model.');
  });
});
