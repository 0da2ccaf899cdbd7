import type { LlmRouterError } from '../errors/llm-router-error.js';
import type { Operation } from '../events/router-event.js';
import type { ChatMessage } from '../types/chat.js';
import type { ProviderSlot } from './provider-slot.js';

/** A provider and the model name sent to it for one request. */
export interface Target {
  readonly slot: ProviderSlot;
  readonly model: string;
}

const NO_ERRORS: readonly LlmRouterError[] = Object.freeze([]);

/** What one request carries through its attempts, from validation to its end. */
export class RequestRun {
  attempts = 0;
  /** The attempts' errors, in order (an empty array shared by every request until its first failure). */
  errors: readonly LlmRouterError[] = NO_ERRORS;
  /** Milliseconds spent awaiting providers (each attempt from its start to its answer or stream end). */
  providerMs = 0;
  /** Milliseconds asleep in backoff between attempts. */
  sleptMs = 0;
  /** Sum of the attempts' known costs; null while none had one. */
  costUsd: number | null = null;
  /** The target of the latest attempt. */
  last: Target | undefined = undefined;
  ended = false;

  constructor(
    readonly requestId: string,
    readonly operation: Operation,
    readonly stream: boolean,
    /** `performance.now()` when the request entered the router. */
    readonly startedAt: number,
    readonly metadata: Readonly<Record<string, string>> | undefined,
    /** The model the caller named, if any. */
    readonly model: string | null,
    /** The model the caller named, or the first candidate's default model. */
    readonly requestedModel: string,
    readonly messages: readonly ChatMessage[] | undefined,
  ) {}

  addError(error: LlmRouterError): void {
    this.errors = [...this.errors, error];
  }
}
