import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SmsBackend } from '../dev/sms-backend.js';
import { SessionStore } from '../session/session.store.js';
import { readSampleSettings, SampleSettings } from './sample-settings.js';

/**
 * What every part of the sample shares: the settings read from the environment, the SMS
 * backend (embedded simulator, memory outbox or the real provider) and the cookie sessions.
 */
@Global()
@Module({
  providers: [
    { provide: SampleSettings, useFactory: readSampleSettings, inject: [ConfigService] },
    {
      provide: SmsBackend,
      useFactory: (settings: SampleSettings) => SmsBackend.start(settings),
      inject: [SampleSettings],
    },
    SessionStore,
  ],
  exports: [SampleSettings, SmsBackend, SessionStore],
})
export class SampleCoreModule {}
