import type { OtpBinding } from './otp-code.js';
import type { OtpMessageTemplate } from './otp-template.js';
import type { DeliveryStatus } from '../transports/sms-transport.types.js';

export type { OtpBinding } from './otp-code.js';

/** What `OtpService.send()` takes. */
export interface OtpSendRequest {
  /** Mobile number in any common form (`+90 532 123 45 67`, `05321234567`, `5321234567`). */
  readonly phone: string;
  /**
   * What the code is for (`'login'`, `'transfer'`, `'3ds'`). Pass the same purpose to `verify()`:
   * a code issued for one purpose never unlocks another.
   * @default 'default'
   */
  readonly purpose?: string;
  /**
   * Who the code is for (user or customer id). It must be presented again at `verify()`;
   * another subject fails like a wrong code.
   */
  readonly subject?: string | number;
  /**
   * Values the code is bound to (PSD2 dynamic linking), e.g.
   * `{ amount: '149.90', currency: 'TRY', payee: 'ACME A.Ş.' }`. They are shown in the SMS
   * (`otp.boundMessage`) and must be presented again, identical, at `verify()`; any difference
   * fails exactly like a wrong code and counts as an attempt. Give amounts as strings, exactly
   * as shown (`'149.90'`, not `149.9`).
   */
  readonly bind?: OtpBinding;
  /** SMS template for this challenge (`{code}`, `{minutes}`, `{purpose}`, bound values). */
  readonly message?: OtpMessageTemplate;
  /** The client's IP address, for the per-IP send cap (`otp.ipLimits`). */
  readonly ip?: string;
  /**
   * What `otp.limitKeys` key functions may read besides the fields above: `@RequireOtp()`
   * passes the Express/Fastify request here. Never stored.
   */
  readonly httpRequest?: unknown;
}

/** Where a challenge stands (`OtpService.status()`). */
export type OtpChallengeState = 'pending' | 'verified' | 'expired' | 'locked' | 'cancelled';

/**
 * `OtpService.status()`: a challenge as support staff and dashboards may see it. No code, no
 * code hash, no full phone number.
 */
export interface OtpChallengeStatus {
  readonly challengeId: string;
  /**
   * `pending`: its code can still be verified; `verified`; `expired` (it can still be resent
   * while resends are left); `locked` (too many wrong codes); `cancelled`.
   */
  readonly state: OtpChallengeState;
  /**
   * The provider's delivery status of its last SMS (`otp.trackDelivery`), or `unknown` when not
   * tracked, not read yet, or for a test number (no SMS).
   */
  readonly delivery: DeliveryStatus | 'unknown';
  /** When its current code was sent (the last send or resend). */
  readonly sentAt: Date;
  /** When its current code expires (or expired). */
  readonly expiresAt: Date;
  /** Wrong codes it still accepts (0 unless `pending`). */
  readonly attemptsLeft: number;
  /** Resends it still allows (0 once verified, cancelled or locked). */
  readonly resendsLeft: number;
  /** The phone, masked (`+90 532 *** ** 67`). */
  readonly maskedPhone: string;
  readonly purpose: string;
  /** When it was verified or cancelled. */
  readonly endedAt?: Date;
  /** When `delivery` was read from the provider. */
  readonly deliveryCheckedAt?: Date;
}

/** A challenge that was sent: give `challengeId` to the client, never the code. */
export interface OtpChallenge {
  /** Opaque id (22 characters, base64url) the client sends back with the code. */
  readonly challengeId: string;
  /** The code is refused from this instant. */
  readonly expiresAt: Date;
  /** `resend()` is possible from this instant. */
  readonly resendAvailableAt: Date;
  /** The phone the code went to, masked for display (`+90 532 *** ** 67`). */
  readonly maskedPhone: string;
  /** Wrong codes this challenge still accepts before it locks. */
  readonly attemptsLeft: number;
}

/** What `OtpService.verify()` takes. */
export interface OtpVerifyRequest {
  readonly challengeId: string;
  /** The code as the user typed it (spaces and dashes are ignored). */
  readonly code: string;
  /**
   * The purpose this verification is for: a challenge issued for another purpose fails like a
   * wrong code (and counts). Left out, it is the default purpose, as in `send()`: a challenge
   * sent with a purpose must be verified with the same one.
   * @default 'default'
   */
  readonly purpose?: string;
  /** The subject the challenge was sent for, if it was sent with one. */
  readonly subject?: string | number;
  /** The values the challenge was bound to, recomputed from this request. */
  readonly bind?: Readonly<Record<string, unknown>>;
  /**
   * The phone number this verification is for, in any common form. When given, a challenge
   * sent to another number fails like a wrong code (and counts); so does a value that is not a
   * mobile number of `otp.allowedCountries`. Pass it whenever the phone comes from the request
   * (sign-in by phone number, no subject): otherwise a code sent to one number can be presented
   * for another. When left out it is not checked.
   */
  readonly phone?: string;
  /**
   * The client's IP address. Used only when the challenge is locked, to tell when `send()` will
   * accept a new code (the per-IP cap counts too); never counted here.
   */
  readonly ip?: string;
}

/** Why a verification failed. */
export type OtpFailureReason = 'invalid' | 'expired' | 'locked' | 'not_found';

/** The code was right: the challenge is used up. */
export interface OtpVerifySuccess {
  readonly valid: true;
  readonly challengeId: string;
  readonly purpose: string;
  readonly subject: string | undefined;
  /** Canonical phone number (`905321234567`) the code was sent to. */
  readonly phone: string;
}

/**
 * The code was refused. `invalid`: wrong code, or a purpose/subject/binding/phone other than
 * the challenge's (indistinguishable on purpose), counted; `expired`; `locked` (too many wrong
 * codes); `not_found` (unknown, used or cancelled challenge).
 */
export interface OtpVerifyFailure {
  readonly valid: false;
  readonly reason: OtpFailureReason;
  /** Wrong codes the challenge still accepts (0 unless `reason` is `invalid`). */
  readonly attemptsLeft: number;
  /**
   * With `locked`: seconds until `send()` will really accept a new code for this phone and
   * account (its send caps and `otp.lockout`); 0: now. The locked challenge itself never
   * accepts a code again: request a new one.
   */
  readonly retryAfterSeconds?: number;
}

/** What `OtpService.verify()` answers: `{ valid: true, … }` or `{ valid: false, reason, … }`. */
export type OtpVerifyResult = OtpVerifySuccess | OtpVerifyFailure;
