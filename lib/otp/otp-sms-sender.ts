import type { Logger } from '@nestjs/common';
import { OtpDeliveryUncertainError } from '../errors/otp.errors.js';
import { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import { SmsMalformedResponseError } from '../errors/transport.error.js';
import { maskPhoneNumber } from '../phone/phone-number.js';
import type { SmsTransport } from '../transports/sms-transport.js';
import { challengeOf, maybeAccepted } from './otp-challenge.js';
import { errorName } from './otp-event-dispatcher.js';
import { fillOtpTemplate } from './otp-template.js';
import type { ResolvedOtpProfile } from './resolve-otp-options.js';
import type { OtpChallengeRecord, OtpStore } from './stores/otp.store.js';

/**
 * Sends a challenge's SMS over the OTP channel. A send the provider may have accepted (its
 * answer lost) keeps the challenge and throws `OtpDeliveryUncertainError`; any other failure
 * discards a new challenge (`discardOnFailure`) and throws the transport's error.
 */
export class OtpSmsSender {
  constructor(
    private readonly transport: SmsTransport,
    private readonly store: OtpStore,
    private readonly logger: Logger,
  ) {}

  /** Sends the SMS over the OTP channel; returns the provider's message id. */
  async deliver(
    record: OtpChallengeRecord,
    code: string,
    now: number,
    profile: ResolvedOtpProfile,
    { discardOnFailure }: { readonly discardOnFailure: boolean },
  ): Promise<string | undefined> {
    // The OTP host keeps its own 3-minute validity; this asks for the challenge's lifetime,
    // measured on the wall clock (the service clock may be a test clock).
    const validUntil = new Date(Date.now() + Math.max(1000, record.expiresAt - now));
    let failure: unknown;
    try {
      const result = await this.transport.send({
        channel: 'otp',
        to: [record.phone],
        text: fillOtpTemplate(record.text, code),
        validUntil,
        ...(profile.sender === undefined ? {} : { sender: profile.sender }),
      });
      const recipient = result.recipients[0];
      if (recipient?.status === 'accepted') return recipient.messageId;
      failure =
        recipient?.error ??
        new SmsMalformedResponseError('the transport returned no result for the recipient');
    } catch (error) {
      failure = error;
    }
    const reason = failure instanceof PostaGuverciniError ? failure.code : errorName(failure);
    // The provider may have accepted it (the answer was lost): the user may get the code, so
    // the challenge stays valid and the caller learns its id.
    const uncertain = discardOnFailure && maybeAccepted(failure);
    this.logger.warn(
      `One-time password for challenge ${record.challengeId} could not be sent to ${maskPhoneNumber(record.phone)} (${reason})${uncertain ? '; the provider may have accepted it, so the challenge is kept' : discardOnFailure ? '; the challenge is discarded' : ''}.`,
    );
    if (uncertain) {
      throw new OtpDeliveryUncertainError(challengeOf(record, record.maxAttempts), {
        cause: failure,
      });
    }
    if (discardOnFailure) {
      await this.store.delete(record.challengeId).catch(() => undefined);
    }
    throw failure;
  }
}
