import { BadRequestError } from '../errors/llm-router-error.js';

/**
 * Parses the JSON text of a tool call's arguments into the object the native APIs (Anthropic `input`,
 * Gemini `args`, Ollama `arguments`) expect. An empty text is `{}`; anything but a JSON object is a
 * `BadRequestError` naming the field.
 */
export function parseToolArguments(text: string, field: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError(`Invalid request: ${field} must be a JSON object, got malformed JSON`, { field });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError(`Invalid request: ${field} must be a JSON object`, { field });
  }
  return value as Record<string, unknown>;
}

/** The tool messages' `toolCallId` -> the called function's name, from the assistant messages' tool calls. */
export function toolNamesById(messages: ReadonlyArray<{ toolCalls?: ReadonlyArray<{ id: string; function: { name: string } }> }>): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of messages) {
    if (m.toolCalls === undefined) continue;
    for (const c of m.toolCalls) names.set(c.id, c.function.name);
  }
  return names;
}
