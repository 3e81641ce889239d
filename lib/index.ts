// Public entry: explicit named exports only.
export { PostaGuverciniModule } from './posta-guvercini.module.js';
export type {
  PostaGuverciniModuleExtras,
  PostaGuverciniModuleRootOptions,
  PostaGuverciniModuleAsyncOptions,
  PostaGuverciniOptionsFactory,
} from './posta-guvercini.module-definition.js';
export type { PostaGuverciniModuleOptions, TransportName } from './posta-guvercini.options.js';
export {
  POSTA_GUVERCINI_OPTIONS,
  POSTA_GUVERCINI_RESOLVED_OPTIONS,
  DEFAULT_OTP_BASE_URL,
  DEFAULT_BULK_BASE_URL,
  MAX_RECIPIENTS_PER_REQUEST,
  MAX_SENDER_LENGTH,
  REQUIRE_OTP_METADATA,
  SKIP_OTP_METADATA,
} from './posta-guvercini.constants.js';

// Phone numbers
export {
  normalizePhoneNumber,
  isValidPhoneNumber,
  maskPhoneNumber,
  toTurkishNationalNumber,
} from './phone/phone-number.js';
export type { NormalizePhoneOptions } from './phone/phone-number.js';

// Errors
export { PostaGuverciniError } from './errors/posta-guvercini.error.js';
export { SmsValidationError, InvalidOptionsError } from './errors/validation.error.js';
export { SmsProviderError } from './errors/provider.error.js';
export type { ProviderApi } from './errors/provider-codes.js';
export {
  SmsTransportError,
  SmsTimeoutError,
  SmsConnectionError,
  SmsHttpStatusError,
  SmsMalformedResponseError,
} from './errors/transport.error.js';

// Transports
export { SmsTransport } from './transports/sms-transport.js';
export type {
  SmsChannel,
  SmsMessage,
  SendRequest,
  OneToManySendRequest,
  ManyToManySendRequest,
  SendResult,
  RecipientResult,
  DeliveryStatus,
  DeliveryReport,
  StatusRequest,
  CreditBalance,
} from './transports/sms-transport.types.js';
export type {
  AccountOptions,
  AccountsOptions,
  WireTransportOptions,
  ConcurrentWireTransportOptions,
} from './transports/wire-transport.options.js';
export type {
  ProxyOption,
  TlsOptions,
  PemInput,
  AxiosLikeInstance,
  AxiosLikeRequestConfig,
  AxiosLikeResponse,
} from './transports/wire/connectivity.js';
export { HttpTransport } from './transports/http.transport.js';
export { XmlTransport } from './transports/xml.transport.js';
export { SoapTransport } from './transports/soap.transport.js';
export { JsonTransport } from './transports/json.transport.js';
export { InMemoryTransport } from './transports/in-memory.transport.js';
export type { OutboxMessage, InMemoryTransportOptions } from './transports/in-memory.transport.js';

// Wire transports: options, failover, delivery-status mapping, multi-request errors
export type { HttpTransportOptions } from './transports/http.transport.js';
export type { SoapTransportOptions } from './transports/soap.transport.js';
export { SOAP_NAMESPACE } from './transports/soap.transport.js';
export { FailoverTransport } from './transports/failover.transport.js';
export type {
  FailoverTransportOptions,
  FailoverBreakerOptions,
  FailoverMemberState,
} from './transports/failover.transport.js';
export {
  deliveryStatusOf,
  DELIVERY_STATUS_CODES,
  UNKNOWN_MESSAGE_STATUS,
} from './transports/delivery-status.js';
export type { DeliveryStatusInfo } from './transports/delivery-status.js';
export {
  SmsPartialSendError,
  SmsNotSentError,
  SmsCircuitOpenError,
} from './errors/transport.error.js';

// Health (optional peer @nestjs/terminus, loaded only when a check runs)
export { PostaGuverciniHealthIndicator } from './health/posta-guvercini.health.js';
export type {
  PostaGuverciniAccountHealth,
  PostaGuverciniHealthResult,
  PostaGuverciniHealthStatus,
} from './health/posta-guvercini.health.js';
export type { PostaGuverciniHealthOptions } from './health/posta-guvercini-health.options.js';

// Message text (segments, caps, transliteration, ISO-8859-9 codec)
export {
  analyzeSmsText,
  assertSmsText,
  findForbiddenCharacter,
  isGsm7Text,
  transliterateTurkish,
  TURKISH_TRANSLITERATIONS,
  MAX_GSM7_CHARACTERS,
  MAX_UCS2_CHARACTERS,
  GSM7_SINGLE_SEGMENT_UNITS,
  GSM7_MULTI_SEGMENT_UNITS,
  UCS2_SINGLE_SEGMENT_UNITS,
  UCS2_MULTI_SEGMENT_UNITS,
} from './message/sms-text.js';
export type { SmsEncoding, SmsTextAnalysis, AssertSmsTextOptions } from './message/sms-text.js';
export {
  encodeIso88599,
  decodeIso88599,
  percentEncodeIso88599,
  percentDecodeIso88599,
  escapeXmlForIso88599,
  canEncodeIso88599,
  findUnencodableCharacter,
} from './message/iso-8859-9.js';
export type {
  TurkishCharset,
  TurkishCharsetOptions,
  EncodeTextOptions,
} from './message/iso-8859-9.js';

