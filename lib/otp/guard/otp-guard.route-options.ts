import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { InvalidOptionsError } from '../../errors/validation.error.js';
import { REQUIRE_OTP_METADATA, SKIP_OTP_METADATA } from '../../posta-guvercini.constants.js';
import type {
  OtpBodyFieldNames,
  OtpGuardBinding,
  OtpRequestValue,
  RequireOtpOptions,
} from './otp-guard.options.js';
import { definedFields } from '../../defined-fields.js';
import {
  type ResolvedOtpGuardDefaults,
  resolveBodyFields,
} from './otp-guard.options-validation.js';

// Merging the options of one route: module defaults ← controller ← handler, field by field.

/** The options in force for one route: module defaults ← controller ← handler. */
export interface ResolvedRequireOtpOptions {
  readonly purpose: string;
  readonly phone: OtpRequestValue<string | undefined> | undefined;
  readonly subject: OtpRequestValue<string | number | undefined> | undefined;
  readonly bind: OtpRequestValue<OtpGuardBinding | undefined> | undefined;
  readonly message: OtpRequestValue<string | undefined> | undefined;
  readonly autoSend: boolean;
  readonly bodyFields: Required<OtpBodyFieldNames> | undefined;
}

/**
 * The options in force for the route of `context`, or `undefined` when the route is not
 * protected (no `@RequireOtp()`, or `@SkipOtp()`). Handler options override controller options,
 * which override the module defaults, field by field; nobody's object is modified.
 */
export function mergeRouteOptions(
  reflector: Reflector,
  context: ExecutionContext,
  defaults: ResolvedOtpGuardDefaults,
): ResolvedRequireOtpOptions | undefined {
  const handler = context.getHandler();
  const controller = context.getClass();
  const onHandler = reflector.get<RequireOtpOptions | undefined>(REQUIRE_OTP_METADATA, handler);
  const onController = reflector.get<RequireOtpOptions | undefined>(
    REQUIRE_OTP_METADATA,
    controller,
  );
  if (onHandler === undefined && onController === undefined) return undefined;
  const skipOnHandler = reflector.get<boolean | undefined>(SKIP_OTP_METADATA, handler);
  const skipOnController = reflector.get<boolean | undefined>(SKIP_OTP_METADATA, controller);
  // @SkipOtp() on the handler always wins; on the controller it yields to the handler's own @RequireOtp().
  if (skipOnHandler ?? (onHandler === undefined && skipOnController === true)) return undefined;

  const merged: RequireOtpOptions = {
    ...definedFields(onController),
    ...definedFields(onHandler),
  };
  const purpose = merged.purpose ?? `${controller.name}.${handler.name}`;
  return {
    purpose,
    phone: merged.phone ?? defaults.phone,
    subject: merged.subject ?? defaults.subject,
    bind: merged.bind,
    // The route's own template, else the purpose profile's (otp.purposes), else otp.guard.message.
    message:
      merged.message ??
      (defaults.purposesWithTemplates.has(purpose) ? undefined : defaults.message),
    autoSend: merged.autoSend ?? defaults.autoSend,
    bodyFields:
      merged.bodyFields === undefined
        ? defaults.bodyFields
        : resolveBodyFields(merged.bodyFields, (field, expected) => {
            throw new InvalidOptionsError(
              `@RequireOtp().bodyFields${field}`,
              `expected ${expected}`,
            );
          }),
  };
}
