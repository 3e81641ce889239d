import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  type DataPoint,
  MeterProvider,
  MetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** A metric reader that only collects on demand (the SDK's pull path, in memory). */
class InMemoryMetricReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** The OpenTelemetry SDK registered globally, as an application registers it, with in-memory exporters. */
export interface OtelHarness {
  /** Every metric collected now, by name. */
  collect(): Promise<Map<string, MetricData>>;
  /** Spans finished since the last `reset()`. */
  spans(): ReadableSpan[];
  /** Every span finished since registration (`reset()` does not forget them). */
  allSpans(): ReadableSpan[];
  reset(): void;
  shutdown(): Promise<void>;
}

export function registerOtel(): OtelHarness {
  const reader = new InMemoryMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  let seen = 0;
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
  return {
    async collect() {
      const { resourceMetrics } = await reader.collect();
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
    spans: () => exporter.getFinishedSpans().slice(seen),
    allSpans: () => exporter.getFinishedSpans(),
    reset: () => {
      seen = exporter.getFinishedSpans().length;
    },
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
      metrics.disable();
      trace.disable();
      context.disable();
    },
  };
}

/** Sum of a counter's data points whose attributes include `match`. */
export function counterValue(
  metric: MetricData | undefined,
  match: Record<string, unknown> = {},
): number {
  if (metric === undefined) return 0;
  let sum = 0;
  for (const point of metric.dataPoints as DataPoint<unknown>[]) {
    if (Object.entries(match).every(([k, v]) => point.attributes[k] === v))
      sum += point.value as number;
  }
  return sum;
}

/** Every attribute value recorded anywhere (span attributes, span status messages, metric points), as text. */
export function everyRecordedValue(
  spans: ReadableSpan[],
  metrics: Map<string, MetricData>,
): string[] {
  const values: string[] = [];
  for (const span of spans) {
    values.push(span.name);
    if (span.status.message) values.push(span.status.message);
    for (const [key, value] of Object.entries(span.attributes))
      values.push(`${key}=${String(value)}`);
    for (const event of span.events) values.push(JSON.stringify(event));
  }
  for (const metric of metrics.values()) {
    for (const point of metric.dataPoints as DataPoint<unknown>[])
      for (const [key, value] of Object.entries(point.attributes))
        values.push(`${key}=${String(value)}`);
  }
  return values;
}
