import type { Provider } from '@nestjs/common';
import { bulkProviders } from './bulk/bulk.providers.js';
import { printWithoutSecrets } from './errors/redact.js';
import { createHealthOptionsProvider } from './health/health.providers.js';
import { otpProviders } from './otp/otp.providers.js';
import { RAW_MODULE_OPTIONS, VALIDATED_MODULE_OPTIONS } from './posta-guvercini.constants.js';
import type {
  PostaGuverciniModuleOptions,
  ValidatedModuleOptions,
} from './posta-guvercini.options.js';
import { validateModuleOptions } from './posta-guvercini.options-validation.js';
import { loadTelemetry } from './telemetry/telemetry.js';
import { createTransport } from './transports/create-transport.js';
import { resolveTransportOptions } from './transports/resolve-transport-options.js';
import { SmsTransport } from './transports/sms-transport.js';

/**
 * The options flow one way (as in `@nestjs/cache-manager`'s `cache.providers.ts`): the raw
 * options are validated once into `VALIDATED_MODULE_OPTIONS`; each feature's factory provider
 * resolves its own slice from them once (transport here, OTP in `otp.providers.ts`, bulk in
 * `bulk.providers.ts`, health in `health.providers.ts`); services receive that slice.
 */
export function createValidatedOptionsProvider(): Provider {
  return {
    provide: VALIDATED_MODULE_OPTIONS,
    // OpenTelemetry (optional peer) is loaded before any service exists, or found absent.
    // The options hold passwords and the OTP secret: the provided value prints without them.
    useFactory: async (options: PostaGuverciniModuleOptions): Promise<ValidatedModuleOptions> => {
      const validated = validateModuleOptions(options);
      await loadTelemetry();
      return printWithoutSecrets(validated, 'PostaGuverciniModuleOptions', () => ({
        transport:
          typeof options.transport === 'string' ? options.transport : options.transport?.name,
        accounts: Object.keys(options.accounts ?? {}),
        otp: options.otp === undefined ? undefined : '[configured]',
        bulk: options.bulk === undefined ? undefined : '[configured]',
      }));
    },
    inject: [RAW_MODULE_OPTIONS],
  };
}

/** `SmsTransport`: the transport slice resolved once (accounts included), then built. */
export function createTransportProvider(): Provider {
  return {
    provide: SmsTransport,
    useFactory: (options: ValidatedModuleOptions) =>
      createTransport(resolveTransportOptions(options)),
    inject: [VALIDATED_MODULE_OPTIONS],
  };
}

/** Every provider the module registers, in one place. */
export const postaGuverciniProviders: Provider[] = [
  createValidatedOptionsProvider(),
  createTransportProvider(),
  createHealthOptionsProvider(),
  ...otpProviders,
  ...bulkProviders,
];
