import { SmsValidationError } from '../../errors/validation.error.js';
import { assertSmsText } from '../../message/sms-text.js';
import { isCanonicalList } from '../../phone/canonical-list.js';
import { MAX_SENDER_LENGTH } from '../../posta-guvercini.constants.js';
import {
  type SendRequest,
  type SmsChannel,
  type SmsMessage,
  type StatusRequest,
  isManyToMany,
} from '../sms-transport.types.js';

/** A send request after validation: what every wire transport encodes. */
export interface SendPlan {
  readonly channel: SmsChannel;
  /** The shared text of a 1-N request; `undefined` for N-N. */
  readonly text: string | undefined;
  /** Recipient/text pairs in request order (for 1-N every text is `text`). */
  readonly messages: readonly SmsMessage[];
  readonly sendAt: Date | undefined;
  readonly validUntil: Date | undefined;
  readonly sender: string | undefined;
}

/** One wire request's share of a plan (at most 800 recipients). */
export interface SendBatch extends SendPlan {
  /** Position of the batch's first recipient in the whole plan. */
  readonly offset: number;
  /**
   * Position in the plan of each message of the batch, when the batch is not a contiguous
   * slice: an N-N plan sent as 1-N requests, one per distinct text (see `groupByText`).
   */
  readonly positions?: readonly number[];
}

/** Canonical recipient: country code + national number, digits only (`905321234567`). */
const CANONICAL_NUMBER = /^[1-9]\d{9,14}$/;
const CHANNELS: readonly string[] = ['otp', 'bulk'];
const TEXT_FIELD = { field: 'text' } as const;

/**
 * Checks a `SendRequest` before any network call and returns it normalised. Throws
 * `SmsValidationError` naming the field: `channel`, `to`/`to[i]`, `messages[i].to`,
 * `text`/`messages[i].text` (empty, over the provider's caps), `sendAt`, `validUntil`, `sender`.
 */
export function planSend(request: SendRequest, defaultSender: string | undefined): SendPlan {
  if (request === null || typeof request !== 'object') {
    throw new SmsValidationError(
      'INVALID_REQUEST',
      'send() needs a request object { channel, to, text } or { channel, messages }',
    );
  }
  const channel = checkChannel(request.channel);
  let text: string | undefined;
  let messages: SmsMessage[];
  if (isManyToMany(request)) {
    const list: unknown = request.messages;
    if (!Array.isArray(list) || list.length === 0) {
      throw new SmsValidationError(
        'NO_RECIPIENTS',
        'messages is empty; give at least one { to, text }',
        'messages',
      );
    }
    messages = (list as readonly unknown[]).map((item, i) => {
      if (item === null || typeof item !== 'object') {
        throw new SmsValidationError(
          'INVALID_REQUEST',
          `messages[${i}] must be an object { to, text }`,
          `messages[${i}]`,
        );
      }
      const message = item as Partial<SmsMessage>;
      assertSmsText(message.text, { field: `messages[${i}].text` });
      return { to: checkNumber(message.to, `messages[${i}].to`), text: message.text! };
    });
  } else {
    if (!Array.isArray(request.to) || request.to.length === 0) {
      throw new SmsValidationError(
        'NO_RECIPIENTS',
        'to is empty; give at least one recipient',
        'to',
      );
    }
    assertSmsText(request.text, TEXT_FIELD);
    text = request.text;
    // A campaign batch (numbers the bulk pipeline made canonical) is not tested again.
    const canonical = isCanonicalList(request.to);
    const to = request.to as readonly unknown[];
    messages = new Array<SmsMessage>(to.length);
    for (let i = 0; i < to.length; i++)
      messages[i] = { to: canonical ? (to[i] as string) : checkNumber(to[i], `to[${i}]`), text };
  }
  const sendAt = checkDate(request.sendAt, 'sendAt');
  const validUntil = checkDate(request.validUntil, 'validUntil');
  if (
    sendAt !== undefined &&
    validUntil !== undefined &&
    validUntil.getTime() <= sendAt.getTime()
  ) {
    throw new SmsValidationError(
      'INVALID_VALIDITY',
      'validUntil must be later than sendAt; the provider would drop the message before sending it',
      'validUntil',
    );
  }
  const sender = checkSender(
    request.sender ?? defaultSender,
    request.sender !== undefined ? 'sender' : 'options.sender',
  );
  return { channel, text, messages, sendAt, validUntil, sender };
}

