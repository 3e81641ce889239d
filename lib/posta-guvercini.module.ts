import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { bulkExports } from './bulk/bulk.providers.js';
import { otpExports } from './otp/otp.providers.js';
import { POSTA_GUVERCINI_RESOLVED_OPTIONS } from './posta-guvercini.constants.js';
import { PostaGuverciniConfigurableModule } from './posta-guvercini.module-definition.js';
import { postaGuverciniProviders } from './posta-guvercini.providers.js';
import { SmsTransport } from './transports/sms-transport.js';

/**
 * Posta Güvercini for NestJS: `OtpService`, `@RequireOtp()` / `OtpGuard`, `BulkSmsService`
 * over a pluggable `SmsTransport`.
 *
 * ```ts
 * PostaGuverciniModule.forRoot({ transport: 'json', accounts: { otp: { username, password } }, otp: { secret } })
 * ```
 */
@Module({
  providers: postaGuverciniProviders,
  exports: [SmsTransport, POSTA_GUVERCINI_RESOLVED_OPTIONS, ...otpExports, ...bulkExports],
})
export class PostaGuverciniModule extends PostaGuverciniConfigurableModule implements OnApplicationShutdown {
  constructor(private readonly transport: SmsTransport) {
    super();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}
