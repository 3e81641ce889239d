import type { Provider, Type } from '@nestjs/common';
import { VALIDATED_MODULE_OPTIONS } from '../posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from '../posta-guvercini.options.js';
import { SmsTransport } from '../transports/sms-transport.js';
import { BulkSmsService } from './bulk-sms.service.js';
import { type ResolvedBulkOptions, resolveBulkOptions } from './resolve-bulk-options.js';

/** Internal token: the module's `bulk` options, validated and resolved once. */
export const BULK_OPTIONS = Symbol.for('POSTA_GUVERCINI:BULK_OPTIONS');

/**
 * The bulk feature's providers, following `cache-manager`'s `cache.providers.ts`: the `bulk`
 * options are resolved once (`BULK_OPTIONS`, start-up fails with `InvalidOptionsError` naming
 * the option) and `BulkSmsService` receives that resolved slice with the module's transport.
 */
export const bulkProviders: Provider[] = [
  {
    provide: BULK_OPTIONS,
    useFactory: (options: PostaGuverciniModuleOptions) => resolveBulkOptions(options),
    inject: [VALIDATED_MODULE_OPTIONS],
  },
  {
    provide: BulkSmsService,
    useFactory: (transport: SmsTransport, options: ResolvedBulkOptions) =>
      printsWithoutOptions(new BulkSmsService(transport, options)),
    inject: [SmsTransport, BULK_OPTIONS],
  },
];

/**
 * The service holds the bulk options (a durable queue's Redis connection may carry a
 * password): `console.log` / `util.inspect` / `JSON.stringify` of the provided instance show
 * its transport only. (Non-enumerable, on the instance; a hook the class itself defines wins.)
 */
function printsWithoutOptions(service: BulkSmsService): BulkSmsService {
  const inspectKey = Symbol.for('nodejs.util.inspect.custom');
  const summary = (): Record<string, unknown> => ({
    name: 'BulkSmsService',
    transport: (service as unknown as { transport?: { name?: unknown } }).transport?.name,
  });
  if (!(inspectKey in service)) {
    Object.defineProperty(service, inspectKey, {
      value: () => `BulkSmsService ${JSON.stringify(summary())}`,
      enumerable: false,
    });
  }
  if (!('toJSON' in service)) {
    Object.defineProperty(service, 'toJSON', { value: summary, enumerable: false });
  }
  return service;
}

export const bulkExports: Array<Type> = [BulkSmsService];
