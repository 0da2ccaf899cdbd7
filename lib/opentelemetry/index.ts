export { instrumentOpenTelemetry, INSTRUMENTATION_SCOPE } from './instrument-open-telemetry.js';
export type { OpenTelemetryInstrumentationOptions, OpenTelemetryEventSource } from './instrument-open-telemetry.js';
export { GENAI_CLIENT_DURATION_BUCKETS, GENAI_CLIENT_TOKEN_USAGE_BUCKETS, genAiProviderName } from './semconv.js';
