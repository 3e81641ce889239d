import { InvalidOptionsError } from '../errors/validation.error.js';
import type { TransportName, ValidatedModuleOptions } from '../posta-guvercini.options.js';
import { type ResolvedAccounts, resolveAccounts } from './resolve-accounts.js';
import type { SmsTransport } from './sms-transport.js';
import { type ResolvedConnectivity, resolveConnectivity } from './wire/connectivity.js';
import type { WireTransportOptions } from './wire-transport.options.js';

/** The built-in transports that talk to the provider. */
export type WireTransportName = Exclude<TransportName, 'memory'>;

/** What `createTransport` builds, decided once from the module options. */
export type ResolvedTransportOptions =
  | { readonly kind: 'instance'; readonly transport: SmsTransport }
  | { readonly kind: 'memory' }
  | {
      readonly kind: WireTransportName;
      /** The wire transport's options, from the module's top-level options. */
      readonly wire: WireTransportOptions;
      /** `wire.accounts`, resolved once here. */
      readonly accounts: ResolvedAccounts;
      /** `wire.proxy` / `tls` / `httpClient`, checked and resolved once here. */
      readonly connectivity: ResolvedConnectivity;
    };

/**
 * The transport slice of the module options: which transport, and for a wire transport its
 * options with the accounts resolved (checked, base URLs parsed and safe) and the proxy, TLS and
 * HTTP client settings checked. `options` are the validated module options
 * (`validateModuleOptions` has checked `transport`, `timeoutMs`, `sender`, …).
 *
 * @throws InvalidOptionsError naming the option; never with a password in the message.
 */
export function resolveTransportOptions(options: ValidatedModuleOptions): ResolvedTransportOptions {
  const transport = options.transport ?? 'json';
  if (typeof transport !== 'string' || transport === 'memory') {
    // Wire settings do not apply to `memory` or to the user's own instance.
    for (const option of ['proxy', 'tls', 'httpClient'] as const) {
      if (options[option] !== undefined) {
        throw new InvalidOptionsError(
          option,
          `applies to the built-in wire transports only; configure your own transport instance (or 'memory', which sends nothing) directly`,
        );
      }
    }
    return typeof transport === 'string' ? { kind: 'memory' } : { kind: 'instance', transport };
  }
  const accounts = resolveAccounts(options.accounts, options.allowInsecureHttp ?? false);
  const connectivity = resolveConnectivity(options, accounts);
  const wire: WireTransportOptions = {
    accounts: options.accounts ?? {},
    ...(options.allowInsecureHttp !== undefined
      ? { allowInsecureHttp: options.allowInsecureHttp }
      : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.sender !== undefined ? { sender: options.sender } : {}),
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.httpClient !== undefined ? { httpClient: options.httpClient } : {}),
  };
  return { kind: transport, wire, accounts, connectivity };
}
