import type { PostaGuverciniError } from '../errors/posta-guvercini.error.js';
import type { ReadyRecipient, RecipientOutcome, RecipientReason } from './recipient-outcome.js';

// The one place per-recipient outcomes that are not a provider's acceptance are built: the
// pipeline's skips, the sender's failures, the aborted recipients of a stopped campaign and the
// durable worker's failures all come from here, in one object shape.

/** Accepted by the provider (`messageId`), with its charge when the API reports one. */
export function sentOutcome(
  to: string,
  index: number,
  messageId: string,
  charge: number | undefined,
): RecipientOutcome {
  return charge === undefined
    ? { to, index, status: 'sent', messageId }
    : { to, index, status: 'sent', messageId, charge };
}

/** Not sent because of the input, a filter or a duplicate (`error` for invalid input). */
export function skippedOutcome(
  to: string,
  index: number,
  reason: RecipientReason,
  error?: PostaGuverciniError,
): RecipientOutcome {
  return error === undefined
    ? { to, index, status: 'skipped', reason }
    : { to, index, status: 'skipped', reason, error };
}

/** Refused by the provider or not got through; `maybeSent` when the provider may have it anyway. */
export function failedOutcome(
  to: string,
  index: number,
  reason: RecipientReason,
  error: PostaGuverciniError,
  maybeSent: boolean,
): RecipientOutcome {
  return { to, index, status: 'failed', reason, error, maybeSent };
}

/** The same failure for every recipient of a batch. */
export function failedOutcomes(
  recipients: readonly ReadyRecipient[],
  reason: RecipientReason,
  error: PostaGuverciniError,
  maybeSent: boolean,
): RecipientOutcome[] {
  const outcomes = new Array<RecipientOutcome>(recipients.length);
  for (let i = 0; i < recipients.length; i++) {
    const { to, index } = recipients[i]!;
    outcomes[i] = failedOutcome(to, index, reason, error, maybeSent);
  }
  return outcomes;
}

/** Recipients that will not be sent because the campaign stopped (`aborted`, never sent). */
export function abortedOutcomes(
  recipients: readonly ReadyRecipient[],
  error: PostaGuverciniError,
): RecipientOutcome[] {
  return failedOutcomes(recipients, 'aborted', error, false);
}
