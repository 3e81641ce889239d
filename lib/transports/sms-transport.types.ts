import type { PostaGuverciniError } from '../errors/posta-guvercini.error.js';

/** Which Posta Güvercini account and host a request goes to. */
export type SmsChannel = 'otp' | 'bulk';

/** One text for one recipient. `to` is canonical: `905XXXXXXXXX` (digits, country code, no `+`). */
export interface SmsMessage {
  readonly to: string;
  readonly text: string;
}

interface SendRequestBase {
  readonly channel: SmsChannel;
  /** Scheduled send time (bulk host only; the OTP host sends immediately whatever is given). */
  readonly sendAt?: Date;
  /** Last moment the provider may still try to deliver (`dt2` / `ExpireDate`). */
  readonly validUntil?: Date;
  /** Originator (sender title), ≤ 11 characters; the account default when absent. */
  readonly sender?: string;
}

/** One text to many numbers (1-N). */
export interface OneToManySendRequest extends SendRequestBase {
  readonly text: string;
  readonly to: readonly string[];
}

/** A text per number (N-N). */
export interface ManyToManySendRequest extends SendRequestBase {
  readonly messages: readonly SmsMessage[];
}

/** A normalised send request; recipients are already canonical (see `normalizePhoneNumber`). */
export type SendRequest = OneToManySendRequest | ManyToManySendRequest;

export function isManyToMany(request: SendRequest): request is ManyToManySendRequest {
  return 'messages' in request;
}

/** Outcome for one recipient of a send request. */
export type RecipientResult =
  | {
      readonly to: string;
      readonly status: 'accepted';
      /** The provider's message id, for status queries. */
      readonly messageId: string;
      /** Credits charged for this recipient when the provider says so. */
      readonly charge?: number;
      /** Raw provider result for this recipient (e.g. `res="1"`, `errno=0`). */
      readonly providerCode?: string;
    }
  | {
      readonly to: string;
      /** `rejected`: the provider refused this recipient. `failed`: the exchange failed. */
      readonly status: 'rejected' | 'failed';
      readonly error: PostaGuverciniError;
      readonly providerCode?: string;
    };

/** Normalised result of a send: one entry per recipient in request order. */
export interface SendResult {
  readonly recipients: readonly RecipientResult[];
  /** Total credits charged as reported by the provider (0 when the API does not report it). */
  readonly credits: number;
  /** Number of wire requests made (requests are split at 800 recipients). */
  readonly requests: number;
  /** Raw request-level provider code(s), e.g. `errno=0`, `StatusCode=200`, kept for audits. */
  readonly providerCodes: readonly string[];
}

/**
 * One model of delivery state across all APIs. `'waiting_credit'` is status 110: the provider
 * accepted the message but holds it until credit is loaded — not sent, not delivered, not
 * final (it becomes `'expired'`, code `-220`, if its validity ends first).
 */
export type DeliveryStatus =
  | 'waiting_credit'
  | 'scheduled'
  | 'pending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'expired'
  | 'rejected'
  | 'cancelled'
  | 'unknown';

/** Delivery status of one sent message, as `SmsTransport.status()` reports it. */
export interface DeliveryReport {
  readonly messageId: string;
  readonly status: DeliveryStatus;
  /** Whether the provider says this state will not change any more. */
  readonly final: boolean;
  /** Raw provider status code (e.g. `400`, `-202`), empty when the provider does not know the id. */
  readonly providerCode: string;
  /** The documented meaning of `providerCode`. */
  readonly description: string;
  /** Recipient, when the API reports it. */
  readonly to?: string;
  /** When the provider recorded this state, when the API reports it. */
  readonly at?: Date;
}

/** What `SmsTransport.status()` asks about: message ids of one channel's account. */
export interface StatusRequest {
  readonly channel: SmsChannel;
  readonly messageIds: readonly string[];
}

/** Remaining credit of one account, as `SmsTransport.credit()` reports it. */
export interface CreditBalance {
  readonly channel: SmsChannel;
  readonly balance: number;
}
