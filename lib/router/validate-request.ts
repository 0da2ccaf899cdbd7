import { describeUnknownKey, headerProblem, unknownKey } from '../config/checks.js';
import { BadRequestError } from '../errors/llm-router-error.js';
import type { ChatCompletionChoice, ChatCompletionRequest, ChatMessage } from '../types/chat.js';
import type { EmbeddingsRequest } from '../types/embeddings.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function fail(field: string, reason: string): never {
  throw new BadRequestError(`Invalid request: ${field} ${reason}`, { field });
}

const CHAT_FIELDS: ReadonlySet<string> = new Set([
  'messages', 'model', 'temperature', 'maxTokens', 'topP', 'stop', 'tools', 'toolChoice', 'signal', 'timeoutMs', 'stream', 'user', 'seed',
  'presencePenalty', 'frequencyPenalty', 'responseFormat', 'metadata', 'maxRetries', 'headers',
] satisfies ReadonlyArray<keyof ChatCompletionRequest>);

/** A message's fields, and the answer's `reasoning` and `refusal`, so that an answer's message can be passed back as it is. */
const MESSAGE_FIELDS: ReadonlySet<string> = new Set([
  'role', 'content', 'name', 'toolCalls', 'toolCallId', 'reasoning', 'refusal',
] satisfies ReadonlyArray<keyof ChatMessage | keyof ChatCompletionChoice['message']>);

const EMBEDDINGS_FIELDS: ReadonlySet<string> = new Set([
  'input', 'model', 'dimensions', 'signal', 'timeoutMs', 'metadata', 'maxRetries', 'headers',
] satisfies ReadonlyArray<keyof EmbeddingsRequest>);

/** A field the router does not know would be dropped on the way to the provider (`max_tokens`, `maxToken`): refused, naming it. */
function onlyKnownFields(value: object, known: ReadonlySet<string>, field: string, kind: string): void {
  const key = unknownKey(value, known);
  if (key === undefined) return;
  const { shown, hint } = describeUnknownKey(key, known);
  fail(`${field}${shown}`, `is not ${kind} field${hint}`);
}

function checkRange(value: unknown, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value >= min && value <= max)) fail(field, `must be a number from ${min} to ${max}, got ${String(value)}`);
}

function checkPositiveInt(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) fail(field, `must be a whole number > 0, got ${String(value)}`);
}

function checkTimeout(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail('timeoutMs', `must be a number > 0, got ${String(value)}`);
}

function checkSignal(value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal)) fail('signal', 'must be an AbortSignal');
}

/** A header name as HTTP allows it (RFC 9110 token). */

/** `metadata`, `maxRetries` and `headers`, shared by every operation. Values are never quoted: a header may carry a key. */
function checkRoutingOptions(req: { metadata?: unknown; maxRetries?: unknown; headers?: unknown }): void {
  const { metadata, maxRetries, headers } = req;
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) fail('metadata', 'must be an object of string values');
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') fail(`metadata.${key}`, 'must be a string');
    }
  }
  if (maxRetries !== undefined && (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0)) {
    fail('maxRetries', 'must be a whole number >= 0');
  }
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) fail('headers', 'must be an object of string values');
    for (const name in headers) {
      const bad = headerProblem(name, (headers as Record<string, unknown>)[name], 'headers');
      if (bad !== undefined) fail(bad.field, bad.problem);
    }
  }
}

