import { assertSmsText } from '../message/sms-text.js';
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

  /**
   * Checks, before anything is sent, that this transport can carry `text`; throws
   * `SmsValidationError` naming `field` when it cannot: `TEXT_EMPTY`, `TEXT_TOO_LONG`, or
   * `TEXT_NOT_ENCODABLE` (a control character other than line feed and carriage return, a lone
   * surrogate, or a character the wire format's charset has no byte for). `send` applies the
   * same rules to every text of a request; `BulkSmsService` calls this for each item of an N-N
   * campaign, so that one text the transport cannot carry is reported on its own instead of
   * failing its whole batch.
   *
   * The default applies the rules every transport shares (`assertSmsText`). A transport with
   * a narrower wire format overrides it and calls `super.assertText(text, field)` first.
   */
  assertText(text: string, field = 'text'): void {
    assertSmsText(text, { field });
  }

  /** Releases sockets and timers. Called by the module on application shutdown. */
  async close(): Promise<void> {}
}
