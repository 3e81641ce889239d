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
      new BulkSmsService(transport, options),
    inject: [SmsTransport, POSTA_GUVERCINI_RESOLVED_OPTIONS],
  },
];

export const bulkExports: Array<Type> = [BulkSmsService];
