import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { PostaGuverciniModule, type PostaGuverciniModuleOptions } from 'nestjs-posta-guvercini';
import { BranchModule } from './branch/branch.module.js';
import { CampaignsModule } from './campaigns/campaigns.module.js';
import { demoConsentFilter, DEMO_OPT_OUT } from './campaigns/demo-consent.js';
import { CheckoutModule } from './checkout/checkout.module.js';
import { SampleCoreModule } from './config/sample-core.module.js';
import { SampleSettings } from './config/sample-settings.js';
import { DevModule } from './dev/dev.module.js';
import { SmsBackend } from './dev/sms-backend.js';
import { HealthModule } from './health/health.module.js';

export interface SampleAppOptions {
  /**
   * Variables to use instead of `.env` and `process.env` (the sample's own tests pass them, so
   * a developer's real credentials can never reach a test run).
   * @default read `.env` in the working directory, then `process.env`
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * How the sample configures the package: `forRootAsync` with `ConfigService`-backed settings,
 * the connection from the SMS backend (embedded simulator by default), an OTP secret, and a
 * consent filter and opt-out list for commercial campaigns.
 */
export function postaGuverciniOptions(
  settings: SampleSettings,
  backend: SmsBackend,
): PostaGuverciniModuleOptions {
  return {
    ...backend.connection(),
    ...(settings.sender !== undefined ? { sender: settings.sender } : {}),
    ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
    otp: {
      secret: settings.otpSecret,
      ...(settings.redisUrl !== undefined
        ? { store: { type: 'redis', url: settings.redisUrl, keyPrefix: settings.redisKeyPrefix } }
        : {}),
      // In the development modes one demo phone receives every code of every flow, and every
      // request comes from 127.0.0.1: allow more sends than the package's defaults (5 per
      // phone and 20 per IP in 10 minutes), which apply with a real provider.
      ...(settings.mode !== 'provider'
        ? {
            phoneLimits: [{ limit: 30, windowSeconds: 600 }],
            ipLimits: [{ limit: 100, windowSeconds: 600 }],
          }
        : {}),
    },
    bulk: { consentFilter: demoConsentFilter, optOut: DEMO_OPT_OUT },
  };
}

@Module({})
export class AppModule {
  static forRoot(options: SampleAppOptions = {}): DynamicModule {
    const { env } = options;
    return {
      module: AppModule,
      imports: [
        env === undefined
          ? ConfigModule.forRoot({ isGlobal: true, envFilePath: '.env', cache: true })
          : ConfigModule.forRoot({
              isGlobal: true,
              ignoreEnvFile: true,
              skipProcessEnv: true,
              load: [() => ({ ...env })],
            }),
        SampleCoreModule,
        PostaGuverciniModule.forRootAsync({
          inject: [SampleSettings, SmsBackend],
          useFactory: postaGuverciniOptions,
        }),
        BranchModule,
        CheckoutModule,
        CampaignsModule,
        DevModule,
        HealthModule,
      ],
    };
  }
}
