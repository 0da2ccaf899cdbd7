import type { Usage } from '../../types/chat.js';
import { makeUsage } from '../usage.js';

/** The unified usage of Anthropic's counts: `input_tokens` leaves out cache reads and writes, which are input tokens too. */
export function anthropicUsage(input: number, cacheRead: number, cacheWrite: number, output: number): Usage {
  const promptTokens = input + cacheRead + cacheWrite;
  return makeUsage(promptTokens, output, promptTokens + output, { cachedTokens: cacheRead, cacheWriteTokens: cacheWrite });
}
