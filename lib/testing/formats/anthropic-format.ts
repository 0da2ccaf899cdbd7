import type { IncomingHttpHeaders } from 'node:http';
import {
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
  mockRequestId,
  type AnswerContext,
  type JsonAnswer,
  type MockAnswer,
  type WireFormatHandler,
} from './wire-format.js';

// Shapes follow https://docs.anthropic.com/en/api/messages, …/messages-streaming (event order:
// message_start, content_block_start, ping, content_block_delta…, content_block_stop, message_delta,
// message_stop; `event: error` mid-stream) and …/errors (`{type:"error", error:{type, message}, request_id}`).

const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

const STATUS_ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: { type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API.' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: {
    type: 'rate_limit_error',
    message: 'This request would exceed the rate limit for your organization. Please try again later.',
  },
  500: { type: 'api_error', message: 'Internal server error' },
  504: { type: 'timeout_error', message: 'Request timed out' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

function anthropicError(status: number, type: string, message: string, seq: number): JsonAnswer {
  return { kind: 'json', status, body: { type: 'error', error: { type, message }, request_id: mockRequestId(seq) } };
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function blockText(block: Record<string, unknown>): string {
  if (block.type === 'tool_result') return contentText(block.content);
  return typeof block.text === 'string' ? block.text : '';
}

function normalise(body: Record<string, unknown>, model: string, messages: unknown[]): ChatInput {
  let promptTokens = mockTokenCount(contentText(body.system));
  let lastText = '';
  let lastIsToolResult = false;
  for (let i = 0; i < messages.length; i++) {
    const message = asRecord(messages[i]);
    const content = message?.content;
    const isLast = i === messages.length - 1;
    if (typeof content === 'string') {
      promptTokens += mockTokenCount(content);
      if (isLast) lastText = content;
    } else if (Array.isArray(content)) {
      let text = '';
      for (const b of content) {
        const block = asRecord(b);
        if (block === undefined) continue;
        const t = blockText(block);
        promptTokens += mockTokenCount(t);
        if (!isLast) continue;
        if (block.type === 'tool_result') {
          lastIsToolResult = true;
          text = t;
        } else if (!lastIsToolResult && t.length > 0) {
          text = text.length === 0 ? t : `${text} ${t}`;
        }
      }
      if (isLast) lastText = text;
    }
  }
  let tools: MockToolSpec[] | undefined;
  if (Array.isArray(body.tools)) {
    tools = [];
    for (const t of body.tools) {
      const tool = asRecord(t);
      if (tool !== undefined && typeof tool.name === 'string') tools.push({ name: tool.name, parameters: tool.input_schema });
    }
  }
  let toolChoice: MockToolChoice = 'auto';
  const choice = asRecord(body.tool_choice);
  if (choice?.type === 'none') toolChoice = 'none';
  else if (choice?.type === 'any') toolChoice = 'required';
  else if (choice?.type === 'tool' && typeof choice.name === 'string') toolChoice = { name: choice.name };
  return {
    model,
    stream: body.stream === true,
    lastText,
    lastIsToolResult,
    promptTokens,
    tools,
    toolChoice,
    maxTokens: intOrUndefined(body.max_tokens),
  };
}

function stopReasonOf(plan: ReplyPlan): string {
  if (plan.kind === 'tool') return 'tool_use';
  if (plan.finish === 'length') return 'max_tokens';
  if (plan.finish === 'content_filter') return 'refusal';
  return 'end_turn';
}

function stopDetailsOf(plan: ReplyPlan): Record<string, unknown> | null {
  return plan.kind === 'text' && plan.finish === 'content_filter'
    ? { type: 'refusal', category: null, explanation: null }
    : null;
}

function usage(inputTokens: number, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function message(plan: ReplyPlan, model: string, seq: number): Record<string, unknown> {
  const content: unknown[] = [];
  if (plan.reasoning !== undefined) content.push({ type: 'thinking', thinking: plan.reasoning, signature: `mocksig${seq}` });
  if (plan.kind === 'tool') {
    content.push({ type: 'tool_use', id: `toolu_mock${seq}_0`, name: plan.name, input: plan.arguments });
  } else if (plan.text.length > 0) {
    content.push({ type: 'text', text: plan.text });
  }
  return {
    id: `msg_mock${seq}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReasonOf(plan),
    stop_sequence: null,
    stop_details: stopDetailsOf(plan),
    container: null,
    usage: usage(plan.promptTokens, plan.completionTokens),
  };
}

function eventStream(plan: ReplyPlan, model: string, seq: number, chunkCount: number): MockAnswer {
  const frames: string[] = [
    event('message_start', {
      type: 'message_start',
      message: {
        id: `msg_mock${seq}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        stop_details: null,
        container: null,
        usage: usage(plan.promptTokens, 1),
      },
    }),
  ];
  let base = 0;
  if (plan.reasoning !== undefined) {
    frames.push(event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    for (const piece of splitWords(plan.reasoning, chunkCount)) {
      frames.push(event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: piece } }));
    }
    frames.push(event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: `mocksig${seq}` } }));
    frames.push(event('content_block_stop', { type: 'content_block_stop', index: 0 }));
    base = 1;
  }
  let opened = false;
  if (plan.kind === 'tool') {
    frames.push(
      event('content_block_start', {
        type: 'content_block_start',
        index: base,
        content_block: { type: 'tool_use', id: `toolu_mock${seq}_0`, name: plan.name, input: {} },
      }),
    );
    opened = true;
    frames.push(event('ping', { type: 'ping' }));
    frames.push(event('content_block_delta', { type: 'content_block_delta', index: base, delta: { type: 'input_json_delta', partial_json: '' } }));
    for (const piece of splitEven(plan.argumentsJson, chunkCount)) {
      frames.push(
        event('content_block_delta', { type: 'content_block_delta', index: base, delta: { type: 'input_json_delta', partial_json: piece } }),
      );
    }
  } else if (plan.text.length > 0) {
    frames.push(event('content_block_start', { type: 'content_block_start', index: base, content_block: { type: 'text', text: '' } }));
    opened = true;
    frames.push(event('ping', { type: 'ping' }));
    for (const piece of splitWords(plan.text, chunkCount)) {
      frames.push(event('content_block_delta', { type: 'content_block_delta', index: base, delta: { type: 'text_delta', text: piece } }));
    }
  } else {
    frames.push(event('ping', { type: 'ping' }));
  }
  if (opened) frames.push(event('content_block_stop', { type: 'content_block_stop', index: base }));
  frames.push(
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReasonOf(plan), stop_sequence: null, stop_details: stopDetailsOf(plan) },
      usage: { output_tokens: plan.completionTokens },
    }),
  );
  frames.push(event('message_stop', { type: 'message_stop' }));
  return { kind: 'stream', contentType: SSE_CONTENT_TYPE, frames, terminatorFrames: 1 };
}

