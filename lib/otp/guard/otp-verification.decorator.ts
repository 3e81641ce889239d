import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/**
 * What `OtpGuard` verified for the current request, readable with `@OtpVerified()`.
 * It never holds the code.
 */
export interface OtpVerification {
  /** The challenge the code belonged to (now used up). */
  readonly challengeId: string;
  /** The purpose the challenge was issued for. */
  readonly purpose: string;
  /** The subject the challenge was issued for, if any. */
  readonly subject?: string;
  /** The phone number the code was sent to, canonical form (`905321234567`). */
  readonly phone: string;
  /** The values the code was bound to, as recomputed from this request, if any. */
  readonly binding?: Readonly<Record<string, string | number>>;
  /** When the guard accepted the code. */
  readonly verifiedAt: Date;
}

/**
 * Key under which `OtpGuard` stores the `OtpVerification` on the request object (Express
 * `Request` or Fastify `FastifyRequest`). Prefer `@OtpVerified()` or `getOtpVerification()`.
 */
export const OTP_VERIFICATION = Symbol.for('POSTA_GUVERCINI:OTP_VERIFICATION');

/** The verification `OtpGuard` stored on a request, or `undefined` when none was made. */
export function getOtpVerification(request: object): OtpVerification | undefined {
  return (request as { [OTP_VERIFICATION]?: OtpVerification })[OTP_VERIFICATION];
}

/**
 * Parameter decorator exposing the guard's verification to the handler:
 * `@OtpVerified() otp: OtpVerification`, or one field with `@OtpVerified('phone')`.
 * `undefined` on a route the guard did not check (no `@RequireOtp()`, or `@SkipOtp()`).
 */
export const OtpVerified: (field?: keyof OtpVerification) => ParameterDecorator =
  createParamDecorator((field: keyof OtpVerification | undefined, context: ExecutionContext) => {
    const verification = getOtpVerification(context.switchToHttp().getRequest<object>());
    return field === undefined ? verification : verification?.[field];
  });
