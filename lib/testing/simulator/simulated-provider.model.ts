import type {
  SimulatedApi,
  SimulatedMessage,
  SimulatedStatus,
  SimulatorProfile,
} from './simulator.types.js';

// The simulated provider's rules (timings, limits, number form) and the shapes it works with.

/** Time from acceptance to `300` (sent to SMSC) and to `400` (delivered): the vendor's 2 s / 4 s. */
export const SENT_AFTER_MS = 2_000;
export const DELIVERED_AFTER_MS = 4_000;
/** The OTP host's fixed validity. */
export const OTP_VALIDITY_MS = 180_000;
/** The bulk host's longest validity after the send time. */
export const BULK_MAX_VALIDITY_MS = 24 * 3_600_000;
/** Window of the bulk host's duplicate-content check. */
export const DUPLICATE_WINDOW_MS = 60_000;
/** Per-request limit on every API. */
export const MAX_ITEMS_PER_REQUEST = 800;

export const MOBILE = /^5\d{9}$/;
export const NON_DIGITS = /\D/g;

/**
 * The simulator's reading of a recipient (reference §2.3): strip non-digits, then a leading
 * `00`, then `90` or `0`; what remains must be `5` + 9 digits. Returns `905XXXXXXXXX` or
 * `undefined`.
 */
export function normalizeSimulatedNumber(raw: string): string | undefined {
  let digits = raw.replace(NON_DIGITS, '');
  if (digits.startsWith('00')) digits = digits.slice(2);
  if (digits.length === 12 && digits.startsWith('90')) digits = digits.slice(2);
  else if (digits.length === 11 && digits.startsWith('0')) digits = digits.slice(1);
  return MOBILE.test(digits) ? `90${digits}` : undefined;
}

/** Credential check result: ok, or which part is wrong. */
export type CredentialCheck = 'ok' | 'user' | 'password';

/** One recipient of a send, after the API decoded it. `to` is canonical. */
export interface SendItem {
  readonly to: string;
  readonly text: string;
}

export interface SendParameters {
  readonly profile: SimulatorProfile;
  readonly api: SimulatedApi;
  readonly items: readonly SendItem[];
  readonly sendAt?: Date;
  readonly validUntil?: Date;
  readonly sender?: string;
  /**
   * `reject`: the whole request fails when the credit does not cover it (HTTP `errno=20`).
   * `wait`: messages are accepted and those not covered wait for credit (status `110`).
   */
  readonly creditPolicy: 'reject' | 'wait';
}

export type SendOutcome =
  | { readonly ok: true; readonly messages: readonly SimulatedMessage[]; readonly charge: number }
  | { readonly ok: false; readonly reason: 'insufficient-credit'; readonly needed: number };

export interface MessageState {
  readonly message: SimulatedMessage;
  /** A final code decided at acceptance (`-202`, `-203`, `-205`, `-242`, `-447`). */
  readonly fixedCode?: number;
  readonly waitingCredit: boolean;
  readonly sendTime: number;
  readonly expireTime: number;
}

/** A status with the simulated time it began (JSON `StatusTime`). */
export interface TimedStatus extends SimulatedStatus {
  readonly since: Date;
}
