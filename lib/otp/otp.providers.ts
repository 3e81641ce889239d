// PLACEHOLDER — owned by the OTP work: OtpService, OtpStore, OtpGuard providers.
import type { Provider } from '@nestjs/common';

export const otpProviders: Provider[] = [];
export const otpExports: Array<string | symbol | Function> = [];
