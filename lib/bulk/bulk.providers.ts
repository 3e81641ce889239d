import type { Provider, Type } from '@nestjs/common';
import { POSTA_GUVERCINI_RESOLVED_OPTIONS } from '../posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from '../posta-guvercini.options.js';
import { SmsTransport } from '../transports/sms-transport.js';
import { BulkSmsService } from './bulk-sms.service.js';

/** `BulkSmsService` on the module's transport and options (validated at start-up). */
export const bulkProviders: Provider[] = [
  {
    provide: BulkSmsService,
    useFactory: (transport: SmsTransport, options: PostaGuverciniModuleOptions) =>
      printsWithoutOptions(new BulkSmsService(transport, options)),
    inject: [SmsTransport, POSTA_GUVERCINI_RESOLVED_OPTIONS],
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
