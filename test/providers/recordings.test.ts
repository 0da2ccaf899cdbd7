import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../lib/client.js';
import { LlmRouterError } from '../../lib/errors/llm-router-error.js';
import type { ChatCompletionChunk, Usage } from '../../lib/types/chat.js';
import { streamedToolCalls } from '../support/provider-test-kit.js';
import { loadRecording, recordingNames, ReplayServer, type Recording } from './recording-replay.js';

// Every recorded real provider answer (test/providers/recordings, copied from ../shared/provider-recordings;
// see its MANIFEST.md) replayed byte for byte through a `Client` of its providerType against a loopback
// server: text, reasoning, refusal, tool calls, finish reason, usage and token details.

/** A long text: its start, its end and its length. */
interface LongText {
  readonly start: string;
  readonly end: string;
  readonly length: number;
}
type Text = string | LongText;

function long(start: string, end: string, length: number): LongText {
  return { start, end, length };
}

type Expected =
  | { error: string; status: number; retryAfterMs?: number }
  | { text: Text | null; reasoning?: Text; refusal?: Text; tools?: Array<[string, unknown] | null>; finish: string; usage: Usage };

const EXPECTED: Record<string, Expected[]> = {
  "aliyun/alibaba-reasoning.chunks.txt": [{ text: long("The word **\"strawberry\"** cont", "\n\n**Answer: 3**", 816), reasoning: long("We are asked: \"How many 'r's a", "inal answer: 3.", 3301), finish: "stop", usage: {promptTokens: 24,completionTokens: 1355,totalTokens: 1379,completionTokensDetails: {reasoningTokens: 1084}} }],
  "aliyun/alibaba-tool-call.chunks.txt": [{ text: "", tools: [["weather", {"location":"San Francisco"}]], finish: "tool_calls", usage: {promptTokens: 295,completionTokens: 22,totalTokens: 317} }],
  "anthropic/anthropic-clear-thinking.1.chunks.txt": [{ text: "925 ÷ 5 = 185", reasoning: long("The previous result was 925. N", "\n\n925 ÷ 5 = 185", 75), finish: "stop", usage: {promptTokens: 69,completionTokens: 53,totalTokens: 122} }],
  "anthropic/anthropic-json-tool.2.chunks.txt": [{ text: "I'll invoke the JSON response tool.", tools: [["json", {"elements":[{"location":"San Francisco","temperature":58,"condition":"sunny"}]}]], finish: "tool_calls", usage: {promptTokens: 849,completionTokens: 47,totalTokens: 896} }],
  "anthropic/anthropic-message-delta-input-tokens.chunks.txt": [{ text: "pong", finish: "stop", usage: {promptTokens: 61,completionTokens: 2,totalTokens: 63} }],
  "anthropic/anthropic-text.chunks.txt": [{ text: long("Hello! I'm doing well, thank y", " help you with?", 108), finish: "stop", usage: {promptTokens: 12,completionTokens: 30,totalTokens: 42} }],
  "anthropic/anthropic-text.json": [{ text: long("Hello! I'm doing well, thanks ", " help you with?", 105), finish: "stop", usage: {promptTokens: 12,completionTokens: 29,totalTokens: 41} }],
  "anthropic/anthropic-tool-no-args.chunks.txt": [{ text: "I'll update the issue list for you.", tools: [["updateIssueList", {}]], finish: "tool_calls", usage: {promptTokens: 565,completionTokens: 48,totalTokens: 613} }],
  "anthropic/error-529-overloaded.json": [{ error: "ProviderError", status: 529 }],
  "anthropic/sdk-basic_response.sse": [{ text: "Hello there!", finish: "stop", usage: {promptTokens: 11,completionTokens: 6,totalTokens: 17} }],
  "anthropic/sdk-incomplete_partial_json_response.sse": [{ text: long("I'll create a comprehensive ta", "at for you now.", 135), tools: [["make_file", long("{\"filename\": \"taxes.txt\", \"lin", ",\n\"Filing taxes", 149)]], finish: "length", usage: {promptTokens: 450,completionTokens: 124,totalTokens: 574} }],
  "anthropic/sdk-tool_use_response.sse": [{ text: "I'll check the current weather in Paris for you.", tools: [["get_weather", {"location":"Paris"}]], finish: "tool_calls", usage: {promptTokens: 377,completionTokens: 65,totalTokens: 442} }],
  "anthropic/stream-error-overloaded.sse": [{ error: "ProviderError", status: 529 }],
  "azure-openai/azure-model-router.1.chunks.txt": [{ text: "Capital of Denmark.", finish: "stop", usage: {promptTokens: 15,completionTokens: 78,totalTokens: 93,completionTokensDetails: {reasoningTokens: 64}} }],
  "deepseek/deepseek-reasoning.chunks.txt": [{ text: "The word \"strawberry\" contains three \"r\"s.", reasoning: long("We need to count the number of", "he answer is 3.", 606), finish: "stop", usage: {promptTokens: 18,completionTokens: 219,totalTokens: 237,completionTokensDetails: {reasoningTokens: 205}} }],
  "deepseek/deepseek-reasoning.json": [{ text: long("The word \"strawberry\" contains", "before the \"y\".", 107), reasoning: long("We are asked: \"How many 'r's a", "So answer is 3.", 935), finish: "stop", usage: {promptTokens: 18,completionTokens: 345,totalTokens: 363,completionTokensDetails: {reasoningTokens: 315}} }],
  "deepseek/deepseek-text.chunks.txt": [{ text: long("## **Holiday Name:** Starlight", "lent looking at", 1855), finish: "length", usage: {promptTokens: 13,completionTokens: 400,totalTokens: 413} }],
  "deepseek/deepseek-tool-call.chunks.txt": [{ text: "", reasoning: long("The user is asking for the wea", "San Francisco\".", 191), tools: [["weather", {"location":"San Francisco"}]], finish: "tool_calls", usage: {promptTokens: 339,completionTokens: 83,totalTokens: 422,promptTokensDetails: {cachedTokens: 320},completionTokensDetails: {reasoningTokens: 39}} }],
  "gemini/error-429-resource-exhausted.json": [{ error: "RateLimitError", status: 429, retryAfterMs: 34400 }],
  "gemini/genai-chat-config-max-tokens-stream.replay.json": [{ text: long("The sky is blue because of a p", "'s a breakdown:", 91), finish: "length", usage: {promptTokens: 6,completionTokens: 20,totalTokens: 26} }],
  "gemini/genai-chat-text-stream.replay.json": [{ text: long("The sky is blue due to a pheno", "azy appearance.", 1879), finish: "stop", usage: {promptTokens: 6,completionTokens: 377,totalTokens: 383} }],
  "gemini/genai-function-calling-stream.replay.json": [{ text: "", tools: [["customDivide", {"denominator":2,"numerator":100}]], finish: "tool_calls", usage: {promptTokens: 21,completionTokens: 6,totalTokens: 27} }, { text: "", tools: [["customDivide", {"denominator":2,"numerator":50}]], finish: "tool_calls", usage: {promptTokens: 38,completionTokens: 6,totalTokens: 44} }],
  "gemini/genai-stream-error-404.replay.json": [{ error: "NotFoundError", status: 404 }],
  "gemini/genai-thinking-thought-parts.replay.json": [{ text: "", reasoning: long("**Breaking Down the Sum of Nat", "fferent value?\n", 541), finish: "length", usage: {promptTokens: 17,completionTokens: 19,totalTokens: 36,completionTokensDetails: {reasoningTokens: 19}} }],
  "gemini/google-text.chunks.txt": [{ text: "There are **3** \"r\"s in strawberry.\n\nst**r**awbe**rr**y", finish: "stop", usage: {promptTokens: 9,completionTokens: 208,totalTokens: 217,completionTokensDetails: {reasoningTokens: 185}} }],
  "gemini/google-text.json": [{ text: long("There are **3** r's in strawbe", "r**awbe**rr**y.", 78), finish: "stop", usage: {promptTokens: 9,completionTokens: 272,totalTokens: 281,completionTokensDetails: {reasoningTokens: 244}} }],
  "gemini/google-tool-call-gemini3.chunks.txt": [{ text: "", tools: [["weather", {"location":"San Francisco"}]], finish: "tool_calls", usage: {promptTokens: 29,completionTokens: 819,totalTokens: 848,completionTokensDetails: {reasoningTokens: 804}} }],
  "gemini/google-tool-call.chunks.txt": [{ text: "", tools: [["weather", {"location":"San Francisco"}]], finish: "tool_calls", usage: {promptTokens: 29,completionTokens: 60,totalTokens: 89,completionTokensDetails: {reasoningTokens: 45}} }],
  "gemini/google-tool-call.json": [{ text: null, tools: [["weather", {"location":"San Francisco"}]], finish: "tool_calls", usage: {promptTokens: 29,completionTokens: 908,totalTokens: 937,completionTokensDetails: {reasoningTokens: 893}} }],
  "gemini/vertex-partial-function-call-args.replay.json": [{ text: "", tools: [["getCurrentWeather", {"country":"USA","location":"NewYorkCity","purpose":"to know what to wear today","unit":"C"}]], finish: "tool_calls", usage: {promptTokens: 36,completionTokens: 126,totalTokens: 162,completionTokensDetails: {reasoningTokens: 93}} }],
  "groq/groq-reasoning.chunks.txt": [{ text: long("The word **\"strawberry\"** is s", "**: $\\boxed{3}$", 347), reasoning: long("Okay, let me try to figure out", "rry\" is three.\n", 2952), finish: "stop", usage: {promptTokens: 17,completionTokens: 1107,totalTokens: 1124,completionTokensDetails: {reasoningTokens: 963}} }],
  "groq/groq-text.chunks.txt": [{ text: long("Introducing \"Luminaria\" - a ne", "magic of light.", 3189), finish: "stop", usage: {promptTokens: 45,completionTokens: 662,totalTokens: 707} }],
  "groq/groq-text.json": [{ text: long("I'd like to introduce \"Luminar", " radiant world.", 2953), finish: "stop", usage: {promptTokens: 45,completionTokens: 607,totalTokens: 652} }],
  "groq/groq-tool-call.chunks.txt": [{ text: "", tools: [["weather", {}]], finish: "tool_calls", usage: {promptTokens: 210,completionTokens: 15,totalTokens: 225} }],
  "mistral/mistral-incremental-tool-call.chunks.txt": [{ text: "", tools: [["webSearchTool", {"query":"current Berlin weather"}]], finish: "tool_calls", usage: {promptTokens: 171,completionTokens: 14,totalTokens: 185,promptTokensDetails: {cachedTokens: 128}} }],
  "mistral/mistral-reasoning.chunks.txt": [{ text: "2 + 2 = 4", reasoning: "The user is asking for 2+2. This is basic arithmetic. 2+2=4.", finish: "stop", usage: {promptTokens: 10,completionTokens: 46,totalTokens: 56} }],
  "mistral/mistral-reasoning.json": [{ text: "2 + 2 = 4", reasoning: "The user is asking for 2+2. This is basic arithmetic. 2+2=4.", finish: "stop", usage: {promptTokens: 10,completionTokens: 46,totalTokens: 56} }],
  "mistral/mistral-text.chunks.txt": [{ text: "Hello, world! This is a test response.", finish: "stop", usage: {promptTokens: 13,completionTokens: 8,totalTokens: 21} }],
  "mistral/mistral-text.json": [{ text: long("**Holiday Name: \"World Kindnes", "d you share? 😊", 1926), finish: "stop", usage: {promptTokens: 13,completionTokens: 434,totalTokens: 447} }],
  "mistral/mistral-tool-call.chunks.txt": [{ text: "", tools: [["weather", {"location":"San Francisco"}]], finish: "tool_calls", usage: {promptTokens: 124,completionTokens: 22,totalTokens: 146} }],
  "ollama/docs-chat-nonstream-tools.json": [{ text: null, tools: [["get_weather", {"city":"Tokyo"}]], finish: "tool_calls", usage: {promptTokens: 169,completionTokens: 18,totalTokens: 187} }],
  "ollama/docs-chat-nonstream.json": [{ text: "Hello! How are you today?", finish: "stop", usage: {promptTokens: 26,completionTokens: 298,totalTokens: 324} }],
  "ollama/docs-chat-stream-history.ndjson": [{ text: "The", finish: "stop", usage: {promptTokens: 61,completionTokens: 468,totalTokens: 529} }],
  "ollama/docs-chat-stream-tools.ndjson": [{ text: "", tools: [["get_weather", {"city":"Tokyo"}]], finish: "tool_calls", usage: {promptTokens: 169,completionTokens: 15,totalTokens: 184} }],
  "ollama/docs-chat-stream.ndjson": [{ text: "The", finish: "stop", usage: {promptTokens: 26,completionTokens: 282,totalTokens: 308} }],
  "ollama/docs-stream-error-midstream.ndjson": [{ error: "ProviderError", status: 500 }],
  "openai-compatible/goose-databricks-claude-parallel-tools.sse": [{ text: long("I'll run both `ls` commands in", " `working_dir`.", 113), tools: [null, ["developer__shell", {"command":"ls"}], ["developer__shell", {"command":"ls working_dir"}]], finish: "tool_calls", usage: {promptTokens: 4982,completionTokens: 122,totalTokens: 5104} }],
  "openai-compatible/goose-tetrate-claude-tool-call.sse": [{ text: "", tools: [["developer__shell", {"command":"find ~/Desktop -type f | wc -l"}]], finish: "tool_calls", usage: {promptTokens: 12376,completionTokens: 79,totalTokens: 12455} }],
  "openai-compatible/perplexity-text.chunks.txt": [{ text: "**EcoVista Day**[1][5]", finish: "stop", usage: {promptTokens: 11,completionTokens: 434,totalTokens: 445} }],
  "openai/error-400-unsupported-parameter.json": [{ error: "BadRequestError", status: 400 }],
  "openai/goose-tool-call-stream.sse": [{ text: "", tools: [["developer__shell", {"command":"ls ~/Desktop | wc -l"}]], finish: "tool_calls", usage: {promptTokens: 8320,completionTokens: 172,totalTokens: 8492} }],
  "openai/node-parse-response-format.json": [{ text: "{\"city\":\"San Francisco\",\"units\":\"c\"}", finish: "stop", usage: {promptTokens: 17,completionTokens: 10,totalTokens: 27} }],
  "openai/node-stream-content-logprobs.sse": [{ text: "{\"city\":\"San Francisco\",\"units\":\"f\"}", finish: "stop", usage: {promptTokens: 17,completionTokens: 10,totalTokens: 27} }],
  "openai/node-stream-refusal.sse": [{ text: "", refusal: "I'm very sorry, but I can't assist with that request.", finish: "stop", usage: {promptTokens: 17,completionTokens: 13,totalTokens: 30} }],
  "openai/node-stream-works.sse": [{ text: "{\"city\":\"San Francisco\",\"units\":\"c\"}", finish: "stop", usage: {promptTokens: 17,completionTokens: 10,totalTokens: 27} }],
  "openai/openai-text.chunks.txt": [{ text: long("**Holiday Name:** Harmony Day\n", "mutual respect.", 1724), finish: "stop", usage: {promptTokens: 16,completionTokens: 300,totalTokens: 316} }],
  "openai/openai-text.json": [{ text: long("**Holiday Name:** Galaxy Day  ", "yond our world.", 1842), finish: "stop", usage: {promptTokens: 16,completionTokens: 363,totalTokens: 379} }],
  "openrouter/goose-gpt-oss-stream-usage.sse": [{ text: "There are **47** files.", finish: "stop", usage: {promptTokens: 7007,completionTokens: 49,totalTokens: 7056} }],
  "openrouter/litellm-openrouter-claude-reasoning.json": [{ text: long("Hello! Nice to meet you. How a", " help you with?", 88), reasoning: long("The user has just said \"Hello ", " welcoming way.", 233), finish: "stop", usage: {promptTokens: 38,completionTokens: 81,totalTokens: 119,completionTokensDetails: {reasoningTokens: 59}} }],
  "xai/xai-text.chunks.txt": [{ text: "Hello", reasoning: "First, the user said", finish: "stop", usage: {promptTokens: 12,completionTokens: 291,totalTokens: 303,promptTokensDetails: {cachedTokens: 11},completionTokensDetails: {reasoningTokens: 290}} }],
  "xai/xai-text.json": [{ text: "Hello", reasoning: long("First, the user said: \"Say a s", "eeps it simple.", 189), finish: "stop", usage: {promptTokens: 12,completionTokens: 229,totalTokens: 241,promptTokensDetails: {cachedTokens: 2},completionTokensDetails: {reasoningTokens: 228}} }],
  "xai/xai-tool-call.chunks.txt": [{ text: "", reasoning: "First, the user is", tools: [["weather", {"location":"San Francisco"}]], finish: "tool_calls", usage: {promptTokens: 291,completionTokens: 222,totalTokens: 513,promptTokensDetails: {cachedTokens: 290},completionTokensDetails: {reasoningTokens: 196}} }],
};