/** The Anthropic Messages API (`/v1/messages`, `/v1/messages/count_tokens`, `/v1/models`). */
export const anthropicFormat: WireFormatHandler = {
  format: 'anthropic',
  requestIdHeader: 'request-id',
  needsKey: true,

  credential(_route, headers: IncomingHttpHeaders) {
    const key = headers['x-api-key'];
    if (typeof key === 'string' && key.length > 0) return key;
    const auth = headers.authorization;
    if (typeof auth === 'string' && auth.slice(0, 7).toLowerCase() === 'bearer ') {
      const token = auth.slice(7).trim();
      if (token.length > 0) return token;
    }
    return undefined;
  },

  authError(_route, reason, seq) {
    return anthropicError(401, 'authentication_error', reason === 'missing' ? 'x-api-key header is required' : 'invalid x-api-key', seq);
  },

  checkHeaders(_route, headers, seq) {
    const version = headers['anthropic-version'];
    if (typeof version === 'string' && version.length > 0) return undefined;
    return anthropicError(400, 'invalid_request_error', 'anthropic-version: header is required', seq);
  },

  errorAnswer(_route, status, seq, message) {
    const e = STATUS_ERRORS[status] ?? (status >= 500 ? STATUS_ERRORS[500]! : STATUS_ERRORS[400]!);
    return anthropicError(status, e.type, message ?? e.message, seq);
  },

  isStream(route, body) {
    return route.endpoint === 'chat' && asRecord(body)?.stream === true;
  },

  modelOf(_route, body) {
    const model = asRecord(body)?.model;
    return typeof model === 'string' ? model : undefined;
  },

  answer(context: AnswerContext): MockAnswer {
    const { route, settings, seq } = context;
    if (route.endpoint === 'models') {
      const data = settings.models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
      return {
        kind: 'json',
        status: 200,
        body: { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null },
      };
    }
    const body = asRecord(context.body);
    if (body === undefined) return anthropicError(400, 'invalid_request_error', 'The request body is not a JSON object.', seq);
    if (typeof body.model !== 'string' || body.model.length === 0) {
      return anthropicError(400, 'invalid_request_error', 'model: Field required', seq);
    }
    const model = body.model;
    if (!knownModel(settings, model)) return anthropicError(404, 'not_found_error', `model: ${model}`, seq);
    const messages = body.messages;
    if (!Array.isArray(messages)) return anthropicError(400, 'invalid_request_error', 'messages: Field required', seq);
    if (route.endpoint === 'count_tokens') {
      const input = normalise(body, model, messages);
      return { kind: 'json', status: 200, body: { input_tokens: input.promptTokens } };
    }
    if (body.max_tokens === undefined) return anthropicError(400, 'invalid_request_error', 'max_tokens: Field required', seq);
    if (typeof body.max_tokens !== 'number' || body.max_tokens < 1) {
      return anthropicError(400, 'invalid_request_error', 'max_tokens: Input should be greater than or equal to 1', seq);
    }
    if (messages.length === 0) {
      return anthropicError(400, 'invalid_request_error', 'messages: at least one message is required', seq);
    }
    const input = normalise(body, model, messages);
    const plan = planReply(input, settings, 'anthropic', context.path, context.contentFilter);
    if (!input.stream) return { kind: 'json', status: 200, body: message(plan, model, seq) };
    return eventStream(plan, model, seq, settings.chunkCount);
  },

  malformedFrame() {
    return 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"bro\n\n';
  },

  errorFrame(_route, _query, type, message) {
    return event('error', { type: 'error', error: { type: type ?? 'overloaded_error', message: message ?? 'Overloaded' } });
  },
};
