import type { ErrorCode } from '../../errors/error-code.js';
import { PostaGuverciniError } from '../../errors/posta-guvercini.error.js';
import type { RecipientOutcome, RecipientReason } from '../recipient-outcome.js';

// A recipient outcome as the durable store keeps it in Redis (a compact JSON tuple), and back.

/** Outcome as stored: `[to, index, status, messageId|reason, charge|code, message, maybeSent]`. */
export type StoredOutcome = [
  string,
  number,
  's' | 'k' | 'f',
  string?,
  (number | string)?,
  string?,
  (0 | 1)?,
];

export function encodeOutcome(outcome: RecipientOutcome): StoredOutcome {
  const status = outcome.status === 'sent' ? 's' : outcome.status === 'skipped' ? 'k' : 'f';
  if (status === 's') {
    return outcome.reason === 'recovered'
      ? [outcome.to, outcome.index, 's', outcome.messageId ?? '', outcome.charge ?? '', 'recovered']
      : [outcome.to, outcome.index, 's', outcome.messageId ?? '', outcome.charge ?? ''];
  }
  return [
    outcome.to,
    outcome.index,
    status,
    outcome.reason ?? '',
    outcome.error?.code ?? '',
    outcome.error?.message ?? '',
    outcome.maybeSent ? 1 : 0,
  ];
}

export function decodeOutcome(stored: StoredOutcome): RecipientOutcome {
  const [to, index, status, a, b, c, d] = stored;
  if (status === 's') {
    return {
      to,
      index,
      status: 'sent',
      ...(a ? { messageId: a } : {}),
      ...(typeof b === 'number' ? { charge: b } : {}),
      ...(c === 'recovered' ? { reason: 'recovered' as const } : {}),
    };
  }
  return {
    to,
    index,
    status: status === 'k' ? 'skipped' : 'failed',
    ...(a ? { reason: a as RecipientReason } : {}),
    ...(b ? { error: new PostaGuverciniError(String(b) as ErrorCode, c ?? '') } : {}),
    ...(status === 'f' ? { maybeSent: d === 1 } : {}),
  };
}
