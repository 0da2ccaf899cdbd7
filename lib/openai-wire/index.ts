export { toOpenAIChatCompletion, toOpenAIChatCompletionChunk, toOpenAIUsage } from './to-openai.js';
export { toOpenAIError } from './to-openai-error.js';
export type { OpenAIErrorResponse } from './to-openai-error.js';
export { writeOpenAIEventStream } from './write-openai-event-stream.js';
export type {
  OpenAIChatCompletion,
  OpenAIChatCompletionChunk,
  OpenAIChatCompletionMessage,
  OpenAIChunkDelta,
  OpenAIErrorBody,
  OpenAIFinishReason,
  OpenAIToolCall,
  OpenAIToolCallDelta,
  OpenAIUsage,
} from './openai-json.js';
