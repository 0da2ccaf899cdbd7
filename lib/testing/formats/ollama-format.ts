import {
  mockEmbedding,
  mockTokenCount,
  planReply,
  splitWords,
  type ChatInput,
  type MockToolChoice,
  type MockToolSpec,
  type ReplyPlan,
} from '../mock-reply.js';
import {
  asRecord,
  intOrUndefined,
  knownModel,
  type AnswerContext,
  type JsonAnswer,
  type MockAnswer,
  type WireFormatHandler,
} from './wire-format.js';

// Shapes follow https://github.com/ollama/ollama/blob/main/docs/api.md: `/api/chat` streams NDJSON by default
// (`stream` absent means true), the final object has `done: true`, `done_reason` and the metrics
// (`prompt_eval_count`, `eval_count`, durations in nanoseconds; zero counts are omitted, as Go's omitempty
// does); tool calls carry `function.arguments` as an object; errors are `{"error": "…"}`.

const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

const STATUS_ERRORS: Record<number, string> = {
  400: 'invalid request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  429: 'too many requests',
  500: 'llama runner process has terminated: exit status 2',
  502: 'bad gateway',
  503: 'server busy, please try again.  maximum pending requests exceeded',
};

function ollamaError(status: number, message: string): JsonAnswer {
  return { kind: 'json', status, body: { error: message } };
}

function normalise(body: Record<string, unknown>, model: string, messages: unknown[]): ChatInput {
  let promptTokens = 0;
  for (const m of messages) {
    const content = asRecord(m)?.content;
    if (typeof content === 'string') promptTokens += mockTokenCount(content);
  }
  const last = asRecord(messages[messages.length - 1]);
  let tools: MockToolSpec[] | undefined;
  if (Array.isArray(body.tools)) {
    tools = [];
    for (const t of body.tools) {
      const fn = asRecord(asRecord(t)?.function);
      if (fn !== undefined && typeof fn.name === 'string') tools.push({ name: fn.name, parameters: fn.parameters });
    }
  }
  const toolChoice: MockToolChoice = 'auto';
  return {
    model,
    stream: body.stream !== false,
    lastText: typeof last?.content === 'string' ? last.content : '',
    lastIsToolResult: last?.role === 'tool',
    promptTokens,
    tools,
    toolChoice,
    maxTokens: intOrUndefined(asRecord(body.options)?.num_predict),
  };
}

function metrics(out: Record<string, unknown>, promptTokens: number, evalTokens: number): Record<string, unknown> {
  const promptDuration = 1_000_000 * promptTokens;
  const evalDuration = 10_000_000 * evalTokens;
  out.total_duration = 1_000_000 + promptDuration + evalDuration;
  out.load_duration = 1_000_000;
  if (promptTokens > 0) out.prompt_eval_count = promptTokens;
  out.prompt_eval_duration = promptDuration;
  if (evalTokens > 0) out.eval_count = evalTokens;
  out.eval_duration = evalDuration;
  return out;
}

function toolCalls(plan: ReplyPlan): unknown[] | undefined {
  return plan.kind === 'tool' ? [{ function: { index: 0, name: plan.name, arguments: plan.arguments } }] : undefined;
}

function finalObject(plan: ReplyPlan, model: string, content: string, calls: unknown[] | undefined, thinking?: string): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content };
  if (thinking !== undefined) message.thinking = thinking;
  if (calls !== undefined) message.tool_calls = calls;
  const out: Record<string, unknown> = {
    model,
    created_at: new Date().toISOString(),
    message,
    done_reason: plan.kind === 'text' && plan.finish === 'length' ? 'length' : 'stop',
    done: true,
  };
  return metrics(out, plan.promptTokens, plan.completionTokens);
}

function line(data: unknown): string {
  return `${JSON.stringify(data)}\n`;
}

