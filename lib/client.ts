import { ConfigurationError } from './errors/llm-router-error.js';
import { LlmRouter } from './router/llm-router.js';
import type { ClientOptions } from './types/provider-config.js';

/**
 * A client of one provider: an `LlmRouter` with a single provider, so it has the same surface
 * (`chat.completions.create`, `embeddings.create`, events, metrics) and the same retries.
 */
export class Client extends LlmRouter {
  constructor(options: ClientOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigurationError('options', 'must be an object');
    const { metricsEnabled, metricsCollector, logger, circuitBreaker, ...provider } = options;
    super({ providers: [provider], metricsEnabled, metricsCollector, logger, circuitBreaker }, () => '');
  }
}