/** Splits a plan into batches of at most `size` recipients, in order. */
export function splitPlan(plan: SendPlan, size: number): SendBatch[] {
  if (plan.messages.length <= size) return [batchOf(plan, plan.messages, 0)];
  const batches: SendBatch[] = [];
  for (let offset = 0; offset < plan.messages.length; offset += size)
    batches.push(batchOf(plan, plan.messages.slice(offset, offset + size), offset));
  return batches;
}

/** The batch of `messages` (starting at `offset`) of a plan. */
export function batchOf(
  plan: SendPlan,
  messages: readonly SmsMessage[],
  offset: number,
): SendBatch {
  return {
    channel: plan.channel,
    text: plan.text,
    messages,
    sendAt: plan.sendAt,
    validUntil: plan.validUntil,
    sender: plan.sender,
    offset,
  };
}

/**
 * An N-N plan as 1-N batches for an API without an attested N-N request (HTTP, SOAP): one
 * batch per distinct text (identical texts grouped, in order of first appearance), each split
 * at `size` numbers. `positions` maps every message back to its place in the plan, so results
 * can be reported in request order.
 */
export function groupByText(plan: SendPlan, size: number): SendBatch[] {
  const groups = new Map<string, number[]>();
  plan.messages.forEach((message, position) => {
    const group = groups.get(message.text);
    if (group) group.push(position);
    else groups.set(message.text, [position]);
  });
  const batches: SendBatch[] = [];
  for (const [text, positions] of groups) {
    for (const part of slices(positions, size)) {
      batches.push({
        channel: plan.channel,
        text,
        messages: part.map((position) => plan.messages[position]!),
        sendAt: plan.sendAt,
        validUntil: plan.validUntil,
        sender: plan.sender,
        offset: part[0]!,
        positions: part,
      });
    }
  }
  return batches;
}

/** The request field a batch's text came from, for validation errors (`text`, `messages[3].text`). */
export function textFieldOf(batch: SendBatch, index = 0): string {
  if (batch.positions !== undefined) return `messages[${batch.positions[index]}].text`;
  return batch.text !== undefined ? 'text' : `messages[${batch.offset + index}].text`;
}

/** Checks a status request; returns the ids. */
export function planStatus(request: StatusRequest): {
  channel: SmsChannel;
  messageIds: readonly string[];
} {
  if (request === null || typeof request !== 'object') {
    throw new SmsValidationError(
      'INVALID_REQUEST',
      'status() needs a request object { channel, messageIds }',
    );
  }
  const channel = checkChannel(request.channel);
  if (!Array.isArray(request.messageIds)) {
    throw new SmsValidationError(
      'INVALID_MESSAGE_ID',
      'messageIds must be an array of message ids returned by send()',
      'messageIds',
    );
  }
  request.messageIds.forEach((id, i) => {
    if (typeof id !== 'string' || id.trim() === '' || id.length > 100 || hasControlCharacter(id)) {
      throw new SmsValidationError(
        'INVALID_MESSAGE_ID',
        `messageIds[${i}] is not a message id; use the messageId of an accepted recipient from send()`,
        `messageIds[${i}]`,
      );
    }
  });
  return { channel, messageIds: request.messageIds };
}

/** Checks a channel name. */
export function checkChannel(channel: unknown): SmsChannel {
  if (typeof channel !== 'string' || !CHANNELS.includes(channel)) {
    throw new SmsValidationError('INVALID_CHANNEL', `channel must be 'otp' or 'bulk'`, 'channel');
  }
  return channel as SmsChannel;
}

/** Whether the text has a C0 control character or DEL (U+0000–U+001F, U+007F). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Whether the text has a UTF-16 surrogate without its pair. */
export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** Splits any list into slices of at most `size`, in order. */
export function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function checkNumber(to: unknown, field: string): string {
  if (typeof to !== 'string' || !CANONICAL_NUMBER.test(to)) {
    throw new SmsValidationError(
      'INVALID_PHONE',
      `${field} is not a canonical number (country code and number, digits only, e.g. 905321234567); normalise it with normalizePhoneNumber() first`,
      field,
    );
  }
  return to;
}

function checkDate(value: unknown, field: string): Date | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new SmsValidationError('INVALID_DATE', `${field} must be a valid Date`, field);
  }
  return value;
}

function checkSender(sender: unknown, field: string): string | undefined {
  if (sender === undefined) return undefined;
  if (typeof sender !== 'string' || sender.trim() === '' || sender.length > MAX_SENDER_LENGTH) {
    throw new SmsValidationError(
      'INVALID_SENDER',
      `${field} must be an originator (sender title) of 1 to ${MAX_SENDER_LENGTH} characters, as registered with Posta Güvercini`,
      field,
    );
  }
  return sender;
}
