/** @deprecated Moved to `lib/config`; this path re-exports the resolvers for existing imports. */
export { DEFAULT_RETRY, resolveProviderConfig, resolveRetry } from '../config/index.js';
