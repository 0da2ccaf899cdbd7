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
  type MockRoute,
  type WireFormatHandler,
} from './wire-format.js';

// Shapes follow https://ai.google.dev/api/generate-content (GenerateContentResponse: candidates[].content.parts,
// finishReason, usageMetadata.promptTokenCount/candidatesTokenCount/totalTokenCount, modelVersion, responseId),
// https://ai.google.dev/api/embeddings and https://ai.google.dev/gemini-api/docs/troubleshooting (error body
// `{error:{code, message, status}}`). `alt=sse` frames end in CRLF CRLF and the stream has no terminator: the
// last chunk carries finishReason. Without `alt=sse`, streamGenerateContent answers a JSON array.

const STATUS_ERRORS: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  401: { status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission' },
  404: { status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  409: { status: 'ABORTED', message: 'The operation was aborted.' },
  429: { status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted (e.g. check quota).' },
  499: { status: 'CANCELLED', message: 'The operation was cancelled.' },
  500: { status: 'INTERNAL', message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting' },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  504: { status: 'DEADLINE_EXCEEDED', message: 'Deadline expired before operation could complete.' },
};

const ROLES = new Set(['user', 'model', 'function']);

function googleError(status: number, statusName: string, message: string, details?: unknown[]): JsonAnswer {
  const error: Record<string, unknown> = { code: status, message, status: statusName };
  if (details !== undefined) error.details = details;
  return { kind: 'json', status, body: { error } };
}

function isSse(query: Readonly<Record<string, string>>): boolean {
  return query.alt === 'sse';
}

function pick(record: Record<string, unknown> | undefined, camel: string, snake: string): unknown {
  if (record === undefined) return undefined;
  return record[camel] ?? record[snake];
}

function partsText(parts: unknown): { text: string; toolResult: string | undefined } {
  let text = '';
  let toolResult: string | undefined;
  if (!Array.isArray(parts)) return { text, toolResult };
  for (const p of parts) {
    const part = asRecord(p);
    if (part === undefined) continue;
    if (typeof part.text === 'string') text = text.length === 0 ? part.text : `${text} ${part.text}`;
    const fr = asRecord(pick(part, 'functionResponse', 'function_response'));
    if (fr !== undefined) toolResult = JSON.stringify(fr.response ?? null);
  }
  return { text, toolResult };
}

function normalise(body: Record<string, unknown>, model: string, contents: unknown[], stream: boolean): ChatInput {
  const system = asRecord(pick(body, 'systemInstruction', 'system_instruction'));
  let promptTokens = mockTokenCount(partsText(system?.parts).text);
  let lastText = '';
  let lastIsToolResult = false;
  for (let i = 0; i < contents.length; i++) {
    const { text, toolResult } = partsText(asRecord(contents[i])?.parts);
    promptTokens += mockTokenCount(text) + (toolResult === undefined ? 0 : mockTokenCount(toolResult));
    if (i === contents.length - 1) {
      lastIsToolResult = toolResult !== undefined;
      lastText = toolResult ?? text;
    }
  }
  let tools: MockToolSpec[] | undefined;
  if (Array.isArray(body.tools)) {
    tools = [];
    for (const t of body.tools) {
      const declarations = pick(asRecord(t), 'functionDeclarations', 'function_declarations');
      if (!Array.isArray(declarations)) continue;
      for (const d of declarations) {
        const fn = asRecord(d);
        if (fn === undefined || typeof fn.name !== 'string') continue;
        tools.push({ name: fn.name, parameters: fn.parameters ?? pick(fn, 'parametersJsonSchema', 'parameters_json_schema') });
      }
    }
  }
  let toolChoice: MockToolChoice = 'auto';
  const config = asRecord(pick(asRecord(pick(body, 'toolConfig', 'tool_config')), 'functionCallingConfig', 'function_calling_config'));
  if (config?.mode === 'NONE') toolChoice = 'none';
  else if (config?.mode === 'ANY') {
    const allowed = pick(config, 'allowedFunctionNames', 'allowed_function_names');
    toolChoice = Array.isArray(allowed) && typeof allowed[0] === 'string' ? { name: allowed[0] } : 'required';
  }
  const generation = asRecord(pick(body, 'generationConfig', 'generation_config'));
  return {
    model,
    stream,
    lastText,
    lastIsToolResult,
    promptTokens,
    tools,
    toolChoice,
    maxTokens: intOrUndefined(pick(generation, 'maxOutputTokens', 'max_output_tokens')),
  };
}

/** `outputTokens` counts the thoughts too; Gemini reports them apart (`thoughtsTokenCount`). */
function usageMetadata(promptTokens: number, outputTokens: number, thoughtsTokens = 0): Record<string, unknown> {
  const usage: Record<string, unknown> = { promptTokenCount: promptTokens };
  const candidatesTokens = outputTokens - thoughtsTokens;
  if (candidatesTokens > 0) usage.candidatesTokenCount = candidatesTokens;
  if (thoughtsTokens > 0) usage.thoughtsTokenCount = thoughtsTokens;
  usage.totalTokenCount = promptTokens + outputTokens;
  usage.promptTokensDetails = [{ modality: 'TEXT', tokenCount: promptTokens }];
  return usage;
}

function finishReasonOf(plan: ReplyPlan): string {
  if (plan.kind === 'text' && plan.finish === 'length') return 'MAX_TOKENS';
  if (plan.kind === 'text' && plan.finish === 'content_filter') return 'SAFETY';
  return 'STOP';
}

function candidate(plan: ReplyPlan, parts: unknown[] | undefined, final: boolean): Record<string, unknown> {
  if (plan.kind === 'text' && plan.finish === 'content_filter') {
    return {
      finishReason: 'SAFETY',
      index: 0,
      safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }],
    };
  }
  const out: Record<string, unknown> = { content: { parts, role: 'model' } };
  if (final) out.finishReason = finishReasonOf(plan);
  out.index = 0;
  return out;
}

function response(candidateValue: Record<string, unknown>, usage: Record<string, unknown>, model: string, seq: number): Record<string, unknown> {
  return { candidates: [candidateValue], usageMetadata: usage, modelVersion: model, responseId: `mockresp${seq}` };
}

function fullParts(plan: ReplyPlan): unknown[] {
  const parts: unknown[] = plan.reasoning === undefined ? [] : [{ text: plan.reasoning, thought: true }];
  parts.push(plan.kind === 'tool' ? { functionCall: { name: plan.name, args: plan.arguments } } : { text: plan.text });
  return parts;
}

function streamAnswer(plan: ReplyPlan, model: string, seq: number, chunkCount: number, sse: boolean): MockAnswer {
  const payloads: Array<Record<string, unknown>> = [];
  if (plan.kind === 'tool' || (plan.kind === 'text' && (plan.finish === 'content_filter' || plan.text.length === 0))) {
    payloads.push(response(candidate(plan, fullParts(plan), true), usageMetadata(plan.promptTokens, plan.completionTokens, plan.reasoningTokens), model, seq));
  } else {
    const pieces = splitWords(plan.text, chunkCount);
    let sent = plan.reasoningTokens;
    if (plan.reasoning !== undefined) {
      payloads.push(response(candidate(plan, [{ text: plan.reasoning, thought: true }], false), usageMetadata(plan.promptTokens, sent, sent), model, seq));
    }
    for (let i = 0; i < pieces.length; i++) {
      const final = i === pieces.length - 1;
      sent = final ? plan.completionTokens : sent + mockTokenCount(pieces[i]!);
      payloads.push(response(candidate(plan, [{ text: pieces[i] }], final), usageMetadata(plan.promptTokens, sent, plan.reasoningTokens), model, seq));
    }
  }
  if (sse) {
    return {
      kind: 'stream',
      contentType: 'text/event-stream',
      frames: payloads.map((p) => `data: ${JSON.stringify(p)}\r\n\r\n`),
      terminatorFrames: 1,
    };
  }
  return {
    kind: 'stream',
    contentType: 'application/json; charset=UTF-8',
    frames: payloads.map((p, i) => (i === 0 ? JSON.stringify(p) : `,\r\n${JSON.stringify(p)}`)),
    terminatorFrames: 1,
    open: '[',
    close: ']',
  };
}

function notFound(model: string, method: string): JsonAnswer {
  return googleError(
    404,
    'NOT_FOUND',
    `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
  );
}

function modelInfo(id: string): Record<string, unknown> {
  return {
    name: `models/${id}`,
    version: '001',
    displayName: id,
    description: 'Mock model',
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 8192,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'embedContent', 'batchEmbedContents'],
  };
}

function embedTextOf(request: Record<string, unknown> | undefined): string | undefined {
  const content = asRecord(request?.content);
  if (content === undefined) return undefined;
  return partsText(content.parts).text;
}

/** The Gemini API (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent`, embeddings, models). */
export const geminiFormat: WireFormatHandler = {
  format: 'gemini',
  requestIdHeader: undefined,
  needsKey: true,

  credential(_route, headers, query) {
    const key = headers['x-goog-api-key'];
    if (typeof key === 'string' && key.length > 0) return key;
    const queryKey = query.key;
    return queryKey !== undefined && queryKey.length > 0 ? queryKey : undefined;
  },

  authError(_route, reason) {
    if (reason === 'missing') {
      return googleError(
        403,
        'PERMISSION_DENIED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    return googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
    ]);
  },

  checkHeaders() {
    return undefined;
  },

  errorAnswer(_route, status, _seq, message) {
    const e = STATUS_ERRORS[status] ?? (status >= 500 ? STATUS_ERRORS[500]! : STATUS_ERRORS[400]!);
    return googleError(status, e.status, message ?? e.message);
  },

  isStream(route) {
    return route.endpoint === 'stream';
  },

  modelOf(route) {
    return route.pathModel;
  },

  answer(context: AnswerContext): MockAnswer {
    const { route, settings, seq } = context;
    if (route.endpoint === 'models') {
      return { kind: 'json', status: 200, body: { models: settings.models.map(modelInfo) } };
    }
    const model = route.pathModel ?? '';
    if (route.endpoint === 'model') {
      return settings.models.includes(model) ? { kind: 'json', status: 200, body: modelInfo(model) } : notFound(model, 'get');
    }
    const body = asRecord(context.body);
    if (body === undefined) return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Expected an object.');
    if (!knownModel(settings, model)) return notFound(model, route.endpoint === 'stream' ? 'streamGenerateContent' : route.endpoint);

    if (route.endpoint === 'embed') {
      const text = embedTextOf(body);
      if (text === undefined) return googleError(400, 'INVALID_ARGUMENT', '* EmbedContentRequest.content: contents is not specified\n');
      const dims = intOrUndefined(pick(body, 'outputDimensionality', 'output_dimensionality')) ?? settings.embeddingDimensions;
      return { kind: 'json', status: 200, body: { embedding: { values: mockEmbedding(text, dims) } } };
    }
    if (route.endpoint === 'batchEmbed') {
      const requests = body.requests;
      if (!Array.isArray(requests) || requests.length === 0) {
        return googleError(400, 'INVALID_ARGUMENT', '* BatchEmbedContentsRequest.requests: requests is not specified\n');
      }
      const embeddings: unknown[] = [];
      for (let i = 0; i < requests.length; i++) {
        const request = asRecord(requests[i]);
        const text = embedTextOf(request);
        if (text === undefined) {
          return googleError(400, 'INVALID_ARGUMENT', `* BatchEmbedContentsRequest.requests[${i}].content: contents is not specified\n`);
        }
        const dims = intOrUndefined(pick(request, 'outputDimensionality', 'output_dimensionality')) ?? settings.embeddingDimensions;
        embeddings.push({ values: mockEmbedding(text, dims) });
      }
      return { kind: 'json', status: 200, body: { embeddings } };
    }

    const contents = body.contents;
    if (!Array.isArray(contents) || contents.length === 0) {
      return googleError(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified\n');
    }
    for (const c of contents) {
      const role = asRecord(c)?.role;
      if (role !== undefined && (typeof role !== 'string' || !ROLES.has(role))) {
        return googleError(400, 'INVALID_ARGUMENT', 'Please use a valid role: user, model.');
      }
    }
    const stream = route.endpoint === 'stream';
    const input = normalise(body, model, contents, stream);
    if (route.endpoint === 'countTokens') {
      return {
        kind: 'json',
        status: 200,
        body: { totalTokens: input.promptTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: input.promptTokens }] },
      };
    }
    const plan = planReply(input, settings, 'gemini', context.path, context.contentFilter);
    if (!stream) {
      return {
        kind: 'json',
        status: 200,
        body: response(candidate(plan, fullParts(plan), true), usageMetadata(plan.promptTokens, plan.completionTokens, plan.reasoningTokens), model, seq),
      };
    }
    return streamAnswer(plan, model, seq, settings.chunkCount, isSse(context.query));
  },

  malformedFrame(_route: MockRoute, query) {
    return isSse(query) ? 'data: {"candidates":[{"content":{"parts":[{"text":"bro\r\n\r\n' : ',\r\n{"candidates":[{"content":{"parts":[{"te';
  },

  errorFrame(_route, query, type, message) {
    const error = { error: { code: 503, message: message ?? STATUS_ERRORS[503]!.message, status: type ?? 'UNAVAILABLE' } };
    return isSse(query) ? `data: ${JSON.stringify(error)}\r\n\r\n` : `,\r\n${JSON.stringify(error)}`;
  },
};
