import { InvalidOptionsError } from '../../errors/validation.error.js';
import { isLoopbackHost } from '../loopback-host.js';
import type { SmsChannel } from '../sms-transport.types.js';
import type { ResolvedAccount } from '../resolved-account.js';

/**
 * Egress proxy of the built-in client: a proxy URL (`http://proxy.bank.local:3128`, optionally
 * with `user:password@` — never logged or shown), or `'env'` to follow `HTTPS_PROXY` /
 * `HTTP_PROXY` / `NO_PROXY` (and their lower-case forms) as they are when the transport is
 * created. HTTPS to the provider is tunnelled with `CONNECT`, so the proxy never sees the
 * request body or the credentials in it.
 */
export type ProxyOption = string;

/** A PEM certificate or key, as a string or a buffer. */
export type PemInput = string | Buffer;

/**
 * TLS settings of the built-in client for the provider's hosts (and for an `https://` proxy).
 */
export interface TlsOptions {
  /**
   * Certificate authorities to trust **instead of** Node's bundled roots, e.g. the CA of a
   * TLS-inspecting egress proxy (add Node's `tls.rootCertificates` yourself if you need both).
   */
  readonly ca?: PemInput | readonly PemInput[];
  /** Client certificate chain (mutual TLS), PEM. Needs `key`. */
  readonly cert?: PemInput | readonly PemInput[];
  /** Private key of `cert`, PEM. */
  readonly key?: PemInput | readonly PemInput[];
  /**
   * `false` accepts any server certificate. Refused unless every base URL is loopback
   * (a local simulator behind a throwaway certificate).
   * @default true
   */
  readonly rejectUnauthorized?: boolean;
}

/**
 * The part of an axios instance the package uses: `request(config)`. An `AxiosInstance`
 * (`axios.create()`, `HttpService.axiosRef` from `@nestjs/axios`) fits; the package never
 * imports axios itself.
 */
export interface AxiosLikeInstance {
  request(config: AxiosLikeRequestConfig): Promise<AxiosLikeResponse>;
}

/** The request config the package hands to `httpClient.request()`. */
export interface AxiosLikeRequestConfig {
  readonly url: string;
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  readonly data: Buffer | string;
  readonly timeout: number;
  readonly responseType: 'arraybuffer';
  readonly maxRedirects: 0;
  readonly maxContentLength: number;
  readonly validateStatus: (status: number) => boolean;
  readonly transformRequest: ((data: unknown) => unknown)[];
  readonly transformResponse: ((data: unknown) => unknown)[];
  readonly signal: AbortSignal;
}

/** What the package reads of an axios response. */
export interface AxiosLikeResponse {
  readonly status: number;
  readonly data?: unknown;
  readonly headers?: unknown;
}

/** Connectivity options of a wire transport (see `WireTransportOptions`). */
export interface ConnectivityOptions {
  readonly proxy?: ProxyOption;
  readonly tls?: TlsOptions;
  readonly httpClient?: AxiosLikeInstance;
}

/** A checked proxy setting. `url` may hold credentials: never log it; use `display`. */
export type ResolvedProxy =
  | { readonly mode: 'url'; readonly url: string; readonly display: string }
  | { readonly mode: 'env'; readonly display: 'env' };

/** A checked TLS setting, in Node's `tls.connect` shape. */
export interface ResolvedTls {
  readonly ca?: PemInput | PemInput[];
  readonly cert?: PemInput | PemInput[];
  readonly key?: PemInput | PemInput[];
  readonly rejectUnauthorized?: boolean;
}

/** Checked connectivity options. */
export interface ResolvedConnectivity {
  readonly proxy?: ResolvedProxy;
  readonly tls?: ResolvedTls;
  readonly httpClient?: AxiosLikeInstance;
}

const TLS_KEYS = new Set(['ca', 'cert', 'key', 'rejectUnauthorized']);

/**
 * Checks `proxy`, `tls` and `httpClient` against the accounts. Throws `InvalidOptionsError`
 * naming the option; no message ever holds the proxy URL (it may carry credentials) or a key.
 */
