import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { PostaGuverciniModule } from 'nestjs-posta-guvercini';
import { LoginController } from './login.controller.js';
import { BearerAuthGuard, Sessions } from './sessions.js';
import { TransfersController } from './transfers.controller.js';

/**
 * The minimal sample: sign in with a one-time password (`LoginController`), then confirm a
 * transfer with a second code bound to its amount and payee (`TransfersController`).
 *
 * Configuration comes from `.env` / the environment through `ConfigService`. For local
 * development `main.ts` fills the variables in for an embedded simulator; for production set
 * your OTP account in `POSTA_GUVERCINI_OTP_USERNAME` / `_PASSWORD`, leave
 * `POSTA_GUVERCINI_OTP_BASE_URL` unset (the real host over HTTPS) and give a random
 * `OTP_SECRET` (`openssl rand -base64 48`).
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    PostaGuverciniModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        transport: 'json',
        accounts: {
          otp: {
            username: config.getOrThrow<string>('POSTA_GUVERCINI_OTP_USERNAME'),
            password: config.getOrThrow<string>('POSTA_GUVERCINI_OTP_PASSWORD'),
            baseUrl: config.get<string>('POSTA_GUVERCINI_OTP_BASE_URL'),
          },
        },
        otp: { secret: config.getOrThrow<string>('OTP_SECRET') },
      }),
    }),
  ],
  controllers: [LoginController, TransfersController],
  providers: [Sessions, BearerAuthGuard],
})
export class AppModule {}
