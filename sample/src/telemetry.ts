/**
 * OpenTelemetry for the sample app, off by default. The package records everything under
 * `posta_guvercini.` (docs/observability.md).
 * - `SAMPLE_OTEL=console npm run sample` registers the OpenTelemetry SDK with its console
 *   exporters: spans as they end, metrics every `SAMPLE_OTEL_INTERVAL_MS` (default 10 s), as
 *   JSON-like objects on stdout.
 * - `SAMPLE_OTEL=prometheus npm run sample` serves the metrics for Prometheus (and Grafana) to
 *   scrape at `http://localhost:9464/metrics` (`SAMPLE_OTEL_PROMETHEUS_PORT` to change it).
 *   Spans are not exported in this mode.
 *
 * Call before the app is created. The SDK is loaded only when enabled.
 */
export async function startSampleTelemetry(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<(() => Promise<void>) | undefined> {
  const mode = env['SAMPLE_OTEL'];
  if (mode === undefined || mode === '' || mode === 'off') return undefined;
  if (mode === 'prometheus') {
    const port = Number(env['SAMPLE_OTEL_PROMETHEUS_PORT'] ?? 9464);
    const { metrics } = await import('@opentelemetry/api');
    const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
    const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
    const meterProvider = new MeterProvider({ readers: [new PrometheusExporter({ port })] });
    metrics.setGlobalMeterProvider(meterProvider);
    return () => meterProvider.shutdown();
  }
  if (mode !== 'console') {
    throw new Error(`SAMPLE_OTEL must be 'console', 'prometheus' or 'off', got '${mode}'`);
  }
  const intervalMs = Number(env['SAMPLE_OTEL_INTERVAL_MS'] ?? 10_000);
  const { context, metrics, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } =
    await import('@opentelemetry/sdk-metrics');
  const { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } =
    await import('@opentelemetry/sdk-trace-base');
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis: intervalMs,
      }),
    ],
  });
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
  return async () => {
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  };
}
