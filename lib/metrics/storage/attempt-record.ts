/**
 * One provider attempt on its way into the collector, read field by field from an `attempt.end` event or a
 * `recordRequest` argument. The collector fills one instance again and again, so recording allocates
 * nothing. Absent numbers are NaN, an absent status code is -1 and an absent attempt number 0.
 */
export class AttemptRecord {
  provider = '';
  model = '';
  /** When the attempt ended, ms since the epoch. */
  timestamp = 0;
  latencyMs = 0;
  success = false;
  statusCode = -1;
  errorType: string | null = null;
  promptTokens = Number.NaN;
  completionTokens = Number.NaN;
  totalTokens = Number.NaN;
  cachedPromptTokens = Number.NaN;
  cacheWriteTokens = Number.NaN;
  reasoningTokens = Number.NaN;
  costUsd = Number.NaN;
  stream = false;
  requestId: string | null = null;
  attempt = 0;
  ttftMs = Number.NaN;
  metadata: Readonly<Record<string, string>> | null = null;
}
