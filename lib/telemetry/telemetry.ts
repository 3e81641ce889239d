import type {
  Attributes,
  Counter,
  Histogram,
  Meter,
  MeterProvider,
  ObservableGauge,
  Span,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';

/**
 * OpenTelemetry for the package, in one place: every metric and span it records, under the
 * `posta_guvercini.` namespace (docs/observability.md lists them).
 *
 * `@opentelemetry/api` is an optional peer dependency. It is loaded with a dynamic `import()`
 * the first time the package starts (the Nest module's init awaits it; a transport created by
 * hand starts it in its constructor); when it is not installed, the import fails quietly and
 * every function here is a no-op. When it is installed but the application registered no
 * provider, the API's own no-op meter and tracer apply. Instruments are created against the
 * meter provider registered at the time of recording (and again when it changes).
 *
 * Nothing here ever receives a phone number, a message text, a code, a password or a secret:
 * callers pass counts, stable codes and names only.
 */

type OtelApi = typeof import('@opentelemetry/api');

/** Attribute names (stable; documented in docs/observability.md). */
export const ATTR = {
  api: 'posta_guvercini.api',
  hostProfile: 'posta_guvercini.host_profile',
  operation: 'posta_guvercini.operation',
  recipients: 'posta_guvercini.recipients',
  result: 'posta_guvercini.result',
  providerCode: 'posta_guvercini.provider_code',
  maybeAccepted: 'posta_guvercini.maybe_accepted',
  httpStatus: 'http.response.status_code',
  serverAddress: 'server.address',
  errorType: 'error.type',
  purpose: 'posta_guvercini.otp.purpose',
  resend: 'posta_guvercini.otp.resend',
  outcome: 'posta_guvercini.outcome',
  refusal: 'posta_guvercini.otp.refusal',
  limit: 'posta_guvercini.otp.limit',
  transport: 'posta_guvercini.transport',
  breakerState: 'posta_guvercini.breaker.state',
  reason: 'posta_guvercini.reason',
  sent: 'posta_guvercini.campaign.sent',
  failed: 'posta_guvercini.campaign.failed',
  channel: 'posta_guvercini.channel',
} as const;

const SCOPE = 'nestjs-posta-guvercini';

let api: OtelApi | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads `@opentelemetry/api` once, if installed. Resolves either way (never rejects); safe to
 * call many times.
 */
export function loadTelemetry(): Promise<void> {
  loading ??= import('@opentelemetry/api').then(
    (module: unknown) => {
      // The ESM namespace, or a CommonJS interop object that may nest it under `default`.
      const namespace = module as Partial<OtelApi> & { default?: Partial<OtelApi> };
      const candidate = namespace.metrics !== undefined ? namespace : namespace.default;
      if (typeof candidate?.metrics?.getMeterProvider === 'function') api = candidate as OtelApi;
    },
    () => undefined,
  );
  return loading;
}

interface Instruments {
  readonly otpSends: Counter;
  readonly otpVerifications: Counter;
  readonly otpRefusals: Counter;
  readonly otpLockouts: Counter;
  readonly providerRequests: Counter;
  readonly providerDuration: Histogram;
  readonly breakerChanges: Counter;
  readonly campaignRecipients: Counter;
  readonly creditBalance: ObservableGauge;
}

/** Last credit balance per host profile, reported by the observable gauge. */
const balances = new Map<string, number>();
let meterCache: { provider: MeterProvider; instruments: Instruments } | undefined;
let tracerCache: { provider: TracerProvider; tracer: Tracer } | undefined;

function instruments(): Instruments | undefined {
  if (api === undefined) return undefined;
  const provider = api.metrics.getMeterProvider();
  if (meterCache?.provider !== provider) {
    meterCache = { provider, instruments: createInstruments(provider.getMeter(SCOPE)) };
  }
  return meterCache.instruments;
}

function createInstruments(meter: Meter): Instruments {
  const creditBalance = meter.createObservableGauge('posta_guvercini.credit.balance', {
    description: 'Credit balance of an account, as its last health check read it',
    unit: '{credit}',
  });
  creditBalance.addCallback((result) => {
    for (const [profile, balance] of balances)
      result.observe(balance, { [ATTR.hostProfile]: profile });
  });
  return {
    otpSends: meter.createCounter('posta_guvercini.otp.sends', {
      description: 'One-time codes sent (send and resend)',
      unit: '{code}',
    }),
    otpVerifications: meter.createCounter('posta_guvercini.otp.verifications', {
      description: 'Verifications, by outcome',
      unit: '{verification}',
    }),
    otpRefusals: meter.createCounter('posta_guvercini.otp.refusals', {
      description: 'Sends refused by a rate limit, verifications refused by a lockout',
      unit: '{request}',
    }),
    otpLockouts: meter.createCounter('posta_guvercini.otp.lockouts', {
      description: 'Challenges locked by too many wrong codes',
      unit: '{challenge}',
    }),
    providerRequests: meter.createCounter('posta_guvercini.provider.requests', {
      description: 'Requests to Posta Güvercini, by API, host profile, operation and result',
      unit: '{request}',
    }),
    providerDuration: meter.createHistogram('posta_guvercini.provider.request.duration', {
      description: 'Duration of a request to Posta Güvercini, connect to last byte',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [
          0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
        ],
      },
    }),
    breakerChanges: meter.createCounter('posta_guvercini.breaker.state_changes', {
      description: 'Circuit breaker state changes of FailoverTransport members',
      unit: '{change}',
    }),
    campaignRecipients: meter.createCounter('posta_guvercini.campaign.recipients', {
      description: 'Bulk campaign recipients, by outcome',
      unit: '{recipient}',
    }),
    creditBalance,
  };
}

