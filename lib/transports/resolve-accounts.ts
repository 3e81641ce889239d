import { DEFAULT_BULK_BASE_URL, DEFAULT_OTP_BASE_URL } from '../posta-guvercini.constants.js';
import { InvalidOptionsError } from '../errors/validation.error.js';
import { isLoopbackHost } from './loopback-host.js';
import { type ResolvedConnectivity, resolveConnectivity } from './wire/connectivity.js';
import type { SmsChannel } from './sms-transport.types.js';
import type {
  AccountsOptions,
  ResolvedAccount,
  WireTransportOptions,
} from './wire-transport.options.js';

/** The accounts of a wire transport, checked, with their base URLs parsed. */
export type ResolvedAccounts = Partial<Record<SmsChannel, ResolvedAccount>>;

/**
 * Checks the accounts and resolves their base URLs. Throws `InvalidOptionsError` naming the
 * option; never puts a password into the message.
 *
 * Runs once per transport: the module resolves the accounts while validating its options and
 * hands them to the transport with {@link withResolvedWireOptions}; a transport built by hand
 * (`new JsonTransport({ accounts })`) resolves them in its constructor.
 */
export function resolveAccounts(
  accounts: AccountsOptions | undefined,
  allowInsecureHttp = false,
): ResolvedAccounts {
  if (accounts === undefined || accounts === null || typeof accounts !== 'object') {
    throw new InvalidOptionsError(
      'accounts',
      'expected { otp?: { username, password, baseUrl? }, bulk?: { username, password, baseUrl? } } with at least one account',
    );
  }
  const resolved: { -readonly [C in SmsChannel]?: ResolvedAccount } = {};
  for (const channel of ['otp', 'bulk'] as const) {
    const account = accounts[channel];
    if (account === undefined) continue;
    const path = `accounts.${channel}`;
    if (account === null || typeof account !== 'object') {
      throw new InvalidOptionsError(path, 'expected an object { username, password, baseUrl? }');
    }
    if (typeof account.username !== 'string' || account.username.trim() === '') {
      throw new InvalidOptionsError(`${path}.username`, 'expected a non-empty string');
    }
    if (typeof account.password !== 'string' || account.password === '') {
      throw new InvalidOptionsError(`${path}.password`, 'expected a non-empty string');
    }
    const raw =
      account.baseUrl ?? (channel === 'otp' ? DEFAULT_OTP_BASE_URL : DEFAULT_BULK_BASE_URL);
    let baseUrl: URL;
    try {
      baseUrl = new URL(raw);
    } catch {
      throw new InvalidOptionsError(
        `${path}.baseUrl`,
        'expected an absolute http(s) URL such as https://otpsms.postaguvercini.com',
      );
    }
    if (baseUrl.username !== '' || baseUrl.password !== '') {
      throw new InvalidOptionsError(
        `${path}.baseUrl`,
        'must not contain credentials; use username and password',
      );
    }
    if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
      throw new InvalidOptionsError(
        `${path}.baseUrl`,
        `protocol ${baseUrl.protocol} is not allowed; use https:`,
      );
    }
    if (baseUrl.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(baseUrl.hostname)) {
      throw new InvalidOptionsError(
        `${path}.baseUrl`,
        `plain http:// to ${baseUrl.hostname} would send the password unencrypted; use https:// or set allowInsecureHttp: true`,
      );
    }
    resolved[channel] = {
      channel,
      username: account.username,
      password: account.password,
      baseUrl,
    };
  }
  if (resolved.otp === undefined && resolved.bulk === undefined) {
    throw new InvalidOptionsError(
      'accounts',
      'at least one of accounts.otp and accounts.bulk is required',
    );
  }
  return resolved;
}

/** Where wire transport options carry what the module already resolved (internal). */
const RESOLVED_BY_MODULE = Symbol('resolvedByModule');

interface ResolvedByModule {
  readonly accounts: ResolvedAccounts;
  readonly connectivity: ResolvedConnectivity;
}

/**
 * `options` with the accounts and connectivity the module already resolved from them attached
 * (under a private symbol), so that the wire transport's constructor takes them instead of
 * resolving again.
 */
export function withResolvedWireOptions<T extends WireTransportOptions>(
  options: T,
  accounts: ResolvedAccounts,
  connectivity: ResolvedConnectivity,
): T {
  const resolved: ResolvedByModule = { accounts, connectivity };
  return { ...options, [RESOLVED_BY_MODULE]: resolved };
}

function resolvedByModule(options: WireTransportOptions): ResolvedByModule | undefined {
  return (options as { [RESOLVED_BY_MODULE]?: ResolvedByModule })[RESOLVED_BY_MODULE];
}

/**
 * The accounts of `options`: those the module attached with {@link withResolvedWireOptions}, else
 * `resolveAccounts(options.accounts, options.allowInsecureHttp)` (a transport built by hand).
 */
export function resolvedAccountsOf(options: WireTransportOptions): ResolvedAccounts {
  return (
    resolvedByModule(options)?.accounts ??
    resolveAccounts(options.accounts, options.allowInsecureHttp === true)
  );
}

/** The proxy, TLS and HTTP client settings of `options`, resolved by the module or here. */
export function resolvedConnectivityOf(
  options: WireTransportOptions,
  accounts: ResolvedAccounts,
): ResolvedConnectivity {
  return resolvedByModule(options)?.connectivity ?? resolveConnectivity(options, accounts);
}