/** Checks a chat request before any network call; throws `BadRequestError` naming the field. */
export function validateChatRequest(req: ChatCompletionRequest): void {
  if (typeof req !== 'object' || req === null) fail('request', 'must be an object');
  onlyKnownFields(req, CHAT_FIELDS, '', 'a chat request');
  const messages = req.messages;
  if (!Array.isArray(messages) || messages.length === 0) fail('messages', 'must be a non-empty array');
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (typeof m !== 'object' || m === null) fail(`messages[${i}]`, 'must be an object');
    onlyKnownFields(m, MESSAGE_FIELDS, `messages[${i}].`, 'a message');
    if (!ROLES.has(m.role)) fail(`messages[${i}].role`, `must be one of system, developer, user, assistant, tool; got ${JSON.stringify(m.role)}`);
    const c = m.content;
    if (c === null || c === undefined) {
      if (m.role !== 'assistant' || !Array.isArray(m.toolCalls) || m.toolCalls.length === 0) {
        fail(`messages[${i}].content`, 'is required (null only on an assistant message with toolCalls)');
      }
    } else if (typeof c !== 'string') {
      if (!Array.isArray(c)) fail(`messages[${i}].content`, 'must be a string, an array of parts, or null');
      for (let j = 0; j < c.length; j++) {
        const p = c[j] as { type?: unknown; text?: unknown; imageUrl?: { url?: unknown } };
        if (p?.type === 'text' ? typeof p.text !== 'string' : p?.type !== 'image_url' || typeof p.imageUrl?.url !== 'string') {
          fail(`messages[${i}].content[${j}]`, 'must be { type: "text", text } or { type: "image_url", imageUrl: { url } }');
        }
      }
    }
    if (m.name !== undefined && (typeof m.name !== 'string' || m.name === '')) fail(`messages[${i}].name`, 'must be a non-empty string');
    if (m.role === 'tool' && (typeof m.toolCallId !== 'string' || m.toolCallId === '')) {
      fail(`messages[${i}].toolCallId`, 'is required on a tool message');
    }
  }
  if (req.model !== undefined && (typeof req.model !== 'string' || req.model === '')) fail('model', 'must be a non-empty string');
  checkRange(req.temperature, 'temperature', 0, 2);
  checkRange(req.topP, 'topP', 0, 1);
  checkRange(req.presencePenalty, 'presencePenalty', -2, 2);
  checkRange(req.frequencyPenalty, 'frequencyPenalty', -2, 2);
  checkPositiveInt(req.maxTokens, 'maxTokens');
  checkTimeout(req.timeoutMs);
  checkSignal(req.signal);
  checkRoutingOptions(req);
  if (req.stream !== undefined && typeof req.stream !== 'boolean') fail('stream', 'must be a boolean');
  if (req.seed !== undefined && !Number.isSafeInteger(req.seed)) fail('seed', `must be a whole number, got ${String(req.seed)}`);
  if (req.user !== undefined && typeof req.user !== 'string') fail('user', 'must be a string');
  if (req.stop !== undefined && typeof req.stop !== 'string' && !(Array.isArray(req.stop) && req.stop.every((s) => typeof s === 'string'))) {
    fail('stop', 'must be a string or an array of strings');
  }
  if (req.tools !== undefined) {
    if (!Array.isArray(req.tools)) fail('tools', 'must be an array');
    for (let i = 0; i < req.tools.length; i++) {
      const t = req.tools[i];
      if (t?.type !== 'function' || typeof t.function?.name !== 'string' || t.function.name === '') {
        fail(`tools[${i}]`, 'must be { type: "function", function: { name, parameters? } }');
      }
      const parameters = t.function.parameters;
      if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))) {
        fail(`tools[${i}].function.parameters`, 'must be a JSON Schema object');
      }
    }
  }
  const rf = req.responseFormat;
  if (rf !== undefined && (typeof rf !== 'object' || rf === null || (rf.type !== 'text' && rf.type !== 'json_object'))) {
    fail('responseFormat', 'must be { type: "text" } or { type: "json_object" }');
  }
  const tc = req.toolChoice;
  if (tc !== undefined && tc !== 'auto' && tc !== 'none' && tc !== 'required' && !(tc?.type === 'function' && typeof tc.function?.name === 'string')) {
    fail('toolChoice', 'must be "auto", "none", "required" or { type: "function", function: { name } }');
  }
  if (tc === 'required' || typeof tc === 'object') {
    const tools = req.tools ?? [];
    if (tools.length === 0) fail('toolChoice', 'needs tools to choose from');
    if (typeof tc === 'object' && !tools.some((t) => t.function.name === tc.function.name)) fail('toolChoice', 'names a function that is not in tools');
  }
}

/** Checks an embeddings request before any network call. */
export function validateEmbeddingsRequest(req: EmbeddingsRequest): void {
  if (typeof req !== 'object' || req === null) fail('request', 'must be an object');
  onlyKnownFields(req, EMBEDDINGS_FIELDS, '', 'an embeddings request');
  const input = req.input;
  const ok = typeof input === 'string' ? input.length > 0 : Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === 'string');
  if (!ok) fail('input', 'must be a non-empty string or a non-empty array of strings');
  if (req.model !== undefined && (typeof req.model !== 'string' || req.model === '')) fail('model', 'must be a non-empty string');
  checkPositiveInt(req.dimensions, 'dimensions');
  checkTimeout(req.timeoutMs);
  checkSignal(req.signal);
  checkRoutingOptions(req);
}
