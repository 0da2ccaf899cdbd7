export { LlmRouterModule } from './llm-router.module.js';
export { LlmRouterHealthIndicator } from './llm-router-health.indicator.js';
export type {
  LlmHealthStatus,
  LlmProviderHealth,
  LlmRouterHealthDetails,
  LlmRouterHealthResult,
} from './llm-router-health.indicator.js';
export { LLM_ROUTER_OPTIONS, LLM_METRICS_COLLECTOR, LLM_ROUTER_HEALTH_OPTIONS } from './llm-router.constants.js';
export type {
  LlmRouterModuleOptions,
  LlmRouterModuleAsyncOptions,
  LlmRouterOptionsFactory,
  LlmRouterMetricsOptions,
  LlmRouterHealthOptions,
} from './llm-router-options.interface.js';
export type { LlmRouterStats } from '../shared/llm-router-stats.js';
export {
  DEFAULT_LLM_ROUTER_NAME,
  getLlmRouterToken,
  getMetricsCollectorToken,
  getLlmRouterHealthIndicatorToken,
  InjectLlmRouter,
  InjectMetricsCollector,
  InjectLlmRouterHealthIndicator,
} from './llm-router.tokens.js';
export type { LlmRouterInjectionToken } from './llm-router.tokens.js';
