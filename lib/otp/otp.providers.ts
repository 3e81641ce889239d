import type { Abstract, Provider, Type } from '@nestjs/common';
import { POSTA_GUVERCINI_RESOLVED_OPTIONS } from '../posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from '../posta-guvercini.options.js';
import { OtpService } from './otp.service.js';
import { createOtpStore } from './stores/create-otp-store.js';
import { OtpStore } from './stores/otp.store.js';

/**
 * The OTP providers of `PostaGuverciniModule`: the store named by `otp.store` (injectable as
 * `OtpStore`; a store the module opened closes itself on application shutdown) and
 * `OtpService`, which validates `otp` at start-up.
 */
export const otpProviders: Provider[] = [
  {
    provide: OtpStore,
    useFactory: (options: PostaGuverciniModuleOptions) => createOtpStore(options.otp?.store),
    inject: [POSTA_GUVERCINI_RESOLVED_OPTIONS],
  },
  OtpService,
];

export const otpExports: Array<Type | Abstract<unknown>> = [OtpService, OtpStore];
