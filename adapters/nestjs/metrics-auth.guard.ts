import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  type Type,
  UnauthorizedException,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { BEARER_CHALLENGE, createBearerTokenVerifier } from '../shared/bearer-token.js';
import { LLM_ROUTER_OPTIONS } from './llm-router.constants.js';
import type { LlmRouterModuleOptions } from './llm-router-options.interface.js';

interface HttpRequestLike {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Protects the metrics and stats routes: the bearer token of `metrics.bearerToken` (401 with a
 * `WWW-Authenticate` challenge when missing or wrong), then the user's `metrics.guard` (403 when it
 * refuses). Lets everything through when neither is configured.
 */
@Injectable()
export class LlmRouterMetricsGuard implements CanActivate {
  private readonly verifyBearer: ((authorization: string | string[] | undefined) => boolean) | undefined;
  private userGuard: Promise<CanActivate> | undefined;

  constructor(
    @Inject(LLM_ROUTER_OPTIONS) private readonly options: LlmRouterModuleOptions,
    private readonly moduleRef: ModuleRef,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    const token = options.metrics?.bearerToken;
    this.verifyBearer = token === undefined ? undefined : createBearerTokenVerifier(token, 'metrics.bearerToken');
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.verifyBearer !== undefined) {
      const http = context.switchToHttp();
      if (!this.verifyBearer(http.getRequest<HttpRequestLike>().headers.authorization)) {
        this.adapterHost.httpAdapter?.setHeader(http.getResponse(), 'WWW-Authenticate', BEARER_CHALLENGE);
        throw new UnauthorizedException();
      }
    }
    const guard = this.options.metrics?.guard;
    if (guard === undefined) return true;
    this.userGuard ??= this.resolve(guard).catch((error: unknown) => {
      this.userGuard = undefined;
      throw error;
    });
    const verdict = (await this.userGuard).canActivate(context);
    const allowed = isObservable(verdict) ? await lastValueFrom(verdict) : await verdict;
    if (!allowed) throw new ForbiddenException();
    return true;
  }

  private async resolve(guard: Type<CanActivate> | CanActivate): Promise<CanActivate> {
    if (typeof guard !== 'function') return guard;
    try {
      return this.moduleRef.get(guard, { strict: false });
    } catch {
      return this.moduleRef.create(guard);
    }
  }
}
