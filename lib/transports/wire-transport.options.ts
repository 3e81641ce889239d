import type { AxiosLikeInstance, ProxyOption, TlsOptions } from './wire/connectivity.types.js';

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
  /**
   * Egress proxy of the built-in client: a URL (`http://proxy.bank.local:3128`, credentials as
   * `http://user:password@host:port`, never logged) or `'env'` to follow `HTTPS_PROXY` /
   * `HTTP_PROXY` / `NO_PROXY`. HTTPS is tunnelled with CONNECT; keep-alive and the
   * `connections` bound hold through the proxy.
   */
  readonly proxy?: ProxyOption;
  /**
   * TLS for the provider's hosts (and an `https://` proxy): a custom CA (e.g. a TLS-inspecting
   * proxy's), a client certificate. `rejectUnauthorized: false` only for loopback base URLs.
   */
  readonly tls?: TlsOptions;
  /**
   * Your own axios instance (`HttpService.axiosRef` from `@nestjs/axios`, or `axios.create()`):
   * every provider request goes through it, so its interceptors, agents and proxy settings
   * apply. Not combinable with `proxy`/`tls` (set those on the instance). The built-in undici
   * client is the default and costs far less CPU per request (docs/connectivity.md).
   */
  readonly httpClient?: AxiosLikeInstance;
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

export type { ResolvedAccount } from './resolved-account.js';
