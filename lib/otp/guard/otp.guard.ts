import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { inspect } from 'node:util';
import {
  OtpDeliveryUncertainError,
  OtpLockedError,
  OtpRateLimitError,
  OtpStoreUnavailableError,
} from '../../errors/otp.errors.js';
import { SmsProviderError } from '../../errors/provider.error.js';
import { SmsTransportError } from '../../errors/transport.error.js';
import { InvalidOptionsError, SmsValidationError } from '../../errors/validation.error.js';
import { definedFields } from '../../defined-fields.js';
import {
  POSTA_GUVERCINI_RESOLVED_OPTIONS,
  REQUIRE_OTP_METADATA,
  SKIP_OTP_METADATA,
} from '../../posta-guvercini.constants.js';
import type { PostaGuverciniModuleOptions } from '../../posta-guvercini.options.js';
import { OtpService } from '../otp.service.js';
import {
  OtpAccountLockedException,
  OtpBadRequestException,
  type OtpChallengeDetails,
  OtpHttpException,
  OtpLockedException,
  OtpRejectedException,
  type OtpRejectionReason,
  OtpRequiredException,
  OtpTooManyRequestsException,
  OtpUnavailableException,
} from './otp-http.exceptions.js';
import type { OtpBodyFieldNames, OtpGuardBinding, OtpRequestValue } from './otp-guard.options.js';
import {
  type ResolvedOtpGuardModuleOptions,
  resolveBodyFields,
  resolveOtpGuardModuleOptions,
} from './otp-guard.options-validation.js';
import { OTP_VERIFICATION, type OtpVerification } from './otp-verification.decorator.js';
import type { RequireOtpOptions } from './require-otp.decorator.js';

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

/** A challenge id and a code taken from the request. */
export interface OtpCredentials {
  readonly challengeId: string;
  readonly code: string;
}

/** Why the guard refuses a request; `createException()` turns it into the HTTP answer. */
export type OtpGuardFailure =
  | {
      readonly kind: 'required';
      readonly challenge?: OtpChallengeDetails;
      /** The SMS may or may not have been sent (the provider's answer was lost); the challenge is valid. */
      readonly deliveryUncertain?: boolean;
    }
  | {
      readonly kind: 'rejected';
      readonly reason: OtpRejectionReason;
      readonly attemptsLeft: number;
      readonly challengeId: string;
    }
  | { readonly kind: 'locked'; readonly retryAfterSeconds?: number }
  | { readonly kind: 'account-locked'; readonly retryAfterSeconds: number; readonly cause: unknown }
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number; readonly cause: unknown }
  | { readonly kind: 'unavailable'; readonly cause: unknown }
  | { readonly kind: 'bad-request'; readonly message: string; readonly cause?: unknown };

/** The request as the guard reads it: Express and Fastify requests both look like this. */
interface HttpRequestLike {
  readonly headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  readonly ip?: string;
  readonly user?: unknown;
  readonly socket?: { readonly remoteAddress?: string };
  readonly raw?: { readonly socket?: { readonly remoteAddress?: string } };
  [OTP_VERIFICATION]?: OtpVerification;
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
 * Built to be subclassed: the protected `get*` hooks extract the values from the request, and
 * `createException()` shapes the answer.
 */
@Injectable()
export class OtpGuard implements CanActivate {
  /** The module-wide defaults (`otp.guard`), validated. */
  protected readonly defaults: ResolvedOtpGuardModuleOptions;
  /** Purposes whose `otp.purposes` profile has a template of its own (it wins over `otp.guard.message`). */
  private readonly purposesWithTemplates: ReadonlySet<string>;

