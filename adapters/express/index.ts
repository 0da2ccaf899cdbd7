export { llmRouterMiddleware } from './llm-router.middleware.js';
export type {
  LlmRouterMiddleware,
  LlmRouterMiddlewareOptions,
  LlmRouterMiddlewareAuthorizer,
} from './llm-router-middleware-options.interface.js';
export type { LlmRouterStats } from '../shared/llm-router-stats.js';
