import { InvalidOptionsError } from '../../errors/validation.error.js';
import { isLoopbackHost } from '../loopback-host.js';
import type { SmsChannel } from '../sms-transport.types.js';
import type { ResolvedAccount } from '../resolved-account.js';
import type {
  ConnectivityOptions,
  PemInput,
  TlsOptions,
  ResolvedConnectivity,
  ResolvedProxy,
  ResolvedTls,
} from './connectivity.types.js';

export type {
  AxiosLikeInstance,
  AxiosLikeRequestConfig,
  AxiosLikeResponse,
  ConnectivityOptions,
  PemInput,
  ProxyOption,
  ResolvedConnectivity,
  ResolvedProxy,
  ResolvedTls,
  TlsOptions,
} from './connectivity.types.js';

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
