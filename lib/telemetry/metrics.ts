import type { Counter, Histogram, Meter, MeterProvider, ObservableGauge } from '@opentelemetry/api';
import { ATTR, SCOPE } from './attributes.js';
import { otelApi } from './otel-api.js';

// Metrics of the package (docs/observability.md lists them) and the recorders the features call.
// Recorders receive counts, stable codes and names only.

export interface Instruments {
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
let meterCache: { provider: MeterProvider; instruments: Instruments | undefined } | undefined;

/**
 * The instruments against the meter provider registered now (created again when it changes);
 * `undefined` without the API or when the provider is the API's no-op one (nothing to record).
 */
export function instruments(): Instruments | undefined {
  const api = otelApi();
  if (api === undefined) return undefined;
  const provider = api.metrics.getMeterProvider();
  if (meterCache?.provider !== provider) {
    const meter = provider.getMeter(SCOPE);
    meterCache = {
      provider,
      instruments: meter === api.createNoopMeter() ? undefined : createInstruments(meter),
    };
  }
  return meterCache.instruments;
}

/** Whether metrics are recorded (an SDK registered a meter provider): callers may skip building what only metrics would read. */
export function metricsOn(): boolean {
  return instruments() !== undefined;
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
  if (otelApi() === undefined || !Number.isFinite(balance)) return;
  balances.set(hostProfile, balance);
  instruments();
}