function tracer(): Tracer | undefined {
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

/** Stable code of an error for `error.type` / `result`: the package error's `code`, else its name. */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code)) return code;
  return error instanceof Error ? 'UNEXPECTED' : 'UNKNOWN';
}

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
  const activeTracer = tracer();
  if (activeTracer === undefined || api === undefined) return work(NO_SPAN);
  const otel = api;
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
  if (api === undefined) return work(NO_PROVIDER_SPAN);
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

/** OTP events (from `OtpService`'s one event funnel) → counters. Payloads hold no secrets; only names are read. */
export function recordOtpEvent(name: string, event: object): void {
  const metrics = instruments();
  if (metrics === undefined) return;
  const e = event as {
    purpose?: unknown;
    resend?: unknown;
    reason?: unknown;
    limit?: unknown;
  };
  const purpose = typeof e.purpose === 'string' ? { [ATTR.purpose]: e.purpose } : {};
  switch (name) {
    case 'sent':
      metrics.otpSends.add(1, { ...purpose, [ATTR.resend]: e.resend === true });
      break;
    case 'verified':
      metrics.otpVerifications.add(1, { ...purpose, [ATTR.outcome]: 'verified' });
      break;
    case 'failed':
      metrics.otpVerifications.add(1, { ...purpose, [ATTR.outcome]: String(e.reason) });
      if (e.reason === 'locked')
        metrics.otpRefusals.add(1, { ...purpose, [ATTR.refusal]: 'lockout' });
      break;
    case 'locked':
      metrics.otpLockouts.add(1, purpose);
      break;
    case 'rate-limited':
      metrics.otpRefusals.add(1, {
        ...purpose,
        [ATTR.refusal]: 'rate_limit',
        [ATTR.limit]: String(e.limit),
      });
      break;
  }
}

/** A circuit breaker of a `FailoverTransport` member changed state. */
export function recordBreakerState(transport: string, state: string): void {
  instruments()?.breakerChanges.add(1, {
    [ATTR.transport]: transport,
    [ATTR.breakerState]: state,
  });
}

/** Recipient outcomes of a campaign (sent / skipped / failed, with the reason when not sent). */
export function recordCampaignOutcomes(
  outcomes: readonly { readonly status: string; readonly reason?: string }[],
): void {
  const metrics = instruments();
  if (metrics === undefined || outcomes.length === 0) return;
  const counts = new Map<string, { status: string; reason: string | undefined; n: number }>();
  for (const outcome of outcomes) {
    const key = `${outcome.status}/${outcome.reason ?? ''}`;
    const entry = counts.get(key);
    if (entry) entry.n++;
    else counts.set(key, { status: outcome.status, reason: outcome.reason, n: 1 });
  }
  for (const { status, reason, n } of counts.values()) {
    metrics.campaignRecipients.add(n, {
      [ATTR.outcome]: status,
      ...(reason !== undefined ? { [ATTR.reason]: reason } : {}),
    });
  }
}

/** A credit balance read by a health check (reported by the `posta_guvercini.credit.balance` gauge). */
export function recordCreditBalance(hostProfile: string, balance: number): void {
  if (api === undefined || !Number.isFinite(balance)) return;
  balances.set(hostProfile, balance);
  instruments();
}

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
      if (api === undefined) return method.apply(this, args);
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
    [ATTR.recipients]: Array.isArray(recipients) ? recipients.length : 0,
  }),
  result: (result: unknown): Attributes => {
    let sent = 0;
    let failed = 0;
    for (const outcome of (result as { outcomes: readonly { status: string }[] }).outcomes) {
      if (outcome.status === 'sent') sent++;
      else if (outcome.status === 'failed') failed++;
    }
    return { [ATTR.sent]: sent, [ATTR.failed]: failed };
  },
};

function purposeOf(request: unknown): Attributes {
  const purpose = (request as { purpose?: unknown } | null)?.purpose;
  return { [ATTR.purpose]: typeof purpose === 'string' ? purpose.slice(0, 64) : 'default' };
}
