import {
  anyObject,
  arrayOf,
  boolean,
  either,
  integer,
  is,
  nullable,
  number,
  object,
  oneOf,
  recordOf,
  type Shape,
  string,
  tagged,
} from './json-shape.js';

/**
 * The JSON shape of every member OpenAI's `POST /v1/chat/completions` defines (as of the 2025 API
 * reference), so that a wrong type is a 400 naming the member, and any other member is a 400
 * `unknown_parameter` as OpenAI answers. What the router cannot honour is refused by
 * `parseChatRequest` after this check.
 */

const text = string;
const textPart = object({ type: oneOf('text'), text }, ['type', 'text']);
const imagePart = object({ type: oneOf('image_url'), image_url: object({ url: string, detail: oneOf('auto', 'low', 'high') }, ['url']) }, ['type', 'image_url']);
const audioPart = object({ type: oneOf('input_audio'), input_audio: object({ data: string, format: oneOf('wav', 'mp3') }, ['data', 'format']) }, ['type', 'input_audio']);
const filePart = object({ type: oneOf('file'), file: object({ file_data: string, file_id: string, filename: string }) }, ['type', 'file']);
const refusalPart = object({ type: oneOf('refusal'), refusal: string }, ['type', 'refusal']);

const textContent = either('a string or an array of content parts', [is.string, string], [is.array, arrayOf(tagged({ text: textPart }))]);
const userContent = either(
  'a string or an array of content parts',
  [is.string, string],
  [is.array, arrayOf(tagged({ text: textPart, image_url: imagePart, input_audio: audioPart, file: filePart }))],
);
const assistantContent = either(
  'a string, an array of content parts or null',
  [is.null, () => undefined],
  [is.string, string],
  [is.array, arrayOf(tagged({ text: textPart, refusal: refusalPart }))],
);

const functionCall = object({ name: string, arguments: string }, ['name', 'arguments']);
const toolCall = tagged({ function: object({ id: string, type: oneOf('function'), function: functionCall }, ['id', 'type', 'function']) }, ['custom']);

const messages = arrayOf(
  tagged(
    {
      system: object({ role: oneOf('system'), content: textContent, name: string }, ['role', 'content']),
      developer: object({ role: oneOf('developer'), content: textContent, name: string }, ['role', 'content']),
      user: object({ role: oneOf('user'), content: userContent, name: string }, ['role', 'content']),
      assistant: object({
        role: oneOf('assistant'),
        content: assistantContent,
        name: string,
        refusal: nullable(string),
        tool_calls: arrayOf(toolCall),
        function_call: nullable(functionCall),
        audio: nullable(object({ id: string }, ['id'])),
        annotations: arrayOf(anyObject),
      }, ['role']),
      tool: object({ role: oneOf('tool'), content: textContent, tool_call_id: string }, ['role', 'content', 'tool_call_id']),
    },
    ['function'],
    'role',
  ),
);
const functionDefinition = object({ name: string, description: string, parameters: anyObject, strict: nullable(boolean) }, ['name']);
const tools = arrayOf(tagged({ function: object({ type: oneOf('function'), function: functionDefinition }, ['type', 'function']) }, ['custom']));
const toolChoice = either(
  "'none', 'auto', 'required' or an object",
  [is.string, oneOf('none', 'auto', 'required')],
  [is.object, tagged({ function: object({ type: oneOf('function'), function: object({ name: string }, ['name']) }, ['type', 'function']) }, ['allowed_tools', 'custom'])],
);
const stop = either('a string, an array of strings or null', [is.null, () => undefined], [is.string, string], [is.array, arrayOf(string, 4)]);
const responseFormat = tagged(
  {
    text: object({ type: oneOf('text') }, ['type']),
    json_object: object({ type: oneOf('json_object') }, ['type']),
  },
  ['json_schema'],
);

/** The members of a chat completion request body. */
export const chatRequestShape: Shape = object(
  {
    messages,
    model: string,
    audio: nullable(object({ format: string, voice: either('a string or an object', [is.string, string], [is.object, anyObject]) }, ['format', 'voice'])),
    frequency_penalty: nullable(number),
    function_call: either("'none', 'auto' or an object", [is.string, oneOf('none', 'auto')], [is.object, object({ name: string }, ['name'])]),
    functions: arrayOf(object({ name: string, description: string, parameters: anyObject }, ['name'])),
    logit_bias: nullable(recordOf(number)),
    logprobs: nullable(boolean),
    max_completion_tokens: nullable(integer),
    max_tokens: nullable(integer),
    metadata: nullable(recordOf(string, 16)),
    modalities: nullable(arrayOf(oneOf('text', 'audio'))),
    n: nullable(integer),
    parallel_tool_calls: boolean,
    prediction: nullable(object({ type: oneOf('content'), content: textContent }, ['type', 'content'])),
    presence_penalty: nullable(number),
    prompt_cache_key: string,
    prompt_cache_retention: nullable(oneOf('in-memory', '24h')),
    reasoning_effort: nullable(oneOf('none', 'minimal', 'low', 'medium', 'high', 'xhigh')),
    response_format: responseFormat,
    safety_identifier: string,
    seed: nullable(integer),
    service_tier: nullable(oneOf('auto', 'default', 'flex', 'scale', 'priority')),
    stop,
    store: nullable(boolean),
    stream: nullable(boolean),
    stream_options: nullable(object({ include_usage: boolean, include_obfuscation: boolean })),
    temperature: nullable(number),
    tool_choice: toolChoice,
    tools,
    top_logprobs: nullable(integer),
    top_p: nullable(number),
    user: string,
    verbosity: nullable(oneOf('low', 'medium', 'high')),
    web_search_options: object({ search_context_size: oneOf('low', 'medium', 'high'), user_location: nullable(anyObject) }),
  },
  ['messages'],
);
