import { checkIntegerOption } from '../../errors/option-checks.js';
import type { ProviderApi } from '../../errors/provider-codes.js';
import { InvalidOptionsError } from '../../errors/validation.error.js';
import {
  DEFAULT_TIMEOUT_MS,
  MAX_SENDER_LENGTH,
  MAX_TIMEOUT_MS,
} from '../../posta-guvercini.constants.js';
import { resolvedAccountsOf, resolvedConnectivityOf } from '../resolve-accounts.js';
import type { SmsChannel } from '../sms-transport.types.js';
import type { ResolvedAccount } from '../resolved-account.js';
import type { WireTransportOptions } from '../wire-transport.options.js';
import { AxiosWireClient } from './axios-wire-client.js';
import type { ResolvedConnectivity } from './connectivity.types.js';
import { hasControlCharacter, hasLoneSurrogate } from './send-plan.js';
import { WireClient, type WireHttpClient } from './wire-client.js';

/** Default keep-alive connections per host. */
export const DEFAULT_CONNECTIONS = 64;
const MAX_CONNECTIONS = 1024;

/** Origin and base path of a channel's host, computed once (URL getters are not free on the hot path). */
export interface WireHost {
  readonly origin: string;
  readonly basePath: string;
}

/** A wire transport's options, checked and resolved once, with its HTTP client. */
export interface WireSettings {
  readonly accounts: Partial<Record<SmsChannel, ResolvedAccount>>;
  readonly timeoutMs: number;
  readonly connections: number;
  readonly defaultSender: string | undefined;
  readonly hosts: ReadonlyMap<SmsChannel, WireHost>;
  readonly connectivity: ResolvedConnectivity;
  readonly client: WireHttpClient;
}

/**
 * Checks a wire transport's options (typed `InvalidOptionsError`s naming the option) and builds
 * what it runs on: resolved accounts, limits, hosts, connectivity and the HTTP client.
 *
 * @param carriesSender whether the API has an originator field (else a `sender` is refused)
 */
export function resolveWireSettings(
  options: WireTransportOptions,
  api: ProviderApi,
  carriesSender: boolean,
): WireSettings {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError(
      'options',
      'expected { accounts: { otp?, bulk? }, timeoutMs?, connections?, sender? }',
    );
  }
  // Already resolved when the module built this transport (withResolvedWireOptions).
  const accounts = resolvedAccountsOf(options);
  const timeoutMs = checkIntegerOption(
    options.timeoutMs,
    'timeoutMs',
    DEFAULT_TIMEOUT_MS,
    1,
    MAX_TIMEOUT_MS,
  );
  const connections = checkIntegerOption(
    options.connections,
    'connections',
    DEFAULT_CONNECTIONS,
    1,
    MAX_CONNECTIONS,
  );
  if (
    options.sender !== undefined &&
    (typeof options.sender !== 'string' ||
      options.sender.trim() === '' ||
      options.sender.length > MAX_SENDER_LENGTH)
  ) {
    throw new InvalidOptionsError(
      'sender',
      `expected an originator of 1 to ${MAX_SENDER_LENGTH} characters`,
    );
  }
  if (options.sender !== undefined && !carriesSender) {
    throw new InvalidOptionsError(
      'sender',
      `the ${api} transport cannot choose the sender: no attested ${api.toUpperCase()} request carries an originator, so the account's default sender title would be used whatever was asked. Remove sender, or use the json transport`,
    );
  }
  const hosts = new Map<SmsChannel, WireHost>();
  for (const account of Object.values(accounts)) {
    for (const field of ['username', 'password'] as const) {
      if (hasControlCharacter(account[field]) || hasLoneSurrogate(account[field])) {
        throw new InvalidOptionsError(
          `accounts.${account.channel}.${field}`,
          'contains a control character or a broken surrogate pair, which no Posta Güvercini API can carry',
        );
      }
    }
    hosts.set(account.channel, {
      origin: account.baseUrl.origin,
      basePath: account.baseUrl.pathname.replace(/\/+$/, ''),
    });
  }
  const connectivity = resolvedConnectivityOf(options, accounts);
  const { httpClient, proxy, tls } = connectivity;
  const client =
    httpClient !== undefined
      ? new AxiosWireClient(httpClient, { timeoutMs })
      : new WireClient({
          timeoutMs,
          connections,
          ...(proxy !== undefined ? { proxy } : {}),
          ...(tls !== undefined ? { tls } : {}),
        });
  return {
    accounts,
    timeoutMs,
    connections,
    defaultSender: options.sender,
    hosts,
    connectivity,
    client,
  };
}
