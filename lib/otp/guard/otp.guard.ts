import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { inspect } from 'node:util';
import { OtpDeliveryUncertainError } from '../../errors/otp.errors.js';
import { OTP_GUARD_DEFAULTS } from '../otp.constants.js';
import { OtpService } from '../otp.service.js';
import { type OtpChallengeDetails, OtpHttpException } from './otp-http.exceptions.js';
import {
  type OtpGuardFailure,
  failureOfRefusedCode,
  failureOfServiceError,
  otpGuardException,
} from './otp-guard.error-mapping.js';
import type { ResolvedOtpGuardDefaults } from './otp-guard.options-validation.js';
import { OtpGuardRequestHooks } from './otp-guard.request-hooks.js';
import { removeBodyFields } from './otp-guard.request.js';
import type { ResolvedRequireOtpOptions } from './otp-guard.route-options.js';
import { OTP_VERIFICATION, type OtpVerification } from './otp-verification.decorator.js';

export type { OtpGuardFailure } from './otp-guard.error-mapping.js';
export type { ResolvedRequireOtpOptions } from './otp-guard.route-options.js';

// The guard's flow (challenge or verify) and its HTTP answer (createException, reject, response
// headers). The request-reading hooks subclasses override are its base class
// (otp-guard.request-hooks.ts); low-level request reading, route-option merging and error
// mapping have their own files (otp-guard.request.ts, otp-guard.route-options.ts,
// otp-guard.error-mapping.ts).

/** A challenge id and a code taken from the request. */
export interface OtpCredentials {
  readonly challengeId: string;
  readonly code: string;
}

/**
 * Challenge/response one-time password check for HTTP routes, on Express and Fastify.
 *
 * Applied by `@RequireOtp()` (which puts it on the route itself), or registered once as
 * `APP_GUARD`, in which case it checks only routes that carry `@RequireOtp()` metadata and lets
 * everything else through; `@SkipOtp()` exempts a route.
 *
 * - No code in the request → sends a challenge (`OtpService.send()`, with the request's IP) and
 *   answers 401 with its id, expiry and masked phone, and `WWW-Authenticate: OTP challenge="…"`.
 * - Challenge id + code (headers `X-OTP-Challenge` / `X-OTP-Code`, or body fields when enabled)
 *   → verified against the purpose, subject, binding and phone recomputed from this request; on success
 *   the handler runs and `@OtpVerified()` gives it the verification.
 * - Wrong code, expired or unknown challenge → 401 with `reason` and `attemptsLeft`; locked or
 *   send limit reached → 429 with `Retry-After`; store or provider unreachable → 503.
 *
 * Built to be subclassed: the protected `get*` hooks extract the values from the request
 * (declared in its base class, `OtpGuardRequestHooks`), and `createException()` shapes the answer.
 */
@Injectable()
export class OtpGuard extends OtpGuardRequestHooks implements CanActivate {
  constructor(
    protected override readonly reflector: Reflector,
    protected readonly otpService: OtpService,
    protected readonly httpAdapterHost: HttpAdapterHost,
    /** The module-wide defaults (`otp.guard`), resolved once at start-up for every instance. */
    @Inject(OTP_GUARD_DEFAULTS) protected override readonly defaults: ResolvedOtpGuardDefaults,
  ) {
    super();
  }

  /** What `console.log` and `util.inspect` show (the service and options hold the secret). */
  [inspect.custom](): string {
    return `${this.constructor.name} { challengeHeader: '${this.defaults.challengeHeader}', codeHeader: '${this.defaults.codeHeader}' }`;
  }

  /** What `JSON.stringify` shows. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.constructor.name,
      challengeHeader: this.defaults.challengeHeader,
      codeHeader: this.defaults.codeHeader,
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const options = this.getRouteOptions(context);
    if (options === undefined) return true;
    if (context.getType() !== 'http') {
      throw new Error(
        `@RequireOtp() protects HTTP routes only; ${context.getClass().name}.${context.getHandler().name} is a ${context.getType()} handler.`,
      );
    }
    const request = this.getRequest(context);
    // The guard may run twice for one request (APP_GUARD plus @RequireOtp(), or @RequireOtp()
    // on both the controller and the handler): a code is verified once.
    if (request[OTP_VERIFICATION] !== undefined) return true;

    const credentials = this.readCredentials(context, options);
    if (credentials === undefined) {
      return this.reject(context, {
        kind: 'required',
        ...(await this.sendChallenge(context, options)),
      });
    }
    request[OTP_VERIFICATION] = await this.verifyCredentials(context, options, credentials);
    return true;
  }

  /**
   * Shapes the HTTP answer for a refusal. Override to change bodies or messages; return an
   * `OtpHttpException` (or a subclass) to keep its `WWW-Authenticate` / `Retry-After` headers,
   * which `reject()` sets on the response.
   */
  protected createException(failure: OtpGuardFailure, _context: ExecutionContext): HttpException {
    return otpGuardException(failure);
  }

  /** Sets a response header on Express or Fastify. */
  protected setResponseHeader(context: ExecutionContext, name: string, value: string): void {
    const response: unknown = context.switchToHttp().getResponse();
    const adapter = this.httpAdapterHost.httpAdapter;
    if (adapter !== undefined) {
      adapter.setHeader(response, name, value);
    } else if (typeof (response as { header?: unknown }).header === 'function') {
      (response as { header(name: string, value: string): void }).header(name, value);
    } else {
      (response as { setHeader(name: string, value: string): void }).setHeader(name, value);
    }
  }

