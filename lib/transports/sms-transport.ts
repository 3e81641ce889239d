import type {
  CreditBalance,
  DeliveryReport,
  SendRequest,
  SendResult,
  SmsChannel,
  StatusRequest,
} from './sms-transport.types.js';

/**
 * The one contract every transport implements: translate a normalised request into a wire
 * format and the reply back into a normalised result. Extend this class to plug in your own
 * transport; the module accepts an instance as `transport`.
 *
 * Implementations must not log or put credentials into error messages or URLs.
 */
export abstract class SmsTransport {
  /** Short name used in logs and errors, e.g. `http`, `xml`, `memory`. */
  abstract readonly name: string;

  /** Sends one text to many numbers or a text per number. Splits at 800 per request. */
  abstract send(request: SendRequest): Promise<SendResult>;

  /** Delivery reports for message ids returned by `send`. */
  abstract status(request: StatusRequest): Promise<DeliveryReport[]>;

  /** Remaining credit of the account behind the channel. */
  abstract credit(channel: SmsChannel): Promise<CreditBalance>;

  /** Releases sockets and timers. Called by the module on application shutdown. */
  async close(): Promise<void> {}
}
