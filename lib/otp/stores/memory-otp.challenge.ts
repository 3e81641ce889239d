import type {
  OtpChallengeEnd,
  OtpChallengeRecord,
  OtpChallengeSummary,
  OtpDeliveryRecord,
} from './otp-store.types.js';

// A challenge as MemoryOtpStore (memory-otp.store.ts) keeps it: the record with the fields its
// steps change made writable, what an attempt answers of it, and its tombstone.

/** A stored challenge; attempts, resends, code and times change in place. */
export interface MutableChallenge extends Omit<
  OtpChallengeRecord,
  | 'attempts'
  | 'resends'
  | 'codeHash'
  | 'bindingDigest'
  | 'expiresAt'
  | 'resendAvailableAt'
  | 'retainUntil'
  | 'state'
  | 'endedAt'
  | 'sentAt'
  | 'delivery'
> {
  codeHash: string;
  bindingDigest: string;
  state?: OtpChallengeEnd;
  endedAt?: number;
  sentAt: number;
  delivery?: OtpDeliveryRecord;
  expiresAt: number;
  resendAvailableAt: number;
  retainUntil: number;
  attempts: number;
  resends: number;
}

/** What an attempt or a cancel answers of a challenge: no code, no times. */
export function summarize(challenge: MutableChallenge): OtpChallengeSummary {
  return {
    phone: challenge.phone,
    purpose: challenge.purpose,
    ...(challenge.subject === undefined ? {} : { subject: challenge.subject }),
  };
}

/** Turns a challenge into a tombstone: no code hash, no binding digest, how and when it ended. */
export function endChallenge(
  challenge: MutableChallenge,
  state: OtpChallengeEnd,
  now: number,
): void {
  challenge.codeHash = '';
  challenge.bindingDigest = '';
  challenge.state = state;
  challenge.endedAt = now;
}
