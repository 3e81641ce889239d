import type { SendBatch } from './send-plan.js';
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
