import type { TracerProvider } from '@opentelemetry/api';
import { loadOptionalPeer } from '../optional-peer.js';

/**
 * The optional peer `@opentelemetry/api`, loaded once with a dynamic `import()` the first time
 * the package starts (the Nest module's init awaits it; a transport created by hand starts it in
 * its constructor). When it is not installed, the import fails quietly and every recorder of
 * lib/telemetry is a no-op; when it is installed but the application registered no SDK, the
 * recorders notice (`tracingOn`, the metrics' no-op meter) and skip their work.
 */
export type OtelApi = typeof import('@opentelemetry/api');

let api: OtelApi | undefined;
let loading: Promise<void> | undefined;
/** The API's own no-op tracer provider (what an unregistered proxy delegates to). */
let noopTracerProvider: TracerProvider | undefined;

/**
 * Loads `@opentelemetry/api` once, if installed. Resolves either way (never rejects); safe to
 * call many times.
 */
export function loadTelemetry(): Promise<void> {
  loading ??= loadOptionalPeer(
    '@opentelemetry/api',
    'telemetry',
    () => import('@opentelemetry/api'),
  ).then(
    (module: unknown) => {
      // The ESM namespace, or a CommonJS interop object that may nest it under `default`.
      const namespace = module as Partial<OtelApi> & { default?: Partial<OtelApi> };
      const candidate = namespace.metrics !== undefined ? namespace : namespace.default;
      if (typeof candidate?.metrics?.getMeterProvider !== 'function') return;
      api = candidate as OtelApi;
      if (typeof api.ProxyTracerProvider === 'function')
        noopTracerProvider = new api.ProxyTracerProvider().getDelegate();
    },
    () => undefined,
  );
  return loading;
}

/** The loaded API, `undefined` when not (yet) loaded or not installed. */
export function otelApi(): OtelApi | undefined {
  return api;
}

/** Whether an application registered a tracer provider (spans would be recorded or propagated). */
export function tracingOn(): boolean {
  if (api === undefined) return false;
  const provider = api.trace.getTracerProvider();
  return !(
    provider instanceof api.ProxyTracerProvider && provider.getDelegate() === noopTracerProvider
  );
}
