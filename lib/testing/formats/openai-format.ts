import type { IncomingHttpHeaders } from 'node:http';
import {
  embeddingToBase64,
  mockEmbedding,
  mockTokenCount,
  planReply,
  splitEven,
  splitWords,
  type ChatInput,
  type MockToolChoice,
  type MockToolSpec,
  type ReplyPlan,
} from '../mock-reply.js';
import {
  asRecord,
  contentText,
  intOrUndefined,
  knownModel,
  type AnswerContext,
  type JsonAnswer,
  type MockAnswer,
  type WireFormatHandler,
} from './wire-format.js';

// Shapes follow https://platform.openai.com/docs/api-reference/chat/object, …/chat/streaming,
// …/embeddings/object, …/models/list and the error guide; Azure's additions follow
// https://learn.microsoft.com/azure/ai-services/openai/reference (prompt_filter_results, content_filter_results).

const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const CREATED = 1_700_000_000;

const AZURE_SAFE = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};
const AZURE_FILTERED = { ...AZURE_SAFE, violence: { filtered: true, severity: 'high' } };
const AZURE_PROMPT_FILTER = [{ prompt_index: 0, content_filter_results: AZURE_SAFE }];

const STATUS_ERRORS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Invalid request.', type: 'invalid_request_error', code: null },
  401: {
    message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  },
  403: { message: 'You are not allowed to access this resource.', type: 'invalid_request_error', code: null },
  404: { message: 'The requested resource does not exist.', type: 'invalid_request_error', code: null },
  409: { message: 'The request conflicts with the current state of the resource.', type: 'invalid_request_error', code: null },
  422: { message: 'The request could not be processed.', type: 'invalid_request_error', code: null },
  429: {
    message: 'Rate limit reached for requests per min (RPM). Please try again later.',
    type: 'requests',
    code: 'rate_limit_exceeded',
  },
  500: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    code: null,
  },
  502: { message: 'Bad gateway.', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
  504: { message: 'Gateway timeout.', type: 'server_error', code: null },
};

function openAiError(status: number, message: string, type: string, param: string | null, code: string | null): JsonAnswer {
  return { kind: 'json', status, body: { error: { message, type, param, code } } };
}

function azureError(status: number, message: string): JsonAnswer {
  return { kind: 'json', status, body: { error: { code: String(status), message } } };
}

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (typeof value !== 'string' || value.length <= 7 || value.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = value.slice(7).trim();
  return token.length > 0 ? token : undefined;
}

