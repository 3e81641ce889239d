/**
 * Injection tokens, metadata keys and limits. This file is a leaf: it imports nothing from the
 * package. The tokens are internal (not exported by the package's entry): services receive
 * their resolved slice of the options by injection, users configure through `forRoot()`.
 */

/** The options exactly as given to `forRoot()` / returned by the `forRootAsync()` factory. */
export const RAW_MODULE_OPTIONS = Symbol.for('POSTA_GUVERCINI:RAW_MODULE_OPTIONS');
/**
 * The module options after `validateModuleOptions` (top-level checks, printable without
 * secrets): the input of every feature's resolver (transport, OTP, guard, bulk, health).
 */
export const VALIDATED_MODULE_OPTIONS = Symbol.for('POSTA_GUVERCINI:VALIDATED_MODULE_OPTIONS');
/** The health indicator's defaults, resolved from the module options (`ResolvedHealthOptions`). */
export const RESOLVED_HEALTH_OPTIONS = Symbol.for('POSTA_GUVERCINI:RESOLVED_HEALTH_OPTIONS');

/** Metadata key of `@RequireOtp()`. */
export const REQUIRE_OTP_METADATA = 'POSTA_GUVERCINI:REQUIRE_OTP';
/** Metadata key of `@SkipOtp()`. */
export const SKIP_OTP_METADATA = 'POSTA_GUVERCINI:SKIP_OTP';

/** Names of the built-in transports (`transport` option). */
export const TRANSPORT_NAMES = ['http', 'xml', 'soap', 'json', 'memory'] as const;

/** Upper bound of `timeoutMs` (module and wire transport options): five minutes. */
export const MAX_TIMEOUT_MS = 300_000;

/** Default base URL of the OTP account (`accounts.otp.baseUrl`): the OTP host, HTTPS. */
export const DEFAULT_OTP_BASE_URL = 'https://otpsms.postaguvercini.com';
/** Default base URL of the bulk account (`accounts.bulk.baseUrl`): the bulk host, HTTPS. */
export const DEFAULT_BULK_BASE_URL = 'https://www.postaguvercini.com';

/** The provider accepts at most 800 recipients / messages / status ids per request. */
export const MAX_RECIPIENTS_PER_REQUEST = 800;

/** Originator (sender title) length cap. */
export const MAX_SENDER_LENGTH = 11;

/** Validity of a message on the OTP host (vendor overview: 3 minutes). */
export const OTP_HOST_VALIDITY_SECONDS = 180;

/** Maximum validity on the bulk host (vendor overview: 24 hours). */
export const BULK_MAX_VALIDITY_SECONDS = 24 * 60 * 60;

/** Default request timeout for wire transports. */
export const DEFAULT_TIMEOUT_MS = 10_000;
