import { MAX_RECIPIENTS_PER_REQUEST } from '../../posta-guvercini.constants.js';
import {
  batchOf,
  groupByText,
  type SendBatch,
  type SendPlan,
  slices,
  splitPlan,
} from './send-plan.js';
import type { WireRequest } from './wire-client.js';

// What a wire transport prepares before the first request goes out (every body is built
// first, so a text one API cannot carry fails validation instead of half-sending a batch).

/** A prepared wire request of a send, with the batch it carries. */
export interface PreparedSend {
  readonly wire: WireRequest;
  readonly batch: SendBatch;
  /** Canonical recipients, in order (for partial-failure reports). */
  readonly recipients: readonly string[];
  /** Their positions in the whole send, when the batch is not a contiguous slice. */
  readonly positions?: readonly number[];
}

/** The wire requests of one send and how many may be in flight at once after the first. */
export interface PreparedSendWork {
  readonly requests: readonly PreparedSend[];
  /** 1 = strictly in order. */
  readonly concurrency: number;
}

/** A prepared wire request of a status query, with the ids it asks about. */
export interface PreparedStatus {
  readonly wire: WireRequest;
  readonly messageIds: readonly string[];
}

/** Encodes a validated plan into wire requests: split at 800, sent strictly in order. */
export function sendRequests<A>(
  plan: SendPlan,
  encode: (account: A, batch: SendBatch) => WireRequest,
  account: A,
): PreparedSendWork {
  if (plan.messages.length <= MAX_RECIPIENTS_PER_REQUEST) {
    // One request (every OTP send): no list of batches.
    const batch = batchOf(plan, plan.messages, 0);
    return { requests: [prepared(batch, encode(account, batch))], concurrency: 1 };
  }
  const requests = splitPlan(plan, MAX_RECIPIENTS_PER_REQUEST).map((batch) =>
    prepared(batch, encode(account, batch)),
  );
  return { requests, concurrency: 1 };
}

function prepared(batch: SendBatch, wire: WireRequest): PreparedSend {
  const recipients = new Array<string>(batch.messages.length);
  for (let i = 0; i < recipients.length; i++) recipients[i] = batch.messages[i]!.to;
  return { wire, batch, recipients };
}

/**
 * N-N for an API without an attested N-N request: one 1-N request per distinct text
 * (identical texts grouped, ≤ 800 numbers each), the first alone and then at most
 * `concurrency` in flight.
 */
export function groupedSendRequests(
  plan: SendPlan,
  concurrency: number,
  encode: (batch: SendBatch) => WireRequest,
): PreparedSendWork {
  const requests = groupByText(plan, MAX_RECIPIENTS_PER_REQUEST).map((batch): PreparedSend => ({
    wire: encode(batch),
    batch,
    recipients: batch.messages.map((message) => message.to),
    positions: batch.positions,
  }));
  return { requests, concurrency };
}

/** Encodes status queries, split at 800. */
export function statusRequests(
  messageIds: readonly string[],
  encode: (ids: readonly string[]) => WireRequest,
): PreparedStatus[] {
  return slices(messageIds, MAX_RECIPIENTS_PER_REQUEST).map((ids) => ({
    wire: encode(ids),
    messageIds: ids,
  }));
}
