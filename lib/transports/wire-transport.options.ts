import type { SmsChannel } from './sms-transport.types.js';

/** Credentials and host of one Posta Güvercini account. */
export interface AccountOptions {
  readonly username: string;
  readonly password: string;
  /**
   * Base URL of the host for this account, without a path.
   * @default 'https://otpsms.postaguvercini.com' for `otp`, 'https://www.postaguvercini.com' for `bulk`
   */
  readonly baseUrl?: string;
}

/** OTP and bulk are separate Posta Güvercini accounts on separate hosts. */
export interface AccountsOptions {
  readonly otp?: AccountOptions;
  readonly bulk?: AccountOptions;
}

/** Options shared by the wire transports (HTTP, XML, SOAP, JSON). */
export interface WireTransportOptions {
  readonly accounts: AccountsOptions;
  /**
   * Allow `http://` base URLs that do not point at loopback.
   * @default false
   */
  readonly allowInsecureHttp?: boolean;
  /**
   * Time limit for one request, connect to last byte.
   * @default 10000
   */
  readonly timeoutMs?: number;
  /**
   * Keep-alive connections per host.
   * @default 64
   */
  readonly connections?: number;
  /**
   * Default originator (sender title), ≤ 11 characters.
   */
  readonly sender?: string;
}

/** An account with its base URL resolved and checked. */
export interface ResolvedAccount {
  readonly channel: SmsChannel;
  readonly username: string;
  readonly password: string;
  readonly baseUrl: URL;
}
