import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { LlmRouterHealthIndicator } from 'llm-api-router/nestjs';

/** `GET /health`: terminus over the router's providers (up, degraded, or down with 503). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly llm: LlmRouterHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.llm.isHealthy('llm')]);
  }
}
