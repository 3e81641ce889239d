/**
 * OpenTelemetry for the package: every metric and span it records, under the
 * `posta_guvercini.` namespace (docs/observability.md lists them). The loader is in
 * otel-api.ts, attribute names in attributes.ts, metrics in metrics.ts, spans in spans.ts; this
 * file is the one entry the features import.
 *
 * `@opentelemetry/api` is an optional peer dependency. It is loaded with a dynamic `import()`
 * the first time the package starts (the Nest module's init awaits it; a transport created by
 * hand starts it in its constructor); when it is not installed, the import fails quietly and
 * every function here is a no-op. When it is installed but the application registered no
 * provider, nothing is recorded and provider requests skip the telemetry wrapper altogether. Instruments are created against the
 * meter provider registered at the time of recording (and again when it changes).
 *
 * Nothing here ever receives a phone number, a message text, a code, a password or a secret:
 * callers pass counts, stable codes and names only.
 */

export { ATTR, errorCodeOf } from './attributes.js';
export { loadTelemetry } from './otel-api.js';
export {
  metricsOn,
  recordBreakerState,
  recordCampaignOutcomes,
  recordCreditBalance,
  recordOtpEvent,
} from './metrics.js';
export {
  campaignBatchSpan,
  inSpan,
  otpSpan,
  providerRequest,
  providerTelemetryOn,
  type ProviderRequestInfo,
  type ProviderSpan,
  type SpanHandle,
  Traced,
} from './spans.js';
