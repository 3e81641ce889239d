import { DEFAULT_BULK_BASE_URL, DEFAULT_OTP_BASE_URL } from '../posta-guvercini.constants.js';
import { InvalidOptionsError } from '../errors/validation.error.js';
import type { SmsChannel } from './sms-transport.types.js';
import type { AccountsOptions, ResolvedAccount } from './wire-transport.options.js';

const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]']);

/** Whether a host name is the loopback interface (`localhost`, `127.x.x.x`, `::1`). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Checks the accounts and resolves their base URLs. Throws `InvalidOptionsError` naming the
 * option; never puts a password into the message.
 */
export function resolveAccounts(
  accounts: AccountsOptions | undefined,
  allowInsecureHttp = false,
): Partial<Record<SmsChannel, ResolvedAccount>> {
  if (accounts === undefined || accounts === null || typeof accounts !== 'object') {
    throw new InvalidOptionsError(
      'accounts',
      'expected { otp?: { username, password, baseUrl? }, bulk?: { username, password, baseUrl? } } with at least one account',
    );
  }
  const resolved: Partial<Record<SmsChannel, ResolvedAccount>> = {};
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
