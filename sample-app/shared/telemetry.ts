import type { MeterProvider, TracerProvider } from '@opentelemetry/api';

/** The OpenTelemetry SDK the sample app runs when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. */
export interface SampleTelemetry {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: TracerProvider;
  /** Exports what is left and stops the SDK. */
  shutdown(): Promise<void>;
}

/** Where and how often the sample app exports OTLP/HTTP (JSON), from the standard OTEL_* variables. */
export interface SampleTelemetryConfig {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: the base URL; `/v1/metrics` and `/v1/traces` are appended. */
  endpoint: string;
  /** `OTEL_SERVICE_NAME`. Default `llm-api-router-sample`. */
  serviceName: string;
  /** `OTEL_METRIC_EXPORT_INTERVAL` in ms. Default 60,000. */
  metricExportIntervalMs: number;
}

/**
 * Starts the OpenTelemetry SDK (metrics and traces over OTLP/HTTP) for the router's GenAI metrics and
 * spans. The SDK packages are loaded only here, so the sample app without `OTEL_EXPORTER_OTLP_ENDPOINT`
 * never loads them.
 */
export async function startTelemetry(config: SampleTelemetryConfig): Promise<SampleTelemetry> {
  const [{ MeterProvider, PeriodicExportingMetricReader }, { BasicTracerProvider, BatchSpanProcessor }, { OTLPMetricExporter }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-metrics'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-metrics-otlp-http'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const base = config.endpoint.replace(/\/+$/, '');
  const resource = resourceFromAttributes({ 'service.name': config.serviceName });
  const meterProvider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }), exportIntervalMillis: config.metricExportIntervalMs })],
  });
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }), { scheduledDelayMillis: Math.min(5_000, config.metricExportIntervalMs) })],
  });
  return {
    meterProvider,
    tracerProvider,
    async shutdown() {
      await Promise.allSettled([meterProvider.shutdown(), tracerProvider.shutdown()]);
    },
  };
}

/** The telemetry configuration from the environment, or undefined when `OTEL_EXPORTER_OTLP_ENDPOINT` is unset. */
export function telemetryConfigFrom(env: NodeJS.ProcessEnv): SampleTelemetryConfig | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  try {
    new URL(endpoint);
  } catch {
    throw new Error(`OTEL_EXPORTER_OTLP_ENDPOINT must be a URL, got ${JSON.stringify(endpoint.slice(0, 100))}`);
  }
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 60_000);
  if (!(Number.isInteger(interval) && interval > 0)) throw new Error('OTEL_METRIC_EXPORT_INTERVAL must be a whole number of milliseconds > 0');
  return { endpoint, serviceName: env.OTEL_SERVICE_NAME || 'llm-api-router-sample', metricExportIntervalMs: interval };
}
