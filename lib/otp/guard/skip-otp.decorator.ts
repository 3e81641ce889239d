import { SetMetadata } from '@nestjs/common';
import { SKIP_OTP_METADATA } from '../../posta-guvercini.constants.js';

/**
 * Exempts a handler (or a whole controller) from the one-time password check, for example a
 * read-only route of a controller protected by `@RequireOtp()`, or any route when `OtpGuard`
 * is registered as `APP_GUARD`.
 *
 * `@SkipOtp()` on a handler always wins. On a controller it exempts the handlers that do not
 * carry their own `@RequireOtp()`.
 */
export function SkipOtp(): ClassDecorator & MethodDecorator {
  return SetMetadata(SKIP_OTP_METADATA, true);
}
