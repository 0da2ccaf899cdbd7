/** Injection token of the module's resolved `LlmRouterModuleOptions`. */
export const LLM_ROUTER_OPTIONS = Symbol('LLM_ROUTER_OPTIONS');

/**
 * Injection token of the module's `MetricsCollector`: `options.metricsCollector`, else one created for
 * the module. `undefined` when the router's `metricsEnabled` is `false`.
 */
export const LLM_METRICS_COLLECTOR = Symbol('LLM_METRICS_COLLECTOR');

/** Injection token of the default `LlmRouterHealthOptions` of `LlmRouterHealthIndicator`. */
export const LLM_ROUTER_HEALTH_OPTIONS = Symbol('LLM_ROUTER_HEALTH_OPTIONS');

/** @internal Makes every registration a module of its own. */
export const LLM_ROUTER_MODULE_ID = Symbol('LLM_ROUTER_MODULE_ID');

/** @internal Maps the metrics routes once the options are known. */
export const LLM_ROUTER_ROUTES = Symbol('LLM_ROUTER_ROUTES');

/** @internal The module's own router; exported under `getLlmRouterToken(name)`. */
export const LLM_ROUTER_INSTANCE = Symbol('LLM_ROUTER_INSTANCE');