/** Ollama's native API (`/api/chat`, `/api/embed`, `/api/embeddings`, `/api/tags`, `/api/version`, `/`). */
export const ollamaFormat: WireFormatHandler = {
  format: 'ollama',
  requestIdHeader: undefined,
  needsKey: false,

  credential() {
    return undefined;
  },

  authError() {
    return ollamaError(401, 'unauthorized');
  },

  checkHeaders() {
    return undefined;
  },

  errorAnswer(_route, status, _seq, message) {
    return ollamaError(status, message ?? STATUS_ERRORS[status] ?? (status >= 500 ? STATUS_ERRORS[500]! : STATUS_ERRORS[400]!));
  },

  isStream(route, body) {
    return route.endpoint === 'chat' && asRecord(body)?.stream !== false;
  },

  modelOf(_route, body) {
    const model = asRecord(body)?.model;
    return typeof model === 'string' ? model : undefined;
  },

  answer(context: AnswerContext): MockAnswer {
    const { route, settings } = context;
    switch (route.endpoint) {
      case 'root':
        return { kind: 'json', status: 200, body: 'Ollama is running', contentType: 'text/plain; charset=utf-8' };
      case 'version':
        return { kind: 'json', status: 200, body: { version: '0.12.0' } };
      case 'tags':
        return {
          kind: 'json',
          status: 200,
          body: {
            models: settings.models.map((name) => ({
              name,
              model: name,
              modified_at: '2025-01-01T00:00:00Z',
              size: 1_000_000,
              digest: 'd1e2a3d4b5e6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2',
              details: {
                parent_model: '',
                format: 'gguf',
                family: 'mock',
                families: ['mock'],
                parameter_size: '1B',
                quantization_level: 'Q4_0',
              },
            })),
          },
        };
    }
    const body = asRecord(context.body);
    if (body === undefined) return ollamaError(400, 'invalid request body');
    if (typeof body.model !== 'string' || body.model.length === 0) return ollamaError(400, 'model is required');
    const model = body.model;
    if (!knownModel(settings, model)) return ollamaError(404, `model "${model}" not found, try pulling it first`);

    if (route.endpoint === 'embed') {
      const raw = body.input;
      const inputs = typeof raw === 'string' ? [raw] : Array.isArray(raw) && raw.every((x) => typeof x === 'string') ? (raw as string[]) : undefined;
      if (inputs === undefined) return ollamaError(400, 'invalid input type');
      let tokens = 0;
      const embeddings = inputs.map((text) => {
        tokens += mockTokenCount(text);
        return mockEmbedding(text, settings.embeddingDimensions);
      });
      const out: Record<string, unknown> = { model, embeddings, total_duration: 1_000_000, load_duration: 100_000 };
      if (tokens > 0) out.prompt_eval_count = tokens;
      return { kind: 'json', status: 200, body: out };
    }
    if (route.endpoint === 'embeddings') {
      const prompt = typeof body.prompt === 'string' ? body.prompt : '';
      return { kind: 'json', status: 200, body: { embedding: mockEmbedding(prompt, settings.embeddingDimensions) } };
    }

    const messages = Array.isArray(body.messages) ? body.messages : [];
    if (messages.length === 0) {
      return {
        kind: 'json',
        status: 200,
        body: { model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true },
      };
    }
    const input = normalise(body, model, messages);
    const plan = planReply(input, settings, 'ollama', context.path, false);
    const calls = toolCalls(plan);
    const text = plan.kind === 'text' ? plan.text : '';
    if (!input.stream) return { kind: 'json', status: 200, body: finalObject(plan, model, text, calls, plan.reasoning) };

    const frames: string[] = [];
    const createdAt = new Date().toISOString();
    if (plan.reasoning !== undefined) {
      for (const piece of splitWords(plan.reasoning, settings.chunkCount)) {
        frames.push(line({ model, created_at: createdAt, message: { role: 'assistant', content: '', thinking: piece }, done: false }));
      }
    }
    if (calls !== undefined) {
      frames.push(line({ model, created_at: createdAt, message: { role: 'assistant', content: '', tool_calls: calls }, done: false }));
    } else {
      for (const piece of splitWords(text, settings.chunkCount)) {
        frames.push(line({ model, created_at: createdAt, message: { role: 'assistant', content: piece }, done: false }));
      }
    }
    frames.push(line(finalObject(plan, model, '', undefined)));
    return { kind: 'stream', contentType: NDJSON_CONTENT_TYPE, frames, terminatorFrames: 1 };
  },

  malformedFrame() {
    return '{"model":"mock","message":{"role":"assistant","content":"bro\n';
  },

  errorFrame(_route, _query, _type, message) {
    return line({ error: message ?? 'an error was encountered while running the model' });
  },
};
