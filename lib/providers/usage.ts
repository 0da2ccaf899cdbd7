import type { Usage } from '../types/chat.js';

/** Token breakdowns a provider reported; zero or absent counts are left out. */
export interface UsageDetails {
  cachedTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

/** A unified usage whose details carry only the counts that are above zero. */
export function makeUsage(promptTokens: number, completionTokens: number, totalTokens: number, details?: UsageDetails): Usage {
  const usage: Usage = { promptTokens, completionTokens, totalTokens };
  if (details === undefined) return usage;
  const { cachedTokens, cacheWriteTokens, reasoningTokens } = details;
  if ((cachedTokens ?? 0) > 0 || (cacheWriteTokens ?? 0) > 0) {
    usage.promptTokensDetails = {};
    if ((cachedTokens ?? 0) > 0) usage.promptTokensDetails.cachedTokens = cachedTokens;
    if ((cacheWriteTokens ?? 0) > 0) usage.promptTokensDetails.cacheWriteTokens = cacheWriteTokens;
  }
  if ((reasoningTokens ?? 0) > 0) usage.completionTokensDetails = { reasoningTokens };
  return usage;
}

/** The usage of an answer that reported none. */
export function zeroUsage(): Usage {
  return { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
}
