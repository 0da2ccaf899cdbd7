import { requirePeers } from '../shared/require-peers.js';

/**
 * `llm-api-router/nestjs`. It checks first that NestJS is installed (an optional peer of the package),
 * so that importing it without NestJS says what to install, then loads the module. The NestJS module,
 * its tokens and decorators are in `public-api.ts`.
 */
requirePeers('llm-api-router/nestjs', ['@nestjs/common', '@nestjs/core'], (specifier) => import.meta.resolve(specifier));

const api = await import('./public-api.js');
type Api = typeof import('./public-api.js');

export const LlmRouterModule: Api['LlmRouterModule'] = api.LlmRouterModule;
export type LlmRouterModule = import('./public-api.js').LlmRouterModule;
export const LlmRouterHealthIndicator: Api['LlmRouterHealthIndicator'] = api.LlmRouterHealthIndicator;
export type LlmRouterHealthIndicator = import('./public-api.js').LlmRouterHealthIndicator;
export const LLM_ROUTER_OPTIONS: Api['LLM_ROUTER_OPTIONS'] = api.LLM_ROUTER_OPTIONS;
export const LLM_METRICS_COLLECTOR: Api['LLM_METRICS_COLLECTOR'] = api.LLM_METRICS_COLLECTOR;
export const LLM_ROUTER_HEALTH_OPTIONS: Api['LLM_ROUTER_HEALTH_OPTIONS'] = api.LLM_ROUTER_HEALTH_OPTIONS;
export const DEFAULT_LLM_ROUTER_NAME: Api['DEFAULT_LLM_ROUTER_NAME'] = api.DEFAULT_LLM_ROUTER_NAME;
export const getLlmRouterToken: Api['getLlmRouterToken'] = api.getLlmRouterToken;
export const getMetricsCollectorToken: Api['getMetricsCollectorToken'] = api.getMetricsCollectorToken;
export const getLlmRouterHealthIndicatorToken: Api['getLlmRouterHealthIndicatorToken'] = api.getLlmRouterHealthIndicatorToken;
export const InjectLlmRouter: Api['InjectLlmRouter'] = api.InjectLlmRouter;
export const InjectMetricsCollector: Api['InjectMetricsCollector'] = api.InjectMetricsCollector;
export const InjectLlmRouterHealthIndicator: Api['InjectLlmRouterHealthIndicator'] = api.InjectLlmRouterHealthIndicator;
export type {
  LlmHealthStatus,
  LlmProviderHealth,
  LlmRouterHealthDetails,
  LlmRouterHealthResult,
  LlmRouterModuleOptions,
  LlmRouterModuleAsyncOptions,
  LlmRouterOptionsFactory,
  LlmRouterMetricsOptions,
  LlmRouterHealthOptions,
  LlmRouterStats,
  LlmRouterInjectionToken,
} from './public-api.js';
