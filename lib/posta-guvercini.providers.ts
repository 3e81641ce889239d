import type { Provider } from '@nestjs/common';
import { bulkProviders } from './bulk/bulk.providers.js';
import { printWithoutSecrets } from './errors/redact.js';
import { otpProviders } from './otp/otp.providers.js';
import {
  POSTA_GUVERCINI_OPTIONS,
  POSTA_GUVERCINI_RESOLVED_OPTIONS,
} from './posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from './posta-guvercini.options.js';
import { validateModuleOptions } from './posta-guvercini.options-validation.js';
import { createTransport } from './transports/create-transport.js';
import { SmsTransport } from './transports/sms-transport.js';

/** Every provider the module registers, in one place. */
export const postaGuverciniProviders: Provider[] = [
  {
    provide: POSTA_GUVERCINI_RESOLVED_OPTIONS,
    // The options hold passwords and the OTP secret: the provided value prints without them.
    useFactory: (options: PostaGuverciniModuleOptions) =>
      printWithoutSecrets(validateModuleOptions(options), 'PostaGuverciniModuleOptions', () => ({
        transport:
          typeof options.transport === 'string' ? options.transport : options.transport?.name,
        accounts: Object.keys(options.accounts ?? {}),
        otp: options.otp === undefined ? undefined : '[configured]',
        bulk: options.bulk === undefined ? undefined : '[configured]',
      })),
    inject: [POSTA_GUVERCINI_OPTIONS],
  },
  {
    provide: SmsTransport,
    useFactory: (options: PostaGuverciniModuleOptions) => createTransport(options),
    inject: [POSTA_GUVERCINI_RESOLVED_OPTIONS],
  },
  ...otpProviders,
  ...bulkProviders,
];