export function resolveConnectivity(
  options: ConnectivityOptions,
  accounts: Partial<Record<SmsChannel, ResolvedAccount>>,
): ResolvedConnectivity {
  const { proxy, tls, httpClient } = options;
  if (httpClient !== undefined) {
    if (
      httpClient === null ||
      (typeof httpClient !== 'object' && typeof httpClient !== 'function') ||
      typeof (httpClient as { request?: unknown }).request !== 'function'
    ) {
      throw new InvalidOptionsError(
        'httpClient',
        'expected an axios instance (axios.create(), or HttpService.axiosRef from @nestjs/axios)',
      );
    }
    for (const option of ['proxy', 'tls'] as const) {
      if (options[option] !== undefined) {
        throw new InvalidOptionsError(
          option,
          `applies to the built-in client only; with httpClient, set the proxy and TLS on your axios instance (its proxy, httpsAgent)`,
        );
      }
    }
    return { httpClient };
  }
  return {
    ...(proxy !== undefined ? { proxy: resolveProxy(proxy) } : {}),
    ...(tls !== undefined ? { tls: resolveTls(tls, accounts) } : {}),
  };
}

function resolveProxy(proxy: unknown): ResolvedProxy {
  if (proxy === 'env') return { mode: 'env', display: 'env' };
  const expected =
    "expected 'env' or a proxy URL such as http://proxy.example:3128 (credentials as http://user:password@host:port)";
  if (typeof proxy !== 'string') throw new InvalidOptionsError('proxy', expected);
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    throw new InvalidOptionsError('proxy', `${expected}; the value given is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidOptionsError(
      'proxy',
      `protocol ${url.protocol} is not supported; use an http:// or https:// proxy`,
    );
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new InvalidOptionsError('proxy', `${expected}; a proxy URL has no path or query`);
  }
  const credentials = url.username !== '' || url.password !== '' ? '***@' : '';
  return { mode: 'url', url: url.href, display: `${url.protocol}//${credentials}${url.host}` };
}

function isPem(value: unknown): value is PemInput {
  return (typeof value === 'string' && value.trim() !== '') || Buffer.isBuffer(value);
}

function pemList(value: unknown, option: string): PemInput | PemInput[] | undefined {
  if (value === undefined) return undefined;
  if (isPem(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every(isPem)) return [...value];
  throw new InvalidOptionsError(option, 'expected a PEM string or Buffer (or an array of them)');
}

function resolveTls(
  tls: unknown,
  accounts: Partial<Record<SmsChannel, ResolvedAccount>>,
): ResolvedTls {
  if (tls === null || typeof tls !== 'object' || Array.isArray(tls)) {
    throw new InvalidOptionsError('tls', 'expected { ca?, cert?, key?, rejectUnauthorized? }');
  }
  for (const key of Object.keys(tls)) {
    if (!TLS_KEYS.has(key)) {
      throw new InvalidOptionsError(
        `tls.${key}`,
        'unknown option; the TLS options are ca, cert, key and rejectUnauthorized',
      );
    }
  }
  const options = tls as TlsOptions;
  const ca = pemList(options.ca, 'tls.ca');
  const cert = pemList(options.cert, 'tls.cert');
  const key = pemList(options.key, 'tls.key');
  if ((cert === undefined) !== (key === undefined)) {
    throw new InvalidOptionsError(
      cert === undefined ? 'tls.cert' : 'tls.key',
      'a client certificate needs both cert and key',
    );
  }
  const { rejectUnauthorized } = options;
  if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== 'boolean') {
    throw new InvalidOptionsError('tls.rejectUnauthorized', 'expected true or false');
  }
  if (rejectUnauthorized === false) {
    const remote = Object.values(accounts).find(
      (account) => !isLoopbackHost(account.baseUrl.hostname),
    );
    if (remote !== undefined) {
      throw new InvalidOptionsError(
        'tls.rejectUnauthorized',
        `false would accept any certificate from ${remote.baseUrl.hostname} (anyone in the path could read the password); it is allowed only when every base URL is loopback. Trust the proxy's or server's CA with tls.ca instead`,
      );
    }
  }
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(rejectUnauthorized !== undefined ? { rejectUnauthorized } : {}),
  };
}
