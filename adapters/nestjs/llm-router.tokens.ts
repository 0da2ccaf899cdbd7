import { Inject, type Type } from '@nestjs/common';
import { LlmRouter, MetricsCollector } from 'llm-api-router';
import { LlmRouterHealthIndicator } from './llm-router-health.indicator.js';

/** The name of the registration made without a `name`. */
export const DEFAULT_LLM_ROUTER_NAME = 'default';

/** A Nest injection token: a class or a string. */
export type LlmRouterInjectionToken<T> = Type<T> | string;

const isDefault = (name: string | undefined): boolean => name === undefined || name === DEFAULT_LLM_ROUTER_NAME;

/**
 * The injection token of the `LlmRouter` of the registration named `name`: the `LlmRouter` class
 * itself for the default one, else the string `${name}LlmRouter` (as `@nestjs/typeorm` names its
 * connections). For `moduleRef.get(getLlmRouterToken('billing'))` or a factory's `inject`.
 */
export function getLlmRouterToken(name?: string): LlmRouterInjectionToken<LlmRouter> {
  return isDefault(name) ? LlmRouter : `${name}LlmRouter`;
}

/** The injection token of a registration's `MetricsCollector`: the class for the default one, else `${name}MetricsCollector`. */
export function getMetricsCollectorToken(name?: string): LlmRouterInjectionToken<MetricsCollector> {
  return isDefault(name) ? MetricsCollector : `${name}MetricsCollector`;
}

/** The injection token of a registration's `LlmRouterHealthIndicator`: the class for the default one, else `${name}LlmRouterHealthIndicator`. */
export function getLlmRouterHealthIndicatorToken(name?: string): LlmRouterInjectionToken<LlmRouterHealthIndicator> {
  return isDefault(name) ? LlmRouterHealthIndicator : `${name}LlmRouterHealthIndicator`;
}

/**
 * Injects the `LlmRouter` of the registration named `name` (the default one without it):
 *
 * ```ts
 * constructor(@InjectLlmRouter('billing') private readonly billing: LlmRouter) {}
 * ```
 */
export const InjectLlmRouter = (name?: string): PropertyDecorator & ParameterDecorator => Inject(getLlmRouterToken(name));

/** Injects the `MetricsCollector` of the registration named `name` (the default one without it). */
export const InjectMetricsCollector = (name?: string): PropertyDecorator & ParameterDecorator => Inject(getMetricsCollectorToken(name));

/** Injects the `LlmRouterHealthIndicator` of the registration named `name` (the default one without it). */
export const InjectLlmRouterHealthIndicator = (name?: string): PropertyDecorator & ParameterDecorator => Inject(getLlmRouterHealthIndicatorToken(name));
