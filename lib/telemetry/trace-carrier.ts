import { otelApi, tracingOn } from './otel-api.js';

// A span context carried through Redis, so that a durable campaign's batches, sent later by any
// worker process, are children of the span that was active when the campaign was started (the
// HTTP request of `bulk.send()`), as they are when the campaign runs in process. Only ids and
// flags travel (`<trace id>-<span id>-<flags>`, the middle of a W3C `traceparent`): no baggage,
// no attribute, and no propagator needs to be registered.

const CARRIED = /^([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The active span's context to carry, or `undefined` (tracing off, or no valid active span). */
export function activeTraceParent(): string | undefined {
  const otel = otelApi();
  if (otel === undefined || !tracingOn()) return undefined;
  const span = otel.trace.getSpanContext(otel.context.active());
  if (span === undefined || !otel.trace.isSpanContextValid(span)) return undefined;
  return `${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Runs `work` with a carried span context (from `activeTraceParent`) as its active parent;
 * without one (or with tracing off, or a malformed value), just runs `work`.
 */
export function underTraceParent<T>(
  carried: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const otel = otelApi();
  const match = carried === undefined ? null : CARRIED.exec(carried);
  if (match === null || otel === undefined || !tracingOn()) return work();
  const parent = otel.trace.setSpanContext(otel.context.active(), {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16),
    isRemote: true,
  });
  return otel.context.with(parent, work);
}