function assertText(actual: string | null | undefined, expected: Text | null | undefined, what: string): void {
  if (expected === undefined || expected === null || typeof expected === 'string') {
    assert.equal(actual ?? null, expected ?? null, what);
    return;
  }
  assert.ok(typeof actual === 'string', `${what}: a text`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(actual.startsWith(expected.start) && actual.endsWith(expected.end), `${what}: ${actual.slice(0, 40)}…`);
}

function arguments_(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function assertArguments(actual: string, expected: unknown, what: string): void {
  if (typeof expected === 'object' && expected !== null && 'start' in expected && 'length' in expected) assertText(actual, expected as LongText, what);
  else assert.deepEqual(arguments_(actual), expected, what);
}

function joined(chunks: ChatCompletionChunk[], field: 'content' | 'reasoning' | 'refusal'): string | null {
  let text: string | null = null;
  for (const c of chunks) {
    const piece = c.choices[0]?.delta[field];
    if (typeof piece === 'string') text = (text ?? '') + piece;
  }
  return text;
}

describe('recorded provider answers, replayed', () => {
  let server: ReplayServer;
  before(async () => {
    server = await ReplayServer.start();
  });
  after(() => server.close());

  test('every recording has an expectation', () => {
    assert.deepEqual(recordingNames().filter((n) => n.includes('/')), Object.keys(EXPECTED).sort());
  });

  async function replay(rec: Recording, expected: Expected, client: Client): Promise<void> {
    server.serve(rec);
    const what = rec.name;
    const ask = { messages: [{ role: 'user' as const, content: 'x' }] };
    if ('error' in expected) {
      const error = await (rec.stream ? client.chat.completions.create({ ...ask, stream: true }).then(async (s) => {
        for await (const _ of s) {
          // read to the error
        }
      }) : client.chat.completions.create(ask)).then(
        () => assert.fail(`${what}: no error`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof LlmRouterError, `${what}: ${String(error)}`);
      assert.equal(error.name, expected.error, what);
      assert.equal(error.statusCode, expected.status, what);
      if (expected.retryAfterMs !== undefined) assert.equal(error.retryAfterMs, expected.retryAfterMs, what);
      return;
    }
    if (rec.stream) {
      const chunks: ChatCompletionChunk[] = [];
      for await (const c of await client.chat.completions.create({ ...ask, stream: true })) chunks.push(c);
      assertText(joined(chunks, 'content') ?? '', expected.text, `${what} text`);
      assertText(joined(chunks, 'reasoning'), expected.reasoning ?? null, `${what} reasoning`);
      assertText(joined(chunks, 'refusal'), expected.refusal ?? null, `${what} refusal`);
      const calls = streamedToolCalls(chunks);
      assert.equal(calls.length, expected.tools?.length ?? 0, `${what} tool calls`);
      expected.tools?.forEach((t, i) => {
        if (t === null) return;
        assert.equal(calls[i]!.name, t[0], `${what} tool ${i}`);
        assertArguments(calls[i]!.arguments, t[1], `${what} tool ${i} arguments`);
      });
      assert.deepEqual(chunks.map((c) => c.choices[0]?.finishReason).filter((f) => f != null), [expected.finish], `${what} finish`);
      assert.deepEqual(chunks.filter((c) => c.usage != null).at(-1)?.usage, expected.usage, `${what} usage`);
      return;
    }
    const res = await client.chat.completions.create(ask);
    const choice = res.choices[0]!;
    assertText(choice.message.content, expected.text, `${what} text`);
    assert.equal(choice.message.reasoning === undefined, false, `${what}: reasoning is always set`);
    assertText(choice.message.reasoning, expected.reasoning ?? null, `${what} reasoning`);
    assertText(choice.message.refusal, expected.refusal ?? null, `${what} refusal`);
    assert.equal(choice.message.toolCalls?.length ?? 0, expected.tools?.length ?? 0, `${what} tool calls`);
    expected.tools?.forEach((t, i) => {
      assert.equal(choice.message.toolCalls![i]!.function.name, t![0], `${what} tool ${i}`);
      assertArguments(choice.message.toolCalls![i]!.function.arguments, t![1], `${what} tool ${i} arguments`);
    });
    assert.equal(choice.finishReason, expected.finish, `${what} finish`);
    assert.deepEqual(res.usage, expected.usage, `${what} usage`);
  }

  for (const name of Object.keys(EXPECTED)) {
    test(name, async () => {
      const recs = loadRecording(name);
      const providerType = recs[0]!.providerType;
      const baseUrl = providerType === 'gemini' ? `${server.url}/v1beta` : providerType === 'ollama' ? server.url : `${server.url}/v1`;
      const client = new Client({ providerType, apiKey: 'fake-replay-key-0000', baseUrl, defaultModel: 'm', maxRetries: 0, metricsEnabled: false, circuitBreaker: false } as never);
      try {
        assert.equal(recs.length, EXPECTED[name]!.length);
        for (let i = 0; i < recs.length; i++) await replay(recs[i]!, EXPECTED[name]![i]!, client);
      } finally {
        await client.close();
      }
    });
  }

  test('the Anthropic streaming tool call with no arguments yields "{}", as the non-streamed answer does', async () => {
    const [rec] = loadRecording('anthropic/anthropic-tool-no-args.chunks.txt');
    server.serve(rec!);
    const client = new Client({ providerType: 'anthropic', apiKey: 'fake-replay-key-0000', baseUrl: `${server.url}/v1`, defaultModel: 'm', maxRetries: 0, metricsEnabled: false } as never);
    try {
      const chunks: ChatCompletionChunk[] = [];
      for await (const c of await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }], stream: true })) chunks.push(c);
      assert.deepEqual(streamedToolCalls(chunks).map((c) => c.arguments), ['{}']);
    } finally {
      await client.close();
    }
  });
});
