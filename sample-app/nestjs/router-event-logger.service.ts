import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LlmRouter } from 'llm-api-router';
import { logRouterEvents } from '../shared/router-event-log.js';

/** Logs the router's retries, fallbacks and circuit changes at info (`log`) through Nest's logger. */
@Injectable()
export class RouterEventLogger implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('LlmRouter');
  private stop: (() => void) | undefined;

  constructor(private readonly router: LlmRouter) {}

  onModuleInit(): void {
    this.stop = logRouterEvents(this.router, (line) => this.logger.log(line));
  }

  onModuleDestroy(): void {
    this.stop?.();
    this.stop = undefined;
  }
}
