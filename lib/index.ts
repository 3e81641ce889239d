// Public entry: explicit named exports only, each documented where it is declared.
// Internals (codecs, unit constants, tokens, metadata keys, store records) stay unexported;
// test helpers are in `nestjs-posta-guvercini/testing`.

// Module and its options
export { PostaGuverciniModule } from './posta-guvercini.module.js';
export type {
  PostaGuverciniModuleRootOptions,
  PostaGuverciniModuleAsyncOptions,
  PostaGuverciniOptionsFactory,
} from './posta-guvercini.module-definition.js';
export type { PostaGuverciniModuleOptions, TransportName } from './posta-guvercini.options.js';
export { DEFAULT_OTP_BASE_URL, DEFAULT_BULK_BASE_URL } from './posta-guvercini.constants.js';

// Phone numbers and message text
export { normalizePhoneNumber, isValidPhoneNumber, maskPhoneNumber } from './phone/phone-number.js';
export type { NormalizePhoneOptions } from './phone/phone-number.js';
export {
  analyzeSmsText,
  transliterateTurkish,
  findForbiddenCharacter,
} from './message/sms-text.js';

// Errors (every `code` is an `ErrorCode`)
export type { ErrorCode } from './errors/error-code.js';
export { PostaGuverciniError } from './errors/posta-guvercini.error.js';
export { SmsValidationError, InvalidOptionsError } from './errors/validation.error.js';
export { SmsProviderError } from './errors/provider.error.js';
export {
  SmsTransportError,
  SmsTimeoutError,
  SmsConnectionError,
  SmsHttpStatusError,
  SmsMalformedResponseError,
  SmsNotSentError,
  SmsCircuitOpenError,
  SmsPartialSendError,
} from './errors/transport.error.js';
export { MissingDependencyError } from './errors/missing-dependency.error.js';

// Transports
export { SmsTransport } from './transports/sms-transport.js';
export type {
  SmsChannel,
  SendRequest,
  SendResult,
  DeliveryStatus,
  DeliveryReport,
  StatusRequest,
  CreditBalance,
} from './transports/sms-transport.types.js';
export type {
  AccountOptions,
  AccountsOptions,
  WireTransportOptions,
} from './transports/wire-transport.options.js';
export { HttpTransport } from './transports/http.transport.js';
export { XmlTransport } from './transports/xml.transport.js';
export { SoapTransport } from './transports/soap.transport.js';
export { JsonTransport } from './transports/json.transport.js';
export { InMemoryTransport } from './transports/in-memory.transport.js';
export { FailoverTransport } from './transports/failover.transport.js';
export type { FailoverTransportOptions } from './transports/failover.transport.js';

// Health (optional peer @nestjs/terminus, loaded only when a check runs)
export { PostaGuverciniHealthIndicator } from './health/posta-guvercini.health.js';
export type { PostaGuverciniHealthResult } from './health/posta-guvercini.health.js';
export type { PostaGuverciniHealthOptions } from './health/posta-guvercini-health.options.js';

// Bulk SMS: BulkSmsService, campaigns, consent and opt-out filters
export { BulkSmsService } from './bulk/bulk-sms.service.js';
export type { BulkModuleOptions } from './bulk/bulk.options.js';
export { Campaign } from './bulk/campaign.js';
export type { CampaignKind, CampaignOptions, BulkSendRequest } from './bulk/campaign-options.js';
export type { CampaignReport, RecipientOutcome, RecipientReason } from './bulk/campaign-report.js';
export type { CampaignEstimate } from './bulk/campaign-estimate.js';
export { DeliveryCollection } from './bulk/delivery-collector.js';
export type { CampaignDeliveryReport } from './bulk/delivery-collector.js';
export { ConsentFilter } from './bulk/consent-filter.js';
export { OptOutList } from './bulk/opt-out-list.js';
export { StaticOptOutList } from './bulk/static-opt-out-list.js';
export { BulkCampaignError } from './errors/bulk.errors.js';
export { CampaignKeyConflictError, CampaignStateError } from './errors/campaign.errors.js';

// One-time passwords: OtpService, its options and events, stores, errors
export { OtpService } from './otp/otp.service.js';
export type {
  OtpChallenge,
  OtpVerifyResult,
  OtpFailureReason,
  OtpBinding,
  OtpChallengeStatus,
} from './otp/otp.types.js';
export type { OtpModuleOptions, OtpLimitKeyInput } from './otp/otp.options.js';
export type { OtpEventMap, OtpHooks } from './otp/otp.events.js';
export { OtpStore } from './otp/stores/otp.store.js';
/**
 * The types of the `OtpStore` contract (`OtpChallengeRecord`, `OtpAttemptOutcome`,
 * `OtpRateLimitHit`, …), grouped for those who write a store of their own:
 * `OtpStoreContract.OtpChallengeRecord`.
 */
export type * as OtpStoreContract from './otp/stores/otp.store.js';
export { MemoryOtpStore } from './otp/stores/memory-otp.store.js';
export { RedisOtpStore } from './otp/stores/redis-otp.store.js';
export type { RedisOtpStoreOptions } from './otp/stores/redis-otp.store.js';
export {
  OtpError,
  OtpRateLimitError,
  OtpResendLimitError,
  OtpChallengeNotFoundError,
  OtpChallengeLockedError,
  OtpStoreUnavailableError,
  OtpLockedError,
  OtpDeliveryUncertainError,
} from './errors/otp.errors.js';

// OTP guard: @RequireOtp(), OtpGuard (also as APP_GUARD), @SkipOtp(), @OtpVerified()
export { RequireOtp } from './otp/guard/require-otp.decorator.js';
export type { RequireOtpOptions } from './otp/guard/require-otp.decorator.js';
export { SkipOtp } from './otp/guard/skip-otp.decorator.js';
export { OtpGuard } from './otp/guard/otp.guard.js';
export type { OtpGuardFailure } from './otp/guard/otp.guard.js';
export { OtpVerified, getOtpVerification } from './otp/guard/otp-verification.decorator.js';
export type { OtpVerification } from './otp/guard/otp-verification.decorator.js';
export type { OtpGuardModuleOptions } from './otp/guard/otp-guard.options.js';
export {
  OtpHttpException,
  OtpRequiredException,
  OtpRejectedException,
} from './otp/guard/otp-http.exceptions.js';
