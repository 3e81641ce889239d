import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  analyzeSmsText,
  MAX_GSM7_CHARACTERS,
  MAX_UCS2_CHARACTERS,
} from '../../message/sms-text.js';
import type {
  SimulatedApi,
  SimulatedMessage,
  SimulatedStatus,
  SimulatorCredentials,
  SimulatorProfile,
} from './simulator.types.js';

/** Time from acceptance to `300` (sent to SMSC) and to `400` (delivered): the vendor's 2 s / 4 s. */
export const SENT_AFTER_MS = 2_000;
export const DELIVERED_AFTER_MS = 4_000;
/** The OTP host's fixed validity. */
export const OTP_VALIDITY_MS = 180_000;
/** The bulk host's longest validity after the send time. */
export const BULK_MAX_VALIDITY_MS = 24 * 3_600_000;
/** Window of the bulk host's duplicate-content check. */
export const DUPLICATE_WINDOW_MS = 60_000;
/** Per-request limit on every API. */
export const MAX_ITEMS_PER_REQUEST = 800;

const MOBILE = /^5\d{9}$/;
const NON_DIGITS = /\D/g;

/**
 * The simulator's reading of a recipient (reference §2.3): strip non-digits, then a leading
 * `00`, then `90` or `0`; what remains must be `5` + 9 digits. Returns `905XXXXXXXXX` or
 * `undefined`.
 */
export function normalizeSimulatedNumber(raw: string): string | undefined {
  let digits = raw.replace(NON_DIGITS, '');
  if (digits.startsWith('00')) digits = digits.slice(2);
  if (digits.length === 12 && digits.startsWith('90')) digits = digits.slice(2);
  else if (digits.length === 11 && digits.startsWith('0')) digits = digits.slice(1);
  return MOBILE.test(digits) ? `90${digits}` : undefined;
}

/** Credential check result: ok, or which part is wrong. */
export type CredentialCheck = 'ok' | 'user' | 'password';

/** One recipient of a send, after the API decoded it. `to` is canonical. */
export interface SendItem {
  readonly to: string;
  readonly text: string;
}

export interface SendParameters {
  readonly profile: SimulatorProfile;
  readonly api: SimulatedApi;
  readonly items: readonly SendItem[];
  readonly sendAt?: Date;
  readonly validUntil?: Date;
  readonly sender?: string;
  /**
   * `reject`: the whole request fails when the credit does not cover it (HTTP `errno=20`).
   * `wait`: messages are accepted and those not covered wait for credit (status `110`).
   */
  readonly creditPolicy: 'reject' | 'wait';
}

export type SendOutcome =
  | { readonly ok: true; readonly messages: readonly SimulatedMessage[]; readonly charge: number }
  | { readonly ok: false; readonly reason: 'insufficient-credit'; readonly needed: number };

interface MessageState {
  readonly message: SimulatedMessage;
  /** A final code decided at acceptance (`-202`, `-203`, `-205`, `-242`, `-447`). */
  readonly fixedCode?: number;
  readonly waitingCredit: boolean;
  readonly sendTime: number;
  readonly expireTime: number;
}

/** A status with the simulated time it began (JSON `StatusTime`). */
export interface TimedStatus extends SimulatedStatus {
  readonly since: Date;
}

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
