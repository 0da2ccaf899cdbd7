import { ValueType, type Histogram, type MeterProvider } from '@opentelemetry/api';
import {
  GENAI_CLIENT_DURATION_BUCKETS,
  GENAI_CLIENT_TOKEN_USAGE_BUCKETS,
  METRIC_OPERATION_DURATION,
  METRIC_TIME_PER_OUTPUT_CHUNK,
  METRIC_TIME_TO_FIRST_CHUNK,
  METRIC_TOKEN_USAGE,
} from './semconv.js';

/** The four GenAI client histograms of one meter. */
export interface GenAiInstruments {
  readonly duration: Histogram;
  readonly tokenUsage: Histogram;
  readonly timeToFirstChunk: Histogram;
  readonly timePerOutputChunk: Histogram;
}

/** Creates the histograms with the conventions' names, units, descriptions and advisory buckets. */
export function createGenAiInstruments(provider: MeterProvider, scope: string, version: string | undefined): GenAiInstruments {
  const meter = provider.getMeter(scope, version);
  const seconds = (name: string, description: string): Histogram =>
    meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: [...GENAI_CLIENT_DURATION_BUCKETS] } });
  return {
    duration: seconds(METRIC_OPERATION_DURATION, 'GenAI operation duration.'),
    tokenUsage: meter.createHistogram(METRIC_TOKEN_USAGE, {
      description: 'Number of input and output tokens used.',
      unit: '{token}',
      valueType: ValueType.INT,
      advice: { explicitBucketBoundaries: [...GENAI_CLIENT_TOKEN_USAGE_BUCKETS] },
    }),
    timeToFirstChunk: seconds(
      METRIC_TIME_TO_FIRST_CHUNK,
      'Time to receive the first chunk, measured from when the client issues the generation request to when the first chunk is received in the response stream.',
    ),
    timePerOutputChunk: seconds(
      METRIC_TIME_PER_OUTPUT_CHUNK,
      'Time per output chunk after the first one: for each stream, the time from its first chunk to its end divided by its output tokens after the first.',
    ),
  };
}
