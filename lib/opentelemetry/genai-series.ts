import { SpanKind, type Attributes, type SpanOptions } from '@opentelemetry/api';
import type { Operation } from '../events/router-event.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_OPERATION_NAME,
  ATTR_PROVIDER_NAME,
  ATTR_REQUEST_MODEL,
  ATTR_RESPONSE_MODEL,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TOKEN_TYPE,
  genAiProviderName,
} from './semconv.js';

/** Attribute sets of a successful attempt answered by one response model. */
export interface AnsweredAttributes {
  /** Duration, time to first chunk and time per output chunk. */
  readonly answered: Attributes;
  readonly inputTokens: Attributes;
  readonly outputTokens: Attributes;
}

/** Most response models (or error types) whose attribute sets one series keeps. */
const VARIANTS_PER_SERIES = 32;

/**
 * The attributes of one (operation, provider, request model, server), built once and reused by every
 * attempt of the series: the metric API is handed the same frozen objects each time.
 */
export class GenAiSeries {
  /** `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`, `server.*`: the span's start attributes. */
  readonly attributes: Attributes;
  /** `{gen_ai.operation.name} {gen_ai.request.model}`. */
  readonly spanName: string;
  /** The options of the series' attempt spans (CLIENT, the start attributes), handed to every `startSpan`. */
  readonly spanOptions: SpanOptions;
  private readonly answeredBy = new Map<string, AnsweredAttributes>();
  private readonly failedWith = new Map<string, Attributes>();

  constructor(operation: Operation, providerType: string, model: string, serverAddress: string | null, serverPort: number | null) {
    const attributes: Attributes = {
      [ATTR_OPERATION_NAME]: operation,
      [ATTR_PROVIDER_NAME]: genAiProviderName(providerType),
      [ATTR_REQUEST_MODEL]: model,
    };
    if (serverAddress !== null && serverAddress !== '') {
      attributes[ATTR_SERVER_ADDRESS] = serverAddress;
      if (serverPort !== null) attributes[ATTR_SERVER_PORT] = serverPort;
    }
    this.attributes = Object.freeze(attributes);
    this.spanName = `${operation} ${model}`;
    this.spanOptions = Object.freeze({ kind: SpanKind.CLIENT, attributes: this.attributes });
  }

  /** The attribute sets of an attempt answered by `responseModel` (null when the provider did not say). */
  answered(responseModel: string | null): AnsweredAttributes {
    const key = responseModel ?? '';
    const cached = this.answeredBy.get(key);
    if (cached !== undefined) return cached;
    const answered = responseModel === null || responseModel === '' ? this.attributes : Object.freeze({ ...this.attributes, [ATTR_RESPONSE_MODEL]: responseModel });
    const made: AnsweredAttributes = {
      answered,
      inputTokens: Object.freeze({ ...answered, [ATTR_TOKEN_TYPE]: 'input' }),
      outputTokens: Object.freeze({ ...answered, [ATTR_TOKEN_TYPE]: 'output' }),
    };
    if (this.answeredBy.size < VARIANTS_PER_SERIES) this.answeredBy.set(key, made);
    return made;
  }

  /** The attributes of an attempt that failed with `errorType`. */
  failed(errorType: string): Attributes {
    const cached = this.failedWith.get(errorType);
    if (cached !== undefined) return cached;
    const made = Object.freeze({ ...this.attributes, [ATTR_ERROR_TYPE]: errorType });
    if (this.failedWith.size < VARIANTS_PER_SERIES) this.failedWith.set(errorType, made);
    return made;
  }
}
