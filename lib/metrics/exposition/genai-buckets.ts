/**
 * Advisory bucket boundaries (seconds) of OpenTelemetry's GenAI semantic conventions for
 * `gen_ai.client.operation.duration`.
 */
export const GENAI_OPERATION_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]);

/**
 * Advisory bucket boundaries (seconds) of OpenTelemetry's GenAI semantic conventions for
 * `gen_ai.server.time_to_first_token`.
 */
export const GENAI_TIME_TO_FIRST_TOKEN_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
]);

/**
 * Advisory bucket boundaries (seconds) of OpenTelemetry's GenAI semantic conventions for
 * `gen_ai.server.time_per_output_token`.
 */
export const GENAI_TIME_PER_OUTPUT_TOKEN_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
]);

/**
 * Bucket boundaries (seconds) of `llm_router_overhead_seconds`, the router's own time per request: from
 * 100 µs (a request with nothing to do) to 1 s (a router starved of CPU). OpenTelemetry has no convention for it.
 */
export const ROUTER_OVERHEAD_BUCKETS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
]);