function sse(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function normalise(body: Record<string, unknown>, model: string, messages: unknown[]): ChatInput {
  let promptTokens = 0;
  for (const m of messages) promptTokens += mockTokenCount(contentText(asRecord(m)?.content));
  const last = asRecord(messages[messages.length - 1]);
  let tools: MockToolSpec[] | undefined;
  if (Array.isArray(body.tools)) {
    tools = [];
    for (const t of body.tools) {
      const fn = asRecord(asRecord(t)?.function);
      if (fn !== undefined && typeof fn.name === 'string') tools.push({ name: fn.name, parameters: fn.parameters });
    }
  }
  let toolChoice: MockToolChoice = 'auto';
  const choice = body.tool_choice;
  if (choice === 'none' || choice === 'required' || choice === 'auto') toolChoice = choice;
  else {
    const name = asRecord(asRecord(choice)?.function)?.name;
    if (typeof name === 'string') toolChoice = { name };
  }
  return {
    model,
    stream: body.stream === true,
    lastText: contentText(last?.content),
    lastIsToolResult: last?.role === 'tool' || last?.role === 'function',
    promptTokens,
    tools,
    toolChoice,
    maxTokens: intOrUndefined(body.max_completion_tokens) ?? intOrUndefined(body.max_tokens),
  };
}

function usageOf(plan: ReplyPlan): Record<string, unknown> {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: plan.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function finishOf(plan: ReplyPlan): string {
  return plan.kind === 'tool' ? 'tool_calls' : plan.finish;
}

function completion(plan: ReplyPlan, model: string, seq: number, azure: boolean): Record<string, unknown> {
  const message: Record<string, unknown> =
    plan.kind === 'tool'
      ? {
          role: 'assistant',
          content: null,
          refusal: null,
          annotations: [],
          tool_calls: [
            { id: `call_mock${seq}_0`, type: 'function', function: { name: plan.name, arguments: plan.argumentsJson } },
          ],
        }
      : { role: 'assistant', content: plan.text, refusal: null, annotations: [] };
  if (plan.reasoning !== undefined) message.reasoning_content = plan.reasoning;
  const choice: Record<string, unknown> = { index: 0, message, logprobs: null, finish_reason: finishOf(plan) };
  if (azure) choice.content_filter_results = plan.kind === 'text' && plan.finish === 'content_filter' ? AZURE_FILTERED : AZURE_SAFE;
  const out: Record<string, unknown> = {
    id: `chatcmpl-mock${seq}`,
    object: 'chat.completion',
    created: CREATED + seq,
    model,
    choices: [choice],
    usage: usageOf(plan),
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  };
  if (azure) out.prompt_filter_results = AZURE_PROMPT_FILTER;
  return out;
}

function chunkStream(plan: ReplyPlan, model: string, seq: number, includeUsage: boolean, azure: boolean, chunkCount: number): MockAnswer {
  const id = `chatcmpl-mock${seq}`;
  const created = CREATED + seq;
  const frames: string[] = [];
  if (azure) {
    frames.push(sse({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: AZURE_PROMPT_FILTER }));
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null): string => {
    const choice: Record<string, unknown> = { index: 0, delta, logprobs: null, finish_reason: finish };
    if (azure && finish === null && delta.content !== undefined && delta.role === undefined) choice.content_filter_results = AZURE_SAFE;
    const obj: Record<string, unknown> = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: 'fp_mock',
      choices: [choice],
    };
    if (includeUsage) obj.usage = null;
    return sse(obj);
  };
  if (plan.reasoning !== undefined) {
    frames.push(chunk({ role: 'assistant', content: null, reasoning_content: '' }, null));
    for (const piece of splitWords(plan.reasoning, chunkCount)) frames.push(chunk({ reasoning_content: piece }, null));
  }
  if (plan.kind === 'tool') {
    frames.push(
      chunk(
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: `call_mock${seq}_0`, type: 'function', function: { name: plan.name, arguments: '' } }],
        },
        null,
      ),
    );
    for (const piece of splitEven(plan.argumentsJson, chunkCount)) {
      frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null));
    }
  } else {
    frames.push(chunk({ role: 'assistant', content: '', refusal: null }, null));
    for (const piece of splitWords(plan.text, chunkCount)) frames.push(chunk({ content: piece }, null));
  }
  frames.push(chunk({}, finishOf(plan)));
  if (includeUsage) {
    frames.push(
      sse({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        service_tier: 'default',
        system_fingerprint: 'fp_mock',
        choices: [],
        usage: usageOf(plan),
      }),
    );
  }
  frames.push('data: [DONE]\n\n');
  return { kind: 'stream', contentType: SSE_CONTENT_TYPE, frames, terminatorFrames: 1 };
}

function embeddingInputs(input: unknown): Array<{ text: string; tokens: number }> | undefined {
  if (typeof input === 'string') return [{ text: input, tokens: mockTokenCount(input) }];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (typeof input[0] === 'number') return [{ text: input.join(' '), tokens: input.length }];
  const out: Array<{ text: string; tokens: number }> = [];
  for (const item of input) {
    if (typeof item === 'string') out.push({ text: item, tokens: mockTokenCount(item) });
    else if (Array.isArray(item)) out.push({ text: item.join(' '), tokens: item.length });
    else return undefined;
  }
  return out;
}

