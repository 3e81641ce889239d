import type { Attributes, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import { ATTR, errorCodeOf, SCOPE } from './attributes.js';
import { instruments } from './metrics.js';
import { otelApi, tracingOn } from './otel-api.js';

// Spans of the package: provider requests (CLIENT), the `@Traced` methods (INTERNAL), and the
// attribute readers of OTP operations and campaign batches. Attributes hold counts, stable codes
// and names only, never a phone number, a text, a code or a credential.

let tracerCache: { provider: TracerProvider; tracer: Tracer } | undefined;

function tracer(): Tracer | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const provider = api.trace.getTracerProvider();
  if (tracerCache?.provider !== provider) {
    tracerCache = { provider, tracer: provider.getTracer(SCOPE) };
  }
  return tracerCache.tracer;
}

/** A span in progress; every method is a no-op when telemetry is off. */
export interface SpanHandle {
  setAttributes(attributes: Attributes): void;
}

const NO_SPAN: SpanHandle = { setAttributes: () => undefined };

/**
 * Runs `work` inside an active span (parent of the spans started inside it). The span ends
 * when `work` settles; a failure sets the span's status to error with `error.type` = the
 * error's stable code (never its message). Without telemetry, just runs `work`.
 */
export function inSpan<T>(
  name: string,
  kind: 'internal' | 'client',
  attributes: Attributes,
  work: (span: SpanHandle) => Promise<T>,
): Promise<T> {
  const otel = otelApi();
  // No tracer provider registered (or no API): the span would record nothing and carry nothing.
  const activeTracer = tracingOn() ? tracer() : undefined;
  if (activeTracer === undefined || otel === undefined) return work(NO_SPAN);
  return activeTracer.startActiveSpan(
    name,
    {
      kind: kind === 'client' ? otel.SpanKind.CLIENT : otel.SpanKind.INTERNAL,
      attributes,
    },
    async (span: Span) => {
      try {
        return await work(span);
      } catch (error) {
        const code = errorCodeOf(error);
        span.setAttribute(ATTR.errorType, code);
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: code });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Whether a provider request records anything: an SDK registered a tracer provider or a meter
 * provider. Without either, `providerRequest` only runs `work` (the wire transports' hot path
 * checks this first and skips even that wrapper).
 */
export function providerTelemetryOn(): boolean {
  return otelApi() !== undefined && (tracingOn() || instruments() !== undefined);
}

/** What a provider request is, for its span and metrics. */
export interface ProviderRequestInfo {
  readonly api: string;
  readonly hostProfile: string;
  readonly operation: 'send' | 'status' | 'credit';
  readonly recipients: number;
  /** Host name of the base URL (never a path, query or credentials). */
  readonly serverAddress: string;
}

/**
 * One request to the provider: a CLIENT span `posta_guvercini.provider.<operation>`, the
 * `posta_guvercini.provider.requests` counter and the duration histogram. `work` reports the
 * HTTP status and the provider code it read through the handle.
 */
export function providerRequest<T>(
  info: ProviderRequestInfo,
  work: (span: ProviderSpan) => Promise<T>,
): Promise<T> {
  if (!providerTelemetryOn()) return work(NO_PROVIDER_SPAN);
  const started = performance.now();
  const common: Attributes = {
    [ATTR.api]: info.api,
    [ATTR.hostProfile]: info.hostProfile,
    [ATTR.operation]: info.operation,
  };
  const record = (result: string): void => {
    const metrics = instruments();
    if (metrics === undefined) return;
    const attributes = { ...common, [ATTR.result]: result };
    metrics.providerRequests.add(1, attributes);
    metrics.providerDuration.record((performance.now() - started) / 1000, attributes);
  };
  return inSpan(
    `posta_guvercini.provider.${info.operation}`,
    'client',
    { ...common, [ATTR.recipients]: info.recipients, [ATTR.serverAddress]: info.serverAddress },
    async (span) => {
      const handle: ProviderSpan = {
        httpStatus: (status) => span.setAttributes({ [ATTR.httpStatus]: status }),
        providerCode: (code) => {
          if (code !== undefined && code !== '')
            span.setAttributes({ [ATTR.providerCode]: code.slice(0, 32) });
        },
      };
      try {
        const value = await work(handle);
        record('ok');
        return value;
      } catch (error) {
        const failure = error as {
          maybeAccepted?: unknown;
          providerCode?: unknown;
          status?: unknown;
        };
        const attributes: Attributes = {};
        if (typeof failure.maybeAccepted === 'boolean')
          attributes[ATTR.maybeAccepted] = failure.maybeAccepted;
        if (typeof failure.providerCode === 'string')
          attributes[ATTR.providerCode] = failure.providerCode.slice(0, 32);
        if (typeof failure.status === 'number') attributes[ATTR.httpStatus] = failure.status;
        span.setAttributes(attributes);
        record(errorCodeOf(error));
        throw error;
      }
    },
  );
}

/** What a provider request reports about its answer. */
export interface ProviderSpan {
  httpStatus(status: number): void;
  providerCode(code: string | undefined): void;
}

const NO_PROVIDER_SPAN: ProviderSpan = {
  httpStatus: () => undefined,
  providerCode: () => undefined,
};

/**
 * Method decorator: runs the method inside an INTERNAL span named `name`. `attributes` reads
 * safe attributes from the arguments, `result` from the resolved value; both must return
 * counts, names and codes only.
 */
export function Traced(
  name: string,
  options: {
    attributes?: (...args: readonly unknown[]) => Attributes;
    result?: (value: unknown) => Attributes;
  } = {},
) {
  return (_target: object, _key: string | symbol, descriptor: PropertyDescriptor): void => {
    const method = descriptor.value as (...args: unknown[]) => Promise<unknown>;
    descriptor.value = function traced(this: unknown, ...args: unknown[]): Promise<unknown> {
      // Without the API or a registered tracer provider the span would record nothing: no
      // wrapper at all.
      if (!tracingOn()) return method.apply(this, args);
      return inSpan(
        name,
        'internal',
        safely(() => options.attributes?.(...args)),
        async (span) => {
          const value = await method.apply(this, args);
          if (options.result) span.setAttributes(safely(() => options.result!(value)));
          return value;
        },
      );
    };
  };
}

/** Attribute readers never break the call they observe. */
function safely(read: () => Attributes | undefined): Attributes {
  try {
    return read() ?? {};
  } catch {
    return {};
  }
}

/** Span attributes of OTP operations: the purpose and outcome, never the phone or the code. */
export const otpSpan = {
  send: {
    attributes: (request: unknown): Attributes => purposeOf(request),
  },
  verify: {
    attributes: (request: unknown): Attributes => purposeOf(request),
    result: (result: unknown): Attributes => {
      const r = result as { valid?: unknown; reason?: unknown } | null;
      if (r?.valid === true) return { [ATTR.outcome]: 'verified' };
      return typeof r?.reason === 'string' ? { [ATTR.outcome]: r.reason } : {};
    },
  },
};

/** Span attributes of a campaign batch: channel, size, and how many were sent / failed. */
export const campaignBatchSpan = {
  attributes: (settings: unknown, _text: unknown, recipients: unknown): Attributes => ({
    ...(typeof (settings as { channel?: unknown } | null)?.channel === 'string'
      ? { [ATTR.hostProfile]: (settings as { channel: string }).channel }
      : {}),
    // An array of recipients, or a keyed batch (lib/bulk/recipient-keys.ts) with its length.
    [ATTR.recipients]: lengthOf(recipients),
  }),
  result: (result: unknown): Attributes => {
    const batch = result as {
      outcomes: readonly { status: string }[];
      accepted?: { length: number };
    };
    // A keyed batch accepted whole carries its count instead of outcomes.
    let sent = batch.accepted?.length ?? 0;
    let failed = 0;
    for (const outcome of batch.outcomes) {
      if (outcome.status === 'sent') sent++;
      else if (outcome.status === 'failed') failed++;
    }
    return { [ATTR.sent]: sent, [ATTR.failed]: failed };
  },
};

function lengthOf(list: unknown): number {
  const length = (list as { length?: unknown } | null)?.length;
  return typeof length === 'number' ? length : 0;
}

function purposeOf(request: unknown): Attributes {
  const purpose = (request as { purpose?: unknown } | null)?.purpose;
  return { [ATTR.purpose]: typeof purpose === 'string' ? purpose.slice(0, 64) : 'default' };
}
