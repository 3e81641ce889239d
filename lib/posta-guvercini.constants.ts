/**
 * Injection tokens and metadata keys. This file is a leaf: it imports nothing from the package.
 */
export const POSTA_GUVERCINI_OPTIONS = Symbol.for('POSTA_GUVERCINI:OPTIONS');
export const POSTA_GUVERCINI_RESOLVED_OPTIONS = Symbol.for('POSTA_GUVERCINI:RESOLVED_OPTIONS');
export const REQUIRE_OTP_METADATA = 'POSTA_GUVERCINI:REQUIRE_OTP';
export const SKIP_OTP_METADATA = 'POSTA_GUVERCINI:SKIP_OTP';

/** Default base URLs of the two Posta Güvercini accounts (HTTPS). */
export const DEFAULT_OTP_BASE_URL = 'https://otpsms.postaguvercini.com';
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
