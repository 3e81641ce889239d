import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { InvalidOptionsError } from './errors/validation.error.js';
import { bulkExports } from './bulk/bulk.providers.js';
import { otpExports } from './otp/otp.providers.js';
import { healthExports } from './health/health.providers.js';
import { VALIDATED_MODULE_OPTIONS } from './posta-guvercini.constants.js';
import {
  PostaGuverciniConfigurableModule,
  type PostaGuverciniModuleAsyncOptions,
  type PostaGuverciniModuleRootOptions,
  resolveIsGlobal,
} from './posta-guvercini.module-definition.js';
import { postaGuverciniProviders } from './posta-guvercini.providers.js';
import { SmsTransport } from './transports/sms-transport.js';

/**
 * Posta Güvercini for NestJS: `OtpService`, `@RequireOtp()` / `OtpGuard`, `BulkSmsService`
 * over a pluggable `SmsTransport`. Global unless `isGlobal: false`.
 *
 * ```ts
 * PostaGuverciniModule.forRoot({
 *   transport: 'json',
 *   accounts: { otp: { username, password } },
 *   otp: { secret },
 * });
 * PostaGuverciniModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ … }),
 * });
 * ```
 */
@Module({
  providers: postaGuverciniProviders,
  exports: [
    SmsTransport,
    VALIDATED_MODULE_OPTIONS,
    ...healthExports,
    ...otpExports,
    ...bulkExports,
  ],
})
export class PostaGuverciniModule
  extends PostaGuverciniConfigurableModule
  implements OnApplicationShutdown
{
  constructor(private readonly transport: SmsTransport) {
    super();
  }

  /** Registers the module with static options. */
  static override forRoot(options: PostaGuverciniModuleRootOptions = {}): DynamicModule {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new InvalidOptionsError('options', 'forRoot() expects the module options object');
    }
    // `global` is set here as well as in the builder's extras hook: some Nest versions drop
    // the extras (nestjs/nest #10307, #13372, #15661), and the documented default is true.
    return { ...super.forRoot(options), global: resolveIsGlobal(options) };
  }

  /** Registers the module with options produced by a factory, a class or an existing provider. */
  static override forRootAsync(options: PostaGuverciniModuleAsyncOptions): DynamicModule {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new InvalidOptionsError(
        'options',
        'forRootAsync() expects { imports?, inject?, useFactory } (or useClass / useExisting)',
      );
    }
    return { ...super.forRootAsync(options), global: resolveIsGlobal(options) };
  }

  /** Releases the transport's sockets and timers (keep-alive pools, breaker timers). */
  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}
