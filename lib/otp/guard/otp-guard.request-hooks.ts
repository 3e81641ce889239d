import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { OtpGuardFailure } from './otp-guard.error-mapping.js';
import type { OtpGuardBinding } from './otp-guard.options.js';
import type { ResolvedOtpGuardDefaults } from './otp-guard.options-validation.js';
import {
  type HttpRequestLike,
  readRequestField,
  requestIp,
  resolveRequestValue,
  userField,
} from './otp-guard.request.js';
import { type ResolvedRequireOtpOptions, mergeRouteOptions } from './otp-guard.route-options.js';

// What OtpGuard reads from the request, as the protected hooks a subclass overrides: the route's
// options, the phone, subject, bound values and template, the credentials and the client IP.
// OtpGuard (otp.guard.ts) extends this class with the flow and the HTTP answer; the low-level
// reading (headers, body fields, IP, user fields) is in otp-guard.request.ts.

/**
 * The request-reading hooks of `OtpGuard` (its base class; subclass `OtpGuard` itself). Each
 * `get*` hook extracts one value from the request and may be overridden.
 */
export abstract class OtpGuardRequestHooks {
  protected abstract readonly reflector: Reflector;
  /** The module-wide defaults (`otp.guard`), resolved once at start-up for every instance. */
  protected abstract readonly defaults: ResolvedOtpGuardDefaults;

  /** Builds the exception for `failure`, sets its headers on the response, and throws it. */
  protected abstract reject(context: ExecutionContext, failure: OtpGuardFailure): never;

  /**
   * The options in force for this route, or `undefined` when the route is not protected
   * (no `@RequireOtp()`, or `@SkipOtp()`). Handler options override controller options, which
   * override the module defaults, field by field; nobody's object is modified.
   */
  protected getRouteOptions(context: ExecutionContext): ResolvedRequireOtpOptions | undefined {
    return mergeRouteOptions(this.reflector, context, this.defaults);
  }

  /** The request object (Express `Request` / Fastify `FastifyRequest`). */
  protected getRequest(context: ExecutionContext): HttpRequestLike {
    return context.switchToHttp().getRequest<HttpRequestLike>();
  }

  /**
   * Phone number to send the challenge to, and that a code must have been sent to. Default: the
   * option, else `request.user.phone`.
   */
  protected async getPhone(
    context: ExecutionContext,
    options: ResolvedRequireOtpOptions,
  ): Promise<string | undefined> {
    const request = this.getRequest(context);
    const phone =
      options.phone === undefined
        ? userField(request, 'phone')
        : await resolveRequestValue(options.phone, request, context);
    if (phone === undefined || phone === null || phone === '') return undefined;
    if (typeof phone !== 'string' && typeof phone !== 'number') {
      // Usually read from the request (body, user): a client sending `{ phone: {} }` is a bad
      // request, not a server fault.
      return this.reject(context, {
        kind: 'bad-request',
        message: 'The phone number of this request is not a string.',
      });
    }
    return String(phone);
  }

  /** Who the challenge is for. Default: the option, else `request.user.id ?? request.user.sub`. */
  protected async getSubject(
    context: ExecutionContext,
    options: ResolvedRequireOtpOptions,
  ): Promise<string | undefined> {
    const request = this.getRequest(context);
    const subject =
      options.subject === undefined
        ? (userField(request, 'id') ?? userField(request, 'sub'))
        : await resolveRequestValue(options.subject, request, context);
    if (subject === undefined || subject === null || subject === '') return undefined;
    if (typeof subject !== 'string' && typeof subject !== 'number') {
      throw new TypeError('@RequireOtp(): "subject" must give a string or a number');
    }
    return String(subject);
  }

  /** Values to bind the challenge to, recomputed from this request. */
  protected async getBinding(
    context: ExecutionContext,
    options: ResolvedRequireOtpOptions,
  ): Promise<OtpGuardBinding | undefined> {
    const binding = await resolveRequestValue(options.bind, this.getRequest(context), context);
    if (binding === undefined || binding === null) return undefined;
    if (typeof binding !== 'object' || Array.isArray(binding)) {
      throw new TypeError('@RequireOtp(): "bind" must give an object of values');
    }
    return binding;
  }

  /** SMS template for this route, if any (else the OTP service's template). */
  protected async getMessage(
    context: ExecutionContext,
    options: ResolvedRequireOtpOptions,
  ): Promise<string | undefined> {
    const message = await resolveRequestValue(options.message, this.getRequest(context), context);
    return message === undefined || message === '' ? undefined : message;
  }

  /** The challenge id: the challenge header, else (when enabled) the body field. */
  protected getChallengeId(
    context: ExecutionContext,
    options: ResolvedRequireOtpOptions,
  ): string | undefined {
    return this.readField(context, this.defaults.challengeHeader, options.bodyFields?.challengeId);
  }

  /** The code: the code header, else (when enabled) the body field. */
  protected getCode(
    context: ExecutionContext,
    options: ResolvedRequireOtpOptions,
  ): string | undefined {
    return this.readField(context, this.defaults.codeHeader, options.bodyFields?.code);
  }

  /** Client IP for the per-IP send limit (honours Express `trust proxy` / Fastify `trustProxy`). */
  protected getIp(context: ExecutionContext): string | undefined {
    return requestIp(this.getRequest(context));
  }

  /** A header (lower-case name), else a body field; empty means absent. */
  private readField(
    context: ExecutionContext,
    header: string,
    bodyField: string | undefined,
  ): string | undefined {
    return readRequestField(this.getRequest(context), header, bodyField, (message) =>
      this.reject(context, { kind: 'bad-request', message }),
    );
  }
}