  constructor(
    protected readonly reflector: Reflector,
    protected readonly otpService: OtpService,
    protected readonly httpAdapterHost: HttpAdapterHost,
    @Inject(POSTA_GUVERCINI_RESOLVED_OPTIONS) moduleOptions: PostaGuverciniModuleOptions,
  ) {
    this.defaults = resolveOtpGuardModuleOptions(moduleOptions.otp?.guard);
    const purposes = moduleOptions.otp?.purposes;
    this.purposesWithTemplates = new Set(
      purposes !== null && typeof purposes === 'object'
        ? Object.entries(purposes)
            .filter(
              ([, profile]) =>
                profile?.message !== undefined || profile?.boundMessage !== undefined,
            )
            .map(([purpose]) => purpose)
        : [],
    );
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
   * The options in force for this route, or `undefined` when the route is not protected
   * (no `@RequireOtp()`, or `@SkipOtp()`). Handler options override controller options, which
   * override the module defaults, field by field; nobody's object is modified.
   */
  protected getRouteOptions(context: ExecutionContext): ResolvedRequireOtpOptions | undefined {
    const handler = context.getHandler();
    const controller = context.getClass();
    const onHandler = this.reflector.get<RequireOtpOptions | undefined>(
      REQUIRE_OTP_METADATA,
      handler,
    );
    const onController = this.reflector.get<RequireOtpOptions | undefined>(
      REQUIRE_OTP_METADATA,
      controller,
    );
    if (onHandler === undefined && onController === undefined) return undefined;
    const skipOnHandler = this.reflector.get<boolean | undefined>(SKIP_OTP_METADATA, handler);
    const skipOnController = this.reflector.get<boolean | undefined>(SKIP_OTP_METADATA, controller);
    // @SkipOtp() on the handler always wins; on the controller it yields to the handler's own @RequireOtp().
    if (skipOnHandler ?? (onHandler === undefined && skipOnController === true)) return undefined;

    const merged: RequireOtpOptions = {
      ...definedFields(onController),
      ...definedFields(onHandler),
    };
    const purpose = merged.purpose ?? `${controller.name}.${handler.name}`;
    return {
      purpose,
      phone: merged.phone ?? this.defaults.phone,
      subject: merged.subject ?? this.defaults.subject,
      bind: merged.bind,
      // The route's own template, else the purpose profile's (otp.purposes), else otp.guard.message.
      message:
        merged.message ??
        (this.purposesWithTemplates.has(purpose) ? undefined : this.defaults.message),
      autoSend: merged.autoSend ?? this.defaults.autoSend,
      bodyFields:
        merged.bodyFields === undefined
          ? this.defaults.bodyFields
          : resolveBodyFields(merged.bodyFields, (field, expected) => {
              throw new InvalidOptionsError(
                `@RequireOtp().bodyFields${field}`,
                `expected ${expected}`,
              );
            }),
    };
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
        : await resolveValue(options.phone, request, context);
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
        : await resolveValue(options.subject, request, context);
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
    const binding = await resolveValue(options.bind, this.getRequest(context), context);
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
    const message = await resolveValue(options.message, this.getRequest(context), context);
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
    const request = this.getRequest(context);
    return request.ip ?? request.socket?.remoteAddress ?? request.raw?.socket?.remoteAddress;
  }

  /**
   * Shapes the HTTP answer for a refusal. Override to change bodies or messages; return an
   * `OtpHttpException` (or a subclass) to keep its `WWW-Authenticate` / `Retry-After` headers,
   * which `reject()` sets on the response.
   */
  protected createException(failure: OtpGuardFailure, _context: ExecutionContext): HttpException {
    switch (failure.kind) {
      case 'required':
        return new OtpRequiredException(
          failure.challenge,
          failure.deliveryUncertain === true && failure.challenge !== undefined
            ? `A one-time password may have been sent to ${failure.challenge.maskedPhone} (the SMS provider's answer was lost). If it arrives, repeat the request with the challenge id and the code; if not, request a new one after resendAvailableAt.`
            : undefined,
        );
      case 'rejected':
        return new OtpRejectedException(failure);
      case 'locked':
        return new OtpLockedException(failure);
      case 'account-locked':
        return new OtpAccountLockedException(failure, undefined, { cause: failure.cause });
      case 'rate-limited':
        return new OtpTooManyRequestsException(failure, undefined, { cause: failure.cause });
      case 'unavailable':
        return new OtpUnavailableException(undefined, { cause: failure.cause });
      case 'bad-request':
        return new OtpBadRequestException(failure.message, { cause: failure.cause });
    }
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
  protected reject(context: ExecutionContext, failure: OtpGuardFailure): never {
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
        errorCode(error) === 'OTP_DELIVERY_UNCERTAIN'
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
    if (!result.valid) {
      if (result.reason === 'locked') {
        // The time until a new code will really be sent (0: now, no Retry-After): a retry
        // without a code follows the same send caps and account lock.
        const wait = result.retryAfterSeconds;
        return this.reject(context, {
          kind: 'locked',
          ...(wait === undefined || wait <= 0 ? {} : { retryAfterSeconds: wait }),
        });
      }
      return this.reject(context, {
        kind: 'rejected',
        reason: result.reason,
        attemptsLeft: result.attemptsLeft,
        challengeId,
      });
    }
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
    if (options.bodyFields !== undefined) this.removeBodyFields(context, options.bodyFields);
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

  /** A header (lower-case name), else a body field; empty means absent. */
  private readField(
    context: ExecutionContext,
    header: string,
    bodyField: string | undefined,
  ): string | undefined {
    const request = this.getRequest(context);
    const fromHeader = request.headers[header];
    if (Array.isArray(fromHeader)) {
      return this.reject(context, {
        kind: 'bad-request',
        message: `Send the ${header} header once.`,
      });
    }
    if (fromHeader !== undefined && fromHeader.trim() !== '') return fromHeader.trim();
    if (bodyField === undefined || !isPlainBody(request.body)) return undefined;
    const fromBody = request.body[bodyField];
    if (fromBody === undefined || fromBody === null || fromBody === '') return undefined;
    if (typeof fromBody !== 'string') {
      return this.reject(context, {
        kind: 'bad-request',
        message: `The ${bodyField} body field must be a string.`,
      });
    }
    return fromBody.trim();
  }

  /** The code is used up once read: it never reaches the handler, its validation or its logs. */
  private removeBodyFields(context: ExecutionContext, fields: Required<OtpBodyFieldNames>): void {
    const { body } = this.getRequest(context);
    if (!isPlainBody(body)) return;
    delete body[fields.challengeId];
    delete body[fields.code];
  }

  /**
   * Translates the service's typed errors into HTTP answers; anything else (a wrong option, a
   * template without a value for one of its placeholders: server bugs) propagates as a 500.
   * Errors are recognised by their stable `code` too, so two copies of the package (ESM and
   * CommonJS in one app) still map correctly.
   */
  private rejectOnServiceError(context: ExecutionContext, error: unknown): never {
    const code = errorCode(error);
    if (error instanceof OtpLockedError || code === 'OTP_SUBJECT_LOCKED') {
      const { retryAfterSeconds } = error as { retryAfterSeconds?: unknown };
      return this.reject(context, {
        kind: 'account-locked',
        retryAfterSeconds: typeof retryAfterSeconds === 'number' ? retryAfterSeconds : 1,
        cause: error,
      });
    }
    if (error instanceof OtpRateLimitError || code === 'OTP_RATE_LIMITED') {
      const { retryAfterSeconds } = error as { retryAfterSeconds?: unknown };
      return this.reject(context, {
        kind: 'rate-limited',
        retryAfterSeconds: typeof retryAfterSeconds === 'number' ? retryAfterSeconds : 1,
        cause: error,
      });
    }
    if (code === 'PROVIDER_INVALID_NUMBER') {
      return this.reject(context, {
        kind: 'bad-request',
        message: 'The SMS provider refused the phone number; check it and try again.',
        cause: error,
      });
    }
    if (
      error instanceof OtpStoreUnavailableError ||
      error instanceof SmsTransportError ||
      error instanceof SmsProviderError ||
      code === 'OTP_STORE_UNAVAILABLE' ||
      code?.startsWith('TRANSPORT_') === true ||
      code?.startsWith('PROVIDER_') === true
    ) {
      return this.reject(context, { kind: 'unavailable', cause: error });
    }
    // Bad input carried by the request: a phone that is not a mobile number or is from a
    // country not allowed, bound values the SMS cannot show.
    if (
      (error instanceof SmsValidationError ||
        (error as Error | undefined)?.name === 'SmsValidationError') &&
      code !== undefined &&
      !SERVER_SIDE_VALIDATION_CODES.test(code)
    ) {
      return this.reject(context, {
        kind: 'bad-request',
        message: (error as Error).message,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Validation failures that come from the app's own configuration, not from the request: a
 * wrong option or template, a route's purpose or subject resolver giving an unusable value, no
 * OTP account, a sender the API cannot carry or that is not valid. They stay a 500 (logged by
 * Nest) rather than a 400 describing the server's configuration to the client.
 */
const SERVER_SIDE_VALIDATION_CODES =
  /^(?:INVALID_OPTION|OTP_TEMPLATE_[A-Z_]+|INVALID_OTP_PURPOSE|INVALID_OTP_SUBJECT|CHANNEL_NOT_CONFIGURED|SENDER_NOT_SUPPORTED|INVALID_SENDER)$/;

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function resolveValue<T>(
  value: OtpRequestValue<T> | undefined,
  request: HttpRequestLike,
  context: ExecutionContext,
): Promise<T | undefined> {
  return typeof value === 'function'
    ? await (value as (request: unknown, context: ExecutionContext) => T | Promise<T>)(
        request,
        context,
      )
    : value;
}

function userField(request: HttpRequestLike, field: string): unknown {
  const user = request.user;
  return user !== null && typeof user === 'object'
    ? (user as Record<string, unknown>)[field]
    : undefined;
}

function isPlainBody(body: unknown): body is Record<string, unknown> {
  return (
    body !== null && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body)
  );
}
