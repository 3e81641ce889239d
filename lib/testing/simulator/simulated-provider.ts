import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  analyzeSmsText,
  MAX_GSM7_CHARACTERS,
  MAX_UCS2_CHARACTERS,
} from '../../message/sms-text.js';
import type {
  SimulatedMessage,
  SimulatorCredentials,
  SimulatorProfile,
} from './simulator.types.js';
import {
  SENT_AFTER_MS,
  DELIVERED_AFTER_MS,
  OTP_VALIDITY_MS,
  BULK_MAX_VALIDITY_MS,
  DUPLICATE_WINDOW_MS,
  type CredentialCheck,
  type SendItem,
  type SendParameters,
  type SendOutcome,
  type MessageState,
  type TimedStatus,
} from './simulated-provider.model.js';

export {
  SENT_AFTER_MS,
  DELIVERED_AFTER_MS,
  OTP_VALIDITY_MS,
  BULK_MAX_VALIDITY_MS,
  DUPLICATE_WINDOW_MS,
  MAX_ITEMS_PER_REQUEST,
  normalizeSimulatedNumber,
} from './simulated-provider.model.js';
export type {
  CredentialCheck,
  SendItem,
  SendParameters,
  SendOutcome,
  TimedStatus,
} from './simulated-provider.model.js';

/**
 * The provider behind the four APIs: accounts, credit, accepted messages and their delivery
 * states on a controllable clock. API handlers decode a request, call this, and encode the
 * answer.
 */
export class SimulatedProvider extends EventEmitter {
  messages: SimulatedMessage[] = [];
  private readonly states = new Map<string, MessageState>();
  private readonly lastTo = new Map<string, SimulatedMessage>();
  private readonly lastOriginal = new Map<string, number>();
  private readonly credit: Record<SimulatorProfile, number>;
  private offsetMs = 0;
  /** Canonical numbers whose handsets never receive: their messages end `412` (unreachable). */
  readonly undeliverable = new Set<string>();

  constructor(
    readonly accounts: Readonly<Record<SimulatorProfile, SimulatorCredentials>>,
    private readonly initialCredit: Readonly<Record<SimulatorProfile, number>>,
    private readonly blacklist: ReadonlySet<string>,
    readonly originator: string,
    private readonly externalNow?: () => Date,
  ) {
    super();
    this.credit = { ...initialCredit };
  }

