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
   * Default originator (sender title), ≤ 11 characters. Only the JSON API carries one: the
   * other wire transports refuse it (`InvalidOptionsError`) rather than drop it silently.
   */
  readonly sender?: string;
}

/** Options of a wire transport that needs several requests for one call (HTTP, SOAP). */
export interface ConcurrentWireTransportOptions extends WireTransportOptions {
  /**
   * Requests in flight at once where one call needs several requests: N-N sends (one 1-N
   * request per distinct text) and, for HTTP, status queries (one `querysms.asp` per id).
   * Capped at `connections`.
   * @default 16
   */
  readonly concurrency?: number;
}

/** An account with its base URL resolved and checked. */
export interface ResolvedAccount {
  readonly channel: SmsChannel;
  readonly username: string;
  readonly password: string;
  readonly baseUrl: URL;
}