// Bulk SMS: BulkSmsService, campaigns, consent and opt-out filters
export { BulkSmsService } from './bulk/bulk-sms.service.js';
export type { BulkStatusOptions } from './bulk/bulk-sms.service.js';
export { Campaign } from './bulk/campaign.js';
export type {
  CampaignKind,
  CampaignOptions,
  BulkSendRequest,
  BulkSendEachOptions,
  BulkMessageItem,
  RecipientSource,
} from './bulk/campaign-options.js';
export type {
  CampaignReport,
  CampaignSchedule,
  RecipientOutcome,
  RecipientReason,
} from './bulk/campaign-report.js';
export type { CampaignProgress } from './bulk/campaign-progress.js';
export type { CampaignEstimate, EstimateCredit, SegmentBucket } from './bulk/campaign-estimate.js';
export { DeliveryCollection } from './bulk/delivery-collector.js';
export type {
  CampaignDeliveryReport,
  DeliveryCounts,
  DeliveryOptions,
  DeliveryProgress,
  UndeliveredRecipient,
} from './bulk/delivery-collector.js';
export { ConsentFilter } from './bulk/consent-filter.js';
export type { ConsentFilterFunction } from './bulk/consent-filter.js';
export { OptOutList } from './bulk/opt-out-list.js';
export type { OptOutFunction } from './bulk/opt-out-list.js';
export { StaticOptOutList } from './bulk/static-opt-out-list.js';
export type {
  BulkModuleOptions,
  BulkRetryOptions,
  DurableBulkOptions,
  DurableRedisConnection,
} from './bulk/bulk.options.js';
export { BulkCampaignError, DurableModeUnavailableError } from './errors/bulk.errors.js';
export { CampaignKeyConflictError, CampaignStateError } from './errors/campaign.errors.js';

// OTP engine: OtpService, stores (memory, Redis), events, errors
export { OtpService, DEFAULT_OTP_PURPOSE } from './otp/otp.service.js';
export type {
  OtpSendRequest,
  OtpChallenge,
  OtpVerifyRequest,
  OtpVerifyResult,
  OtpVerifySuccess,
  OtpVerifyFailure,
  OtpFailureReason,
  OtpBinding,
  OtpChallengeState,
  OtpChallengeStatus,
} from './otp/otp.types.js';
export type {
  OtpModuleOptions,
  OtpRateLimitRule,
  OtpStoreOption,
  RedisOtpStoreConfig,
  OtpLockoutOptions,
  OtpPurposeProfile,
  OtpDeliveryTrackingOptions,
  OtpTestNumber,
  OtpLimitKey,
  OtpLimitKeyInput,
} from './otp/otp.options.js';
export type {
  OtpEventMap,
  OtpHooks,
  OtpSentEvent,
  OtpVerifiedEvent,
  OtpFailedEvent,
  OtpLockedEvent,
  OtpUnlockedEvent,
  OtpRateLimitedEvent,
  OtpRateLimitedLimit,
  OtpCancelledEvent,
  OtpEventBase,
  OtpDeliveryEvent,
  OtpExpiredEvent,
  OtpTestNumberUsedEvent,
} from './otp/otp.events.js';
export { DEFAULT_OTP_MESSAGE, DEFAULT_OTP_BOUND_MESSAGE } from './otp/otp-template.js';
export type { OtpMessageTemplate, OtpTemplateValues } from './otp/otp-template.js';
export { OtpStore } from './otp/stores/otp.store.js';
export type {
  OtpChallengeRecord,
  OtpChallengeSummary,
  OtpRateLimitHit,
  OtpRateLimitOutcome,
  OtpCreateOutcome,
  OtpLockoutPolicy,
  OtpAttemptCandidate,
  OtpAttemptOutcome,
  OtpReplacement,
  OtpReplacePolicy,
  OtpReplaceOutcome,
  OtpChallengeEnd,
  OtpDeliveryRecord,
} from './otp/stores/otp.store.js';
export { MemoryOtpStore } from './otp/stores/memory-otp.store.js';
export type { MemoryOtpStoreOptions } from './otp/stores/memory-otp.store.js';
export { RedisOtpStore } from './otp/stores/redis-otp.store.js';
export type { RedisOtpStoreOptions, RedisOtpClient } from './otp/stores/redis-otp.store.js';
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
export type { OtpRateLimitKind } from './errors/otp.errors.js';

// OTP guard: @RequireOtp(), OtpGuard (also as APP_GUARD), @SkipOtp(), @OtpVerified()
export { RequireOtp } from './otp/guard/require-otp.decorator.js';
export type { RequireOtpOptions } from './otp/guard/require-otp.decorator.js';
export { SkipOtp } from './otp/guard/skip-otp.decorator.js';
export { OtpGuard } from './otp/guard/otp.guard.js';
export type {
  OtpCredentials,
  OtpGuardFailure,
  ResolvedRequireOtpOptions,
} from './otp/guard/otp.guard.js';
export {
  OtpVerified,
  OTP_VERIFICATION,
  getOtpVerification,
} from './otp/guard/otp-verification.decorator.js';
export type { OtpVerification } from './otp/guard/otp-verification.decorator.js';
export {
  DEFAULT_OTP_CHALLENGE_HEADER,
  DEFAULT_OTP_CODE_HEADER,
  DEFAULT_OTP_BODY_FIELDS,
} from './otp/guard/otp-guard.options.js';
export type {
  OtpGuardModuleOptions,
  OtpBodyFieldNames,
  OtpGuardBinding,
  OtpRequestValue,
} from './otp/guard/otp-guard.options.js';
export {
  OtpHttpException,
  OtpRequiredException,
  OtpRejectedException,
  OtpLockedException,
  OtpAccountLockedException,
  OtpTooManyRequestsException,
  OtpUnavailableException,
  OtpBadRequestException,
} from './otp/guard/otp-http.exceptions.js';
export type {
  OtpChallengeDetails,
  OtpRejectionReason,
  OtpClientAction,
} from './otp/guard/otp-http.exceptions.js';