  /** Simulated time in ms. */
  nowMs(): number {
    return (this.externalNow ? this.externalNow().getTime() : Date.now()) + this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`advance(ms) needs a finite ms ≥ 0, got ${ms}`);
    this.offsetMs += ms;
  }

  setNow(date: Date): void {
    if (Number.isNaN(date.getTime())) throw new RangeError('setNow(date) needs a valid Date');
    this.offsetMs += date.getTime() - this.nowMs();
  }

  checkCredentials(
    profile: SimulatorProfile,
    username: unknown,
    password: unknown,
  ): CredentialCheck {
    const account = this.accounts[profile];
    if (username !== account.username) return 'user';
    return password === account.password ? 'ok' : 'password';
  }

  creditOf(profile: SimulatorProfile): number {
    return this.credit[profile];
  }

  setCredit(profile: SimulatorProfile, credit: number): void {
    if (!Number.isInteger(credit) || credit < 0)
      throw new RangeError(`setCredit needs an integer ≥ 0, got ${credit}`);
    this.credit[profile] = credit;
  }

  /**
   * Accepts messages with the host profile's rules (see the simulator's decision table).
   * Never fails for a single recipient: refused ones get a final status code.
   */
  send(params: SendParameters): SendOutcome {
    const now = this.nowMs();
    const otp = params.profile === 'otp';
    const sendTime =
      otp || params.sendAt === undefined ? now : Math.max(params.sendAt.getTime(), now);
    const expireTime = otp
      ? now + OTP_VALIDITY_MS
      : (params.validUntil?.getTime() ?? sendTime + BULK_MAX_VALIDITY_MS);
    const invalidValidity =
      !otp &&
      params.validUntil !== undefined &&
      (expireTime <= sendTime || expireTime > sendTime + BULK_MAX_VALIDITY_MS);

    // Decide every item's fate first, so that a rejected request changes nothing.
    const seen = new Map<string, number>();
    const plans: {
      item: SendItem;
      fixedCode?: number;
      segments: number;
      encoding: 'gsm7' | 'ucs2';
    }[] = [];
    let needed = 0;
    for (const item of params.items) {
      const analysis = analyzeSmsText(item.text);
      let fixedCode: number | undefined;
      if (analysis.encoding === 'gsm7' && analysis.characters > MAX_GSM7_CHARACTERS)
        fixedCode = -205;
      else if (analysis.encoding === 'ucs2' && analysis.characters > MAX_UCS2_CHARACTERS)
        fixedCode = -447;
      else if (!otp && this.blacklist.has(item.to)) fixedCode = -242;
      else if (!otp) {
        const key = `${item.to}\n${item.text}`;
        const last = seen.get(key) ?? this.lastOriginal.get(key);
        if (last !== undefined && now - last < DUPLICATE_WINDOW_MS) fixedCode = -202;
        else {
          seen.set(key, now);
          if (invalidValidity) fixedCode = -203;
        }
      }
      if (fixedCode === undefined) needed += analysis.segments;
      plans.push({ item, fixedCode, segments: analysis.segments, encoding: analysis.encoding });
    }
    if (params.creditPolicy === 'reject' && needed > this.credit[params.profile]) {
      return { ok: false, reason: 'insufficient-credit', needed };
    }

    const createdAt = new Date(now);
    const requested = { sendAt: params.sendAt, validUntil: params.validUntil };
    const sendAt = otp ? undefined : params.sendAt;
    const validUntil = otp ? new Date(expireTime) : params.validUntil;
    const messages: SimulatedMessage[] = [];
    let charge = 0;
    for (const plan of plans) {
      let waitingCredit = false;
      let messageCharge = 0;
      if (plan.fixedCode === undefined) {
        if (plan.segments <= this.credit[params.profile]) {
          this.credit[params.profile] -= plan.segments;
          messageCharge = plan.segments;
        } else {
          waitingCredit = true;
        }
      }
      charge += messageCharge;
      const message: SimulatedMessage = {
        id: `C1_${randomUUID().toUpperCase()}`,
        profile: params.profile,
        api: params.api,
        to: plan.item.to,
        text: plan.item.text,
        sendAt,
        validUntil,
        requested,
        sender: params.sender,
        createdAt,
        encoding: plan.encoding,
        segments: plan.segments,
        charge: messageCharge,
      };
      if (
        !otp &&
        plan.fixedCode !== -202 &&
        plan.fixedCode !== -205 &&
        plan.fixedCode !== -447 &&
        plan.fixedCode !== -242
      ) {
        this.lastOriginal.set(`${plan.item.to}\n${plan.item.text}`, now);
      }
      this.states.set(message.id, {
        message,
        fixedCode: plan.fixedCode,
        waitingCredit,
        sendTime,
        expireTime,
      });
      this.lastTo.set(`${params.profile}:${message.to}`, message);
      this.lastTo.set(message.to, message);
      this.messages.push(message);
      messages.push(message);
    }
    for (const message of messages) this.emit('message', message);
    return { ok: true, messages, charge };
  }

  /** The message with this id on this profile's account, if any. */
  find(id: string, profile?: SimulatorProfile): SimulatedMessage | undefined {
    const state = this.states.get(id);
    return state && (profile === undefined || state.message.profile === profile)
      ? state.message
      : undefined;
  }

  /** Whether the id exists on the other profile's account (XML/SOAP answer `-20`). */
  belongsToOther(id: string, profile: SimulatorProfile): boolean {
    const state = this.states.get(id);
    return state !== undefined && state.message.profile !== profile;
  }

  lastMessageTo(canonical: string, profile?: SimulatorProfile): SimulatedMessage | undefined {
    return this.lastTo.get(profile === undefined ? canonical : `${profile}:${canonical}`);
  }

  /** Current delivery state of a message, `undefined` for an unknown id. */
  statusOf(id: string): TimedStatus | undefined {
    const state = this.states.get(id);
    if (state === undefined) return undefined;
    const now = this.nowMs();
    const created = state.message.createdAt;
    if (state.fixedCode !== undefined)
      return { code: state.fixedCode, final: true, since: created };
    if (state.waitingCredit) {
      return now >= state.expireTime
        ? { code: -220, final: true, since: new Date(state.expireTime) }
        : { code: 110, final: false, since: created };
    }
    const deliveredAt = state.sendTime + DELIVERED_AFTER_MS;
    if (state.expireTime < deliveredAt && now >= state.expireTime) {
      return { code: -210, final: true, since: new Date(state.expireTime) };
    }
    if (now < state.sendTime) return { code: 120, final: false, since: created };
    if (now < state.sendTime + SENT_AFTER_MS)
      return { code: 200, final: false, since: new Date(state.sendTime) };
    if (now < deliveredAt)
      return { code: 300, final: false, since: new Date(state.sendTime + SENT_AFTER_MS) };
    // An unreachable handset: the SMSC gives up when delivery would have happened.
    if (this.undeliverable.has(state.message.to))
      return { code: 412, final: true, since: new Date(deliveredAt) };
    return { code: 400, final: true, since: new Date(deliveredAt) };
  }

  /** Forgets messages and restores the starting credit; the clock is kept. */
  reset(): void {
    this.messages = [];
    this.states.clear();
    this.lastTo.clear();
    this.lastOriginal.clear();
    this.credit.otp = this.initialCredit.otp;
    this.credit.bulk = this.initialCredit.bulk;
  }
}
