/**
 * Internal injection tokens of the OTP feature (not part of the public API). This file is a
 * leaf: it imports nothing, so the providers, the service and the guard can all use it without
 * an import cycle.
 */

/** The `otp` options, validated and resolved once (`ResolvedOtpOptions`). */
export const OTP_RESOLVED_OPTIONS = Symbol.for('POSTA_GUVERCINI:OTP_RESOLVED_OPTIONS');

/** The guard's module-wide defaults, resolved once (`ResolvedOtpGuardDefaults`). */
export const OTP_GUARD_DEFAULTS = Symbol.for('POSTA_GUVERCINI:OTP_GUARD_DEFAULTS');