  /** Builds the exception for `failure`, sets its headers on the response, and throws it. */
  protected override reject(context: ExecutionContext, failure: OtpGuardFailure): never {
    const exception = this.createException(failure, context);
    if (exception instanceof OtpHttpException) {
      for (const [name, value] of Object.entries(exception.headers)) {
        this.setResponseHeader(context, name, value);
      }
    }
    throw exception;
  }

  private async sendChallenge(
    context: ExecutionContext,
    options: ResolvedRequireOtpOptions,
  ): Promise<{ challenge?: OtpChallengeDetails; deliveryUncertain?: boolean }> {
    if (!options.autoSend) return {};
    const phone = await this.getPhone(context, options);
    if (phone === undefined) {
      return this.reject(context, {
        kind: 'bad-request',
        message:
          'No phone number to send the one-time password to: this route takes it from @RequireOtp({ phone }) or otp.guard.phone, by default request.user.phone.',
      });
    }
    const [subject, bind, message] = await Promise.all([
      this.getSubject(context, options),
      this.getBinding(context, options),
      this.getMessage(context, options),
    ]);
    try {
      const challenge = await this.otpService.send({
        phone,
        purpose: options.purpose,
        subject,
        bind,
        message,
        ip: this.getIp(context),
        // For otp.limitKeys key functions (customer number, device id from the request).
        httpRequest: this.getRequest(context),
      });
      return { challenge };
    } catch (error) {
      // The provider may have accepted the SMS: the challenge is kept and can be answered.
      if (
        error instanceof OtpDeliveryUncertainError ||
        (error as { code?: unknown } | null)?.code === 'OTP_DELIVERY_UNCERTAIN'
      ) {
        return {
          challenge: (error as OtpDeliveryUncertainError).challenge,
          deliveryUncertain: true,
        };
      }
      return this.rejectOnServiceError(context, error);
    }
  }

  private async verifyCredentials(
    context: ExecutionContext,
    options: ResolvedRequireOtpOptions,
    credentials: OtpCredentials,
  ): Promise<OtpVerification> {
    const [subject, bind, phone] = await Promise.all([
      this.getSubject(context, options),
      this.getBinding(context, options),
      this.getPhone(context, options),
    ]);
    const { challengeId, code } = credentials;
    const ip = this.getIp(context);
    let result: Awaited<ReturnType<OtpService['verify']>>;
    try {
      result = await this.otpService.verify({
        challengeId,
        code,
        purpose: options.purpose,
        subject,
        bind,
        // The number this request names: a code sent to one number never opens the route for
        // another (sign-in by phone, where there is no subject to tell them apart).
        ...(phone === undefined ? {} : { phone }),
        // Only to tell, for a locked challenge, when a new code can really be requested.
        ...(ip === undefined ? {} : { ip }),
      });
    } catch (error) {
      return this.rejectOnServiceError(context, error);
    }
    if (!result.valid) return this.reject(context, failureOfRefusedCode(result, challengeId));
    // Defence in depth: whatever the service compared, the challenge must have been issued for
    // this route's purpose and this request's subject. It is used up now either way.
    if (result.purpose !== options.purpose || (result.subject ?? undefined) !== subject) {
      return this.reject(context, {
        kind: 'rejected',
        reason: 'invalid',
        attemptsLeft: 0,
        challengeId,
      });
    }
    return Object.freeze({
      challengeId,
      purpose: result.purpose,
      ...(result.subject === undefined ? {} : { subject: result.subject }),
      phone: result.phone,
      ...(bind === undefined ? {} : { binding: Object.freeze({ ...bind }) }),
      verifiedAt: new Date(),
    });
  }

  /** Reads both credentials; one without the other is a client error (400). */
  private readCredentials(
    context: ExecutionContext,
    options: ResolvedRequireOtpOptions,
  ): OtpCredentials | undefined {
    const challengeId = this.getChallengeId(context, options);
    const code = this.getCode(context, options);
    if (options.bodyFields !== undefined)
      removeBodyFields(this.getRequest(context), options.bodyFields);
    if (challengeId === undefined && code === undefined) return undefined;
    if (challengeId === undefined || code === undefined) {
      const where = options.bodyFields
        ? `the ${this.defaults.challengeHeader} and ${this.defaults.codeHeader} headers (or the ${options.bodyFields.challengeId} and ${options.bodyFields.code} body fields)`
        : `the ${this.defaults.challengeHeader} and ${this.defaults.codeHeader} headers`;
      return this.reject(context, {
        kind: 'bad-request',
        message: `Send both the challenge id and the code, in ${where}.`,
      });
    }
    return { challengeId, code };
  }

  /**
   * Translates the service's typed errors into HTTP answers (otp-guard.error-mapping.ts);
   * anything else (a wrong option, a template without a value for one of its placeholders:
   * server bugs) propagates as a 500.
   */
  private rejectOnServiceError(context: ExecutionContext, error: unknown): never {
    const failure = failureOfServiceError(error);
    if (failure === undefined) throw error;
    return this.reject(context, failure);
  }
}
