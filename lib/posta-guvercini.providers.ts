import type { Provider } from '@nestjs/common';
import { bulkProviders } from './bulk/bulk.providers.js';
import { otpProviders } from './otp/otp.providers.js';
import {
  POSTA_GUVERCINI_OPTIONS,
  POSTA_GUVERCINI_RESOLVED_OPTIONS,
} from './posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from './posta-guvercini.options.js';
import { validateModuleOptions } from './posta-guvercini.options-validation.js';
import { loadTelemetry } from './telemetry/telemetry.js';
import { createTransport } from './transports/create-transport.js';
import { SmsTransport } from './transports/sms-transport.js';

/** Every provider the module registers, in one place. */
export const postaGuverciniProviders: Provider[] = [
  {
    provide: POSTA_GUVERCINI_RESOLVED_OPTIONS,
    // OpenTelemetry (optional peer) is loaded before any service exists, or found absent.
    useFactory: async (options: PostaGuverciniModuleOptions) => {
      const resolved = validateModuleOptions(options);
      await loadTelemetry();
      return resolved;
    },
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