/** OpenAI chat completions, embeddings and models; also Azure OpenAI and the OpenAI-compatible family. */
export const openAiFormat: WireFormatHandler = {
  format: 'openai',
  requestIdHeader: 'x-request-id',
  needsKey: true,

  credential(route, headers) {
    if (route.azure) {
      const key = headers['api-key'];
      if (typeof key === 'string' && key.length > 0) return key;
    }
    return bearer(headers);
  },

  authError(route, reason) {
    if (route.azure) {
      return azureError(
        401,
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
      );
    }
    if (reason === 'missing') {
      return openAiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
        'invalid_request_error',
        null,
        null,
      );
    }
    const e = STATUS_ERRORS[401]!;
    return openAiError(401, e.message, e.type, null, e.code);
  },

  checkHeaders() {
    return undefined;
  },

  errorAnswer(route, status, _seq, message) {
    const known = STATUS_ERRORS[status];
    const fallback = status >= 500 ? STATUS_ERRORS[500]! : STATUS_ERRORS[400]!;
    const e = known ?? fallback;
    if (route.azure) return azureError(status, message ?? e.message);
    return openAiError(status, message ?? e.message, e.type, null, e.code);
  },

  isStream(route, body) {
    return route.endpoint === 'chat' && asRecord(body)?.stream === true;
  },

  modelOf(route, body) {
    if (route.azureDeployment !== undefined) return route.azureDeployment;
    const model = asRecord(body)?.model;
    return typeof model === 'string' ? model : route.pathModel;
  },

  answer(context: AnswerContext): MockAnswer {
    const { route, settings, seq } = context;
    const azure = route.azure === true;
    if (route.endpoint === 'models') {
      return {
        kind: 'json',
        status: 200,
        body: {
          object: 'list',
          data: settings.models.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'mock' })),
        },
      };
    }
    if (route.endpoint === 'model') {
      const id = route.pathModel ?? '';
      if (!settings.models.includes(id)) {
        return openAiError(404, `The model '${id}' does not exist`, 'invalid_request_error', 'model', 'model_not_found');
      }
      return { kind: 'json', status: 200, body: { id, object: 'model', created: CREATED, owned_by: 'mock' } };
    }
    const body = asRecord(context.body);
    if (body === undefined) {
      return openAiError(400, 'The request body must be a JSON object.', 'invalid_request_error', null, null);
    }
    const model = route.azureDeployment ?? (typeof body.model === 'string' ? body.model : undefined);
    if (model === undefined || model.length === 0) {
      return openAiError(400, 'you must provide a model parameter', 'invalid_request_error', null, null);
    }
    if (!knownModel(settings, model)) {
      if (azure) {
        return {
          kind: 'json',
          status: 404,
          body: {
            error: {
              code: 'DeploymentNotFound',
              message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
            },
          },
        };
      }
      return openAiError(
        404,
        `The model \`${model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        null,
        'model_not_found',
      );
    }
    if (route.endpoint === 'embeddings') return embeddings(body, model, settings.embeddingDimensions);

    const messages = body.messages;
    if (messages === undefined) {
      return openAiError(400, "Missing required parameter: 'messages'.", 'invalid_request_error', 'messages', 'missing_required_parameter');
    }
    if (!Array.isArray(messages)) {
      return openAiError(400, "Invalid type for 'messages': expected an array, but got an object instead.", 'invalid_request_error', 'messages', 'invalid_type');
    }
    if (messages.length === 0) {
      return openAiError(
        400,
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        'invalid_request_error',
        'messages',
        'empty_array',
      );
    }
    for (let i = 0; i < messages.length; i++) {
      const role = asRecord(messages[i])?.role;
      if (typeof role !== 'string' || !ROLES.has(role)) {
        return openAiError(
          400,
          `Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
          'invalid_request_error',
          `messages[${i}].role`,
          'invalid_value',
        );
      }
    }
    const input = normalise(body, model, messages);
    const plan = planReply(input, settings, 'openai', context.path, context.contentFilter);
    if (!input.stream) return { kind: 'json', status: 200, body: completion(plan, model, seq, azure) };
    const includeUsage = asRecord(body.stream_options)?.include_usage === true;
    return chunkStream(plan, model, seq, includeUsage, azure, settings.chunkCount);
  },

  malformedFrame() {
    return 'data: {"id":"chatcmpl-mock","object":"chat.completion.chunk","choices":[{"delta":{"content":"bro\n\n';
  },

  errorFrame(_route, _query, type, message) {
    return sse({
      error: {
        message: message ?? 'The server had an error while processing your request. Sorry about that!',
        type: type ?? 'server_error',
        param: null,
        code: null,
      },
    });
  },
};

function embeddings(body: Record<string, unknown>, model: string, defaultDimensions: number): MockAnswer {
  const inputs = embeddingInputs(body.input);
  if (inputs === undefined) {
    if (body.input === undefined) {
      return openAiError(400, "Missing required parameter: 'input'.", 'invalid_request_error', 'input', 'missing_required_parameter');
    }
    return openAiError(400, "Invalid 'input': expected a string or an array of strings or tokens.", 'invalid_request_error', 'input', 'invalid_value');
  }
  const dimensions = intOrUndefined(body.dimensions) ?? defaultDimensions;
  const base64 = body.encoding_format === 'base64';
  let tokens = 0;
  const data = inputs.map((input, index) => {
    tokens += input.tokens;
    const vector = mockEmbedding(input.text, dimensions);
    return { object: 'embedding', index, embedding: base64 ? embeddingToBase64(vector) : vector };
  });
  return {
    kind: 'json',
    status: 200,
    body: { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } },
  };
}
