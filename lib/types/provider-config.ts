/** @deprecated The option types live in `lib/config`; this path re-exports them for existing imports. */
export * from '../config/provider-config.js';
export * from '../config/router-options.js';
