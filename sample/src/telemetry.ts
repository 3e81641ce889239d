/**
 * OpenTelemetry for the sample app, off by default. `SAMPLE_OTEL=console npm run sample`
 * registers the OpenTelemetry SDK with its console exporters: spans as they end, metrics every
 * `SAMPLE_OTEL_INTERVAL_MS` (default 10 s), as JSON-like objects on stdout. The package records
 * everything under `posta_guvercini.` (docs/observability.md); swap the console exporters for
 * `@opentelemetry/exporter-prometheus` or an OTLP exporter to feed Grafana.
 *
 * Call before the app is created. The SDK is loaded only when enabled.
 */
export async function startSampleTelemetry(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<(() => Promise<void>) | undefined> {
  const mode = env['SAMPLE_OTEL'];
  if (mode === undefined || mode === '' || mode === 'off') return undefined;
  if (mode !== 'console') {
    throw new Error(`SAMPLE_OTEL must be 'console' or 'off', got '${mode}'`);
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
