/** Instrumentation scope of every meter and tracer of the package. */
export const SCOPE = 'nestjs-posta-guvercini';

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

/** Stable code of an error for `error.type` / `result`: the package error's `code`, else its name. */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code)) return code;
  return error instanceof Error ? 'UNEXPECTED' : 'UNKNOWN';
}
