export { llmRouterMiddleware } from './llm-router.middleware.js';
export { evaluateRouterHealth } from '../shared/evaluate-router-health.js';
export type {
  EvaluateRouterHealthOptions,
  LlmHealthStatus,
  LlmProviderHealth,
  LlmRouterHealth,
  LlmRouterHealthDetails,
  LlmRouterHealthEntry,
  LlmRouterHealthOptions,
  LlmRouterHealthResponse,
} from '../shared/evaluate-router-health.js';
export type {
  LlmRouterMiddleware,
  LlmRouterMiddlewareOptions,
  LlmRouterMiddlewareAuthorizer,
  LlmRouterMiddlewareHealthOptions,
} from './llm-router-middleware-options.interface.js';
export type { LlmRouterStats } from '../shared/llm-router-stats.js';
