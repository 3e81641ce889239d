import type { SmsChannel } from './sms-transport.types.js';
import type { BatchOutcome } from './wire/send-runner.js';

// The campaign hot path's own way into a transport (internal, not exported from the package):
// a 1-N batch of Turkish mobiles handed over as numeric keys (national number − 5·10^9, as
// `turkishMobileKeyOf` gives them), so that neither side builds a string or an object per
// recipient. A transport that offers it (JsonTransport) validates the request exactly as its
// `send()` would, makes the same one request, and answers either compactly (every recipient
// accepted, read straight off the reply bytes) or with the `BatchOutcome` its `send()` would
// have read from the same reply. Errors are thrown exactly as `send()` throws them.

/** The method key of the hook on a transport. */
export const SEND_KEYED_BATCH: unique symbol = Symbol('posta-guvercini.sendKeyedBatch');

/** A 1-N request without its recipients (they are the keys). */
export interface KeyedSendRequest {
  readonly channel: SmsChannel;
  readonly text: string;
  readonly sendAt?: Date;
  readonly validUntil?: Date;
  readonly sender?: string;
}

/** Every recipient accepted: message ids are byte ranges of the reply, decoded on demand. */
export interface KeyedAcceptedReply {
  readonly accepted: true;
  readonly credits: number;
  readonly providerCode: string;
  /** Message id of the i-th recipient (the reply's `MessageId`, never empty). */
  messageId(i: number): string;
  /** Charge of the i-th recipient (the reply's `Charge`). */
  charge(i: number): number;
}

/** Anything else the reply said, read as `send()` reads it (rejections, odd forms). */
export interface KeyedFullReply {
  readonly accepted: false;
  readonly outcome: BatchOutcome;
  /** The outcome's provider code, where a provider request's telemetry reads it. */
  readonly providerCode: string;
}

export type KeyedReply = KeyedAcceptedReply | KeyedFullReply;

/** A transport's hook: `undefined` when it cannot take this batch that way (then use `send()`). */
export type SendKeyedBatch = (
  request: KeyedSendRequest,
  keys: ArrayLike<number>,
) => Promise<KeyedReply> | undefined;

/** The hook of `transport`, bound, if it has one. */
export function keyedBatchSenderOf(transport: object): SendKeyedBatch | undefined {
  const hook = (transport as { [SEND_KEYED_BATCH]?: SendKeyedBatch })[SEND_KEYED_BATCH];
  return typeof hook === 'function' ? hook.bind(transport) : undefined;
}

/** The canonical number (`905XXXXXXXXX`) of a key. */
export function canonicalOfTurkishKey(key: number): string {
  // 10^9 + key stays a small integer (< 2^31): "1" + the 9 digits after the 5.
  return '905' + String(1_000_000_000 + key).substring(1);
}

/** A keyed request's checked plan and the bytes around its receivers, as a transport keeps it. */
export interface KeyedSendPlan<Account, Batch> {
  readonly request: KeyedSendRequest;
  readonly account: Account;
  readonly batch: Batch;
  readonly head: Buffer;
  readonly tail: Buffer;
}

/** The request as a plan keeps it: its dates copied, so that the caller's Date objects may change. */
export function keptKeyedRequest(request: KeyedSendRequest): KeyedSendRequest {
  const { sendAt, validUntil } = request;
  return {
    ...request,
    ...(sendAt ? { sendAt: new Date(sendAt) } : {}),
    ...(validUntil ? { validUntil: new Date(validUntil) } : {}),
  };
}

/**
 * Whether two keyed requests ask for the same message (channel, text, dates by time, sender),
 * so that a transport may reuse the first one's checked plan and fixed bytes for the second:
 * a campaign's batches all ask for the same (one campaign at a time: two running at once on one
 * transport re-plan at each batch). Every check of a plan depends on these alone, for values
 * of the declared types; the plan's own check refuses others.
 */
export function sameKeyedRequest(a: KeyedSendRequest, b: KeyedSendRequest): boolean {
  return (
    typeof b === 'object' &&
    b !== null &&
    a.text === b.text &&
    a.channel === b.channel &&
    a.sender === b.sender &&
    timeOf(a.sendAt) === timeOf(b.sendAt) &&
    timeOf(a.validUntil) === timeOf(b.validUntil)
  );
}

/** A Date's time; anything else as it is (never equal to a kept plan's time: re-planned). */
function timeOf(date: unknown): unknown {
  return date instanceof Date ? date.getTime() : date;
}
