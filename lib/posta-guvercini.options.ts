import type { BulkModuleOptions } from './bulk/bulk.options.js';
import type { TRANSPORT_NAMES } from './posta-guvercini.constants.js';
import type { OtpModuleOptions } from './otp/otp.options.js';
import type { SmsTransport } from './transports/sms-transport.js';
import type { AxiosLikeInstance, ProxyOption, TlsOptions } from './transports/wire/connectivity.js';
import type { AccountsOptions } from './transports/wire-transport.options.js';

/** Names of the built-in transports: `'http' | 'xml' | 'soap' | 'json' | 'memory'`. */
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** Options of `PostaGuverciniModule.forRoot()` / the factory of `forRootAsync()`. */
export interface PostaGuverciniModuleOptions {
  /**
   * Which wire protocol to speak, or your own transport (an instance of a class extending
   * `SmsTransport`). `memory` keeps messages in an inspectable outbox and sends nothing.
   * @default 'json'
   */
  readonly transport?: TransportName | SmsTransport;
  /**
   * The OTP and bulk accounts. Required for the wire transports (at least one of the two).
   */
  readonly accounts?: AccountsOptions;
  /**
   * Allow plain `http://` base URLs that are not loopback (never do this in production).
   * @default false
   */
  readonly allowInsecureHttp?: boolean;
  /**
   * Time limit for one request to the provider, in milliseconds.
   * @default 10000
   */
  readonly timeoutMs?: number;
  /**
   * Default originator (sender title), at most 11 characters. The account's default when absent.
   */
  readonly sender?: string;
  /**
   * Egress proxy for the built-in client: a URL (credentials allowed, never logged) or `'env'`
   * (`HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`). See docs/connectivity.md.
   */
  readonly proxy?: ProxyOption;
  /**
   * TLS for the provider's hosts: `{ ca?, cert?, key?, rejectUnauthorized? }` (PEM strings or
   * buffers). `rejectUnauthorized: false` is refused unless every base URL is loopback.
   */
  readonly tls?: TlsOptions;
  /**
   * Your own axios instance, e.g. `HttpService.axiosRef` from `@nestjs/axios`: every provider
   * request goes through it (its interceptors apply). Default: the built-in undici client.
   */
  readonly httpClient?: AxiosLikeInstance;
  /** One-time password settings. */
  readonly otp?: OtpModuleOptions;
  /** Bulk campaign settings. */
  readonly bulk?: BulkModuleOptions;
}

/**
 * The module options once `validateModuleOptions` accepted them (every top-level option checked;
 * printed without secrets). What each feature's resolver starts from. Internal.
 */
export type ValidatedModuleOptions = PostaGuverciniModuleOptions;
