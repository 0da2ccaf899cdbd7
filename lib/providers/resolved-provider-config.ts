/** @deprecated Moved to `lib/config/resolved-config.ts`; this path re-exports it for existing imports. */
export type { ResolvedProviderConfig, ResolvedRetryPolicy } from '../config/resolved-config.js';
