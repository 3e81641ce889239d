import { randomUUID } from 'node:crypto';
import { SmsProviderError } from '../errors/provider.error.js';
import { InvalidOptionsError } from '../errors/validation.error.js';
import { normalizePhoneNumber } from '../phone/phone-number.js';
import { SmsTransport } from './sms-transport.js';
import {
  type CreditBalance,
  type DeliveryReport,
  type SendRequest,
  type SendResult,
  type SmsChannel,
  type StatusRequest,
} from './sms-transport.types.js';
import { checkChannel, planSend, planStatus } from './wire/send-plan.js';

/** A message kept by `InMemoryTransport`. */
export interface OutboxMessage {
  readonly messageId: string;
  readonly channel: SmsChannel;
  readonly to: string;
  readonly text: string;
  readonly sendAt?: Date;
  readonly validUntil?: Date;
  readonly sender?: string;
  readonly createdAt: Date;
}

/** Options of `new InMemoryTransport()`. */
export interface InMemoryTransportOptions {
  /** Starting credit per channel. @default Infinity */
  readonly credit?: number;
}

/**
 * Sends nothing: keeps every message in an inspectable outbox. For development and for users'
 * own tests (`outbox`, `lastMessageTo(phone)`, `clear()`).
 */
export class InMemoryTransport extends SmsTransport {
  readonly name = 'memory';
  private readonly messages: OutboxMessage[] = [];
  private readonly byId = new Map<string, OutboxMessage>();
  private readonly listeners = new Set<(message: OutboxMessage) => void>();
  private readonly credits: Record<SmsChannel, number>;

  constructor(options: InMemoryTransportOptions = {}) {
    super();
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new InvalidOptionsError('options', 'expected { credit?: number } or nothing');
    }
    const credit = options.credit ?? Number.POSITIVE_INFINITY;
    if (typeof credit !== 'number' || Number.isNaN(credit) || credit < 0) {
      throw new InvalidOptionsError('credit', 'expected a number of credits ≥ 0 (or Infinity)');
    }
    this.credits = { otp: credit, bulk: credit };
  }

  /** Every message sent so far, oldest first. */
  get outbox(): readonly OutboxMessage[] {
    return this.messages;
  }

  /** The last message sent to a number (any common Turkish form, or canonical `905XXXXXXXXX`), if any. */
  lastMessageTo(to: string, channel?: SmsChannel): OutboxMessage | undefined {
    to = canonicalOrAsGiven(to);
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i]!;
      if (message.to === to && (channel === undefined || message.channel === channel))
        return message;
    }
    return undefined;
  }

  /** Resolves with the next message sent (optionally to a given number). */
  nextMessage(to?: string): Promise<OutboxMessage> {
    if (to !== undefined) to = canonicalOrAsGiven(to);
    return new Promise((resolve) => {
      const listener = (message: OutboxMessage): void => {
        if (to !== undefined && message.to !== to) return;
        this.listeners.delete(listener);
        resolve(message);
      };
      this.listeners.add(listener);
    });
  }

  clear(): void {
    this.messages.length = 0;
    this.byId.clear();
  }

  /**
   * Keeps the messages in the outbox. The request is checked exactly as the wire transports
   * check it (canonical numbers, the shared text rules — no control characters other than line
   * feed and carriage return, no lone surrogates, the provider's length caps —, valid dates,
   * sender), so a test on this transport fails where production would.
   */
  async send(request: SendRequest): Promise<SendResult> {
    const plan = planSend(request, undefined);
    const pairs = plan.messages;
    if (this.credits[plan.channel] < pairs.length) {
      throw new SmsProviderError('http', '20', 'insufficient credit');
    }
    this.credits[plan.channel] -= pairs.length;
    const createdAt = new Date();
    const recipients = pairs.map(({ to, text }) => {
      const message: OutboxMessage = {
        messageId: `MEM_${randomUUID().toUpperCase()}`,
        channel: plan.channel,
        to,
        text,
        createdAt,
        ...(plan.sendAt && plan.channel === 'bulk' ? { sendAt: plan.sendAt } : {}),
        ...(plan.validUntil ? { validUntil: plan.validUntil } : {}),
        ...(plan.sender ? { sender: plan.sender } : {}),
      };
      this.messages.push(message);
      this.byId.set(message.messageId, message);
      for (const listener of [...this.listeners]) listener(message);
      return { to, status: 'accepted' as const, messageId: message.messageId, charge: 1 };
    });
    return { recipients, credits: recipients.length, requests: 1, providerCodes: ['memory'] };
  }

  async status(request: StatusRequest): Promise<DeliveryReport[]> {
    const { messageIds } = planStatus(request);
    return messageIds.map((messageId) => {
      const message = this.byId.get(messageId);
      if (!message) {
        return {
          messageId,
          status: 'unknown',
          final: true,
          providerCode: '',
          description: 'message not found',
        };
      }
      const scheduled = message.sendAt !== undefined && message.sendAt.getTime() > Date.now();
      return scheduled
        ? {
            messageId,
            to: message.to,
            status: 'scheduled',
            final: false,
            providerCode: '120',
            description: 'waiting for the scheduled send time',
          }
        : {
            messageId,
            to: message.to,
            status: 'delivered',
            final: true,
            providerCode: '400',
            description: 'delivered to recipient',
          };
    });
  }

  async credit(channel: SmsChannel): Promise<CreditBalance> {
    channel = checkChannel(channel);
    return { channel, balance: this.credits[channel] };
  }
}

/** Any common form of a Turkish mobile (`0532 …`, `+90 …`) → canonical; other input is matched as given. */
function canonicalOrAsGiven(phone: string): string {
  try {
    return normalizePhoneNumber(phone);
  } catch {
    return phone;
  }
}
