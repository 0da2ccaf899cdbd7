import type { ClientOptions } from './config/router-options.js';
import { CLIENT_OPTIONS, LlmRouter } from './router/llm-router.js';
import type { LlmRouterOptions } from './config/router-options.js';

/**
 * A client of one provider: an `LlmRouter` with a single provider, so it has the same surface
 * (`chat.completions.create`, `embeddings.create`, events, metrics) and the same retries.
 */
export class Client extends LlmRouter {
  constructor(options: ClientOptions) {
    super({ [CLIENT_OPTIONS]: options } as unknown as LlmRouterOptions);
  }
}
