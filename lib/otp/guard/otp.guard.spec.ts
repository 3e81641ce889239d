import type { ExecutionContext, Type } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { OtpService } from '../otp.service.js';
import type { PostaGuverciniModuleOptions } from '../../posta-guvercini.options.js';
import { OtpRateLimitError, OtpStoreUnavailableError } from '../../errors/otp.errors.js';
import { SmsProviderError } from '../../errors/provider.error.js';
import { SmsConnectionError } from '../../errors/transport.error.js';
import { InvalidOptionsError, SmsValidationError } from '../../errors/validation.error.js';
import { OtpGuard } from './otp.guard.js';
import { otpGuardDefaultsFactory } from '../otp.providers.js';
import type { OtpGuardModuleOptions } from './otp-guard.options.js';
import {
  OtpBadRequestException,
  OtpLockedException,
  OtpRejectedException,
  OtpRequiredException,
  OtpTooManyRequestsException,
  OtpUnavailableException,
} from './otp-http.exceptions.js';
import { getOtpVerification } from './otp-verification.decorator.js';
import { RequireOtp, type RequireOtpOptions } from './require-otp.decorator.js';
import { SkipOtp } from './skip-otp.decorator.js';

type SendInput = Parameters<OtpService['send']>[0];
type VerifyInput = Parameters<OtpService['verify']>[0];
type VerifyResult = Awaited<ReturnType<OtpService['verify']>>;

/** Records what the guard asks of the service; answers are set per test. */
class RecordingOtpService {
  readonly sent: SendInput[] = [];
  readonly verified: VerifyInput[] = [];
  sendError: Error | undefined = undefined;
  verifyResult: VerifyResult = {
    valid: true,
    challengeId: 'ch_1',
    purpose: 'p',
    subject: undefined,
    phone: '905321112233',
  };

  send(input: SendInput) {
    this.sent.push(input);
    if (this.sendError !== undefined) return Promise.reject(this.sendError);
    return Promise.resolve({
      challengeId: 'ch_1',
      expiresAt: new Date('2026-05-01T10:03:00Z'),
      resendAvailableAt: new Date('2026-05-01T10:00:30Z'),
      maskedPhone: '90532*****33',
      attemptsLeft: 5,
    });
  }

  verify(input: VerifyInput): Promise<VerifyResult> {
    this.verified.push(input);
    return Promise.resolve(this.verifyResult);
  }
}

/** A request as Express and Fastify both present it to guards. */
interface FakeRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  ip?: string;
  user?: unknown;
}

function setup(guardOptions?: OtpGuardModuleOptions) {
  const service = new RecordingOtpService();
  const headers: Record<string, string> = {};
  const adapterHost = {
    httpAdapter: {
      setHeader: (_response: unknown, name: string, value: string) => (headers[name] = value),
    },
  } as unknown as HttpAdapterHost;
  const moduleOptions: PostaGuverciniModuleOptions = { otp: { guard: guardOptions } };
  const guard = new OtpGuard(
    new Reflector(),
    service as unknown as OtpService,
    adapterHost,
    otpGuardDefaultsFactory(moduleOptions),
  );
  const contextFor = (controller: Type, handler: string, request: FakeRequest): ExecutionContext =>
    new ExecutionContextHost(
      [request, {}, () => undefined],
      controller,
      (controller.prototype as Record<string, () => void>)[handler],
    );
  return { guard, service, headers, contextFor };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the guard to refuse');
}

const alice = { id: 'u-alice', phone: '+90 532 111 22 33' };

class PlainController {
  open(): void {}
}

@RequireOtp({
  purpose: 'payment',
  subject: (req: FakeRequest) => (req.user as { id: string }).id + ':pay',
})
class PaymentsController {
  @RequireOtp({
    purpose: 'transfer',
    bind: (req: FakeRequest) => ({ amount: (req.body as { amount: string }).amount }),
  })
  transfer(): void {}

  card(): void {}

  @SkipOtp()
  history(): void {}
}

class LoginController {
  @RequireOtp({ purpose: 'login' })
  confirm(): void {}

  @RequireOtp({ purpose: 'email', autoSend: false })
  email(): void {}

  @RequireOtp()
  unnamed(): void {}
}

@SkipOtp()
class PublicController {
  free(): void {}

  @RequireOtp({ purpose: 'still-protected' })
  guarded(): void {}
}

describe('OtpGuard', () => {
  it('lets routes without @RequireOtp() through without touching the service', async () => {
    const { guard, service, contextFor } = setup();
    await expect(
      guard.canActivate(contextFor(PlainController, 'open', { headers: {} })),
    ).resolves.toBe(true);
    expect(service.sent).toHaveLength(0);
    expect(service.verified).toHaveLength(0);
  });

  it('honours @SkipOtp() on a handler, and on a controller except for handlers with their own @RequireOtp()', async () => {
    const { guard, service, contextFor } = setup();
    await expect(
      guard.canActivate(contextFor(PaymentsController, 'history', { headers: {} })),
    ).resolves.toBe(true);
    await expect(
      guard.canActivate(contextFor(PublicController, 'free', { headers: {} })),
    ).resolves.toBe(true);
    expect(service.sent).toHaveLength(0);
    const error = await failure(
      guard.canActivate(contextFor(PublicController, 'guarded', { headers: {}, user: alice })),
    );
    expect(error).toBeInstanceOf(OtpRequiredException);
    expect(service.sent[0]).toMatchObject({ purpose: 'still-protected' });
  });

  it('without a code: sends a challenge with this request’s values and answers 401 with WWW-Authenticate', async () => {
    const { guard, service, headers, contextFor } = setup();
    const request: FakeRequest = {
      headers: {},
      body: { amount: '149.90' },
      ip: '203.0.113.7',
      user: alice,
    };
    const error = await failure(
      guard.canActivate(contextFor(PaymentsController, 'transfer', request)),
    );
    expect(error).toBeInstanceOf(OtpRequiredException);
    expect((error as OtpRequiredException).getResponse()).toMatchObject({
      challengeId: 'ch_1',
      attemptsLeft: 5,
    });
    expect(headers).toEqual({ 'WWW-Authenticate': 'OTP challenge="ch_1"' });
    // Handler options override the controller's field by field; the controller's subject stays.
    expect(service.sent).toEqual([
      {
        phone: '+90 532 111 22 33',
        purpose: 'transfer',
        subject: 'u-alice:pay',
        bind: { amount: '149.90' },
        message: undefined,
        ip: '203.0.113.7',
        // The request itself, for otp.limitKeys key functions.
        httpRequest: expect.objectContaining({ ip: '203.0.113.7' }),
      },
    ]);
  });

  it('uses the module defaults, and names the route when no purpose is given', async () => {
    const { guard, service, contextFor } = setup({
      phone: (req: FakeRequest) => req.headers['x-phone'] as string,
      subject: 'fixed-subject',
      message: 'Kod: {code}',
    });
    await failure(
      guard.canActivate(
        contextFor(LoginController, 'unnamed', { headers: { 'x-phone': '05321112233' } }),
      ),
    );
    expect(service.sent[0]).toMatchObject({
      phone: '05321112233',
      purpose: 'LoginController.unnamed',
      subject: 'fixed-subject',
      message: 'Kod: {code}',
    });
  });

  it('defaults phone and subject to request.user.phone and request.user.id', async () => {
    const { guard, service, contextFor } = setup();
    await failure(
      guard.canActivate(contextFor(LoginController, 'confirm', { headers: {}, user: alice })),
    );
    expect(service.sent[0]).toMatchObject({
      phone: alice.phone,
      subject: 'u-alice',
      purpose: 'login',
    });
  });

  it('answers 400 when there is no phone to send to', async () => {
    const { guard, service, contextFor } = setup();
    const error = await failure(
      guard.canActivate(contextFor(LoginController, 'confirm', { headers: {} })),
    );
    expect(error).toBeInstanceOf(OtpBadRequestException);
    expect(service.sent).toHaveLength(0);
  });

  it('with autoSend false: 401 without sending anything', async () => {
    const { guard, service, headers, contextFor } = setup();
    const error = await failure(
      guard.canActivate(contextFor(LoginController, 'email', { headers: {}, user: alice })),
    );
    expect(error).toBeInstanceOf(OtpRequiredException);
    expect((error as OtpRequiredException).getResponse()).not.toHaveProperty('challengeId');
    expect(headers).toEqual({ 'WWW-Authenticate': 'OTP' });
    expect(service.sent).toHaveLength(0);
  });

  it('verifies the code against the purpose, subject and binding recomputed from this request', async () => {
    const { guard, service, contextFor } = setup();
    service.verifyResult = {
      valid: true,
      challengeId: 'ch_1',
      purpose: 'transfer',
      subject: 'u-alice:pay',
      phone: '905321112233',
    };
    const request: FakeRequest = {
      headers: { 'x-otp-challenge': 'ch_1', 'x-otp-code': '123456' },
      body: { amount: '149.90' },
      user: alice,
    };
    await expect(
      guard.canActivate(contextFor(PaymentsController, 'transfer', request)),
    ).resolves.toBe(true);
    expect(service.sent).toHaveLength(0);
    expect(service.verified).toEqual([
      {
        challengeId: 'ch_1',
        code: '123456',
        purpose: 'transfer',
        subject: 'u-alice:pay',
        bind: { amount: '149.90' },
        phone: '+90 532 111 22 33',
      },
    ]);
    expect(getOtpVerification(request)).toEqual({
      challengeId: 'ch_1',
      purpose: 'transfer',
      subject: 'u-alice:pay',
      phone: '905321112233',
      binding: { amount: '149.90' },
      verifiedAt: expect.any(Date),
    });
    expect(JSON.stringify(getOtpVerification(request))).not.toContain('123456');
  });

  it('verifies once per request even when the guard runs twice (APP_GUARD + @RequireOtp())', async () => {
    const { guard, service, contextFor } = setup();
    service.verifyResult = {
      valid: true,
      challengeId: 'ch_1',
      purpose: 'login',
      subject: 'u-alice',
      phone: '905321112233',
    };
    const request: FakeRequest = {
      headers: { 'x-otp-challenge': 'ch_1', 'x-otp-code': '123456' },
      user: alice,
    };
    await guard.canActivate(contextFor(LoginController, 'confirm', request));
    await expect(guard.canActivate(contextFor(LoginController, 'confirm', request))).resolves.toBe(
      true,
    );
    expect(service.verified).toHaveLength(1);
  });

  it('refuses a valid code issued for another purpose or subject', async () => {
    const { guard, service, contextFor } = setup();
    const request = (): FakeRequest => ({
      headers: { 'x-otp-challenge': 'ch_1', 'x-otp-code': '123456' },
      user: alice,
    });
    service.verifyResult = {
      valid: true,
      challengeId: 'ch_1',
      purpose: 'payment',
      subject: 'u-alice',
      phone: '905321112233',
    };
    const wrongPurpose = await failure(
      guard.canActivate(contextFor(LoginController, 'confirm', request())),
    );
    expect(wrongPurpose).toBeInstanceOf(OtpRejectedException);
    expect((wrongPurpose as OtpRejectedException).getResponse()).toMatchObject({
      reason: 'invalid',
      attemptsLeft: 0,
    });
    service.verifyResult = {
      valid: true,
      challengeId: 'ch_1',
      purpose: 'login',
      subject: 'u-bob',
      phone: '905321112233',
    };
    const wrongSubject = await failure(
      guard.canActivate(contextFor(LoginController, 'confirm', request())),
    );
    expect(wrongSubject).toBeInstanceOf(OtpRejectedException);
  });

  it('maps refusals: invalid/expired/not_found → 401 with reason, locked → 429 with Retry-After', async () => {
    const { guard, service, headers, contextFor } = setup();
    const request = (): FakeRequest => ({
      headers: { 'x-otp-challenge': 'ch_1', 'x-otp-code': '000000' },
      user: alice,
    });
    for (const reason of ['invalid', 'expired', 'not_found'] as const) {
      service.verifyResult = { valid: false, reason, attemptsLeft: 3 };
      const error = await failure(
        guard.canActivate(contextFor(LoginController, 'confirm', request())),
      );
      expect(error).toBeInstanceOf(OtpRejectedException);
      expect((error as OtpRejectedException).getStatus()).toBe(401);
      expect((error as OtpRejectedException).getResponse()).toMatchObject({
        reason,
        attemptsLeft: 3,
      });
      expect(JSON.stringify((error as OtpRejectedException).getResponse())).not.toContain('000000');
    }
    service.verifyResult = {
      valid: false,
      reason: 'locked',
      attemptsLeft: 0,
      retryAfterSeconds: 120,
    };
    const locked = await failure(
      guard.canActivate(contextFor(LoginController, 'confirm', request())),
    );
    expect(locked).toBeInstanceOf(OtpLockedException);
    expect((locked as OtpLockedException).getStatus()).toBe(429);
    expect(headers['Retry-After']).toBe('120');
  });

  it('answers 400 when only one of challenge id and code is sent', async () => {
    const { guard, service, contextFor } = setup();
    const error = await failure(
      guard.canActivate(
        contextFor(LoginController, 'confirm', {
          headers: { 'x-otp-code': '123456' },
          user: alice,
        }),
      ),
    );
    expect(error).toBeInstanceOf(OtpBadRequestException);
    expect((error as OtpBadRequestException).message).toContain('x-otp-challenge');
    expect(service.verified).toHaveLength(0);
    expect(service.sent).toHaveLength(0);
  });

  it('reads custom headers and, when enabled, body fields — and removes those fields from the body', async () => {
    const { guard, service, contextFor } = setup({
      challengeHeader: 'X-Sms-Challenge',
      codeHeader: 'X-Sms-Code',
      bodyFields: true,
    });
    service.verifyResult = {
      valid: true,
      challengeId: 'ch_1',
      purpose: 'login',
      subject: 'u-alice',
      phone: '905321112233',
    };
    await guard.canActivate(
      contextFor(LoginController, 'confirm', {
        headers: { 'x-sms-challenge': 'ch_h', 'x-sms-code': '111111' },
        user: alice,
      }),
    );
    const body = { otpChallengeId: 'ch_b', otpCode: '222222', keep: 'me' };
    await guard.canActivate(
      contextFor(LoginController, 'confirm', { headers: {}, body, user: alice }),
    );
    expect(service.verified.map(({ challengeId, code }) => [challengeId, code])).toEqual([
      ['ch_h', '111111'],
      ['ch_b', '222222'],
    ]);
    expect(body).toEqual({ keep: 'me' });
  });

  it('ignores body fields unless enabled', async () => {
    const { guard, service, contextFor } = setup();
    const body = { otpChallengeId: 'ch_b', otpCode: '222222' };
    await failure(
      guard.canActivate(contextFor(LoginController, 'confirm', { headers: {}, body, user: alice })),
    );
    expect(service.verified).toHaveLength(0);
    expect(service.sent).toHaveLength(1);
  });

  it('never modifies the options given to @RequireOtp()', async () => {
    const options: RequireOtpOptions = { purpose: 'x' };
    const snapshot = { ...options };
    class Controller {
      @RequireOtp(options)
      handler(): void {}
    }
    const { guard, contextFor } = setup({ autoSend: false, subject: 's' });
    await failure(guard.canActivate(contextFor(Controller, 'handler', { headers: {} })));
    expect(options).toEqual(snapshot);
  });

  describe('translates the service’s errors', () => {
    const send = async (error: Error) => {
      const { guard, service, headers, contextFor } = setup();
      service.sendError = error;
      const thrown = await failure(
        guard.canActivate(contextFor(LoginController, 'confirm', { headers: {}, user: alice })),
      );
      return { thrown, headers };
    };

    it('a send limit → 429 with Retry-After', async () => {
      const { thrown, headers } = await send(new OtpRateLimitError('phone', 540));
      expect(thrown).toBeInstanceOf(OtpTooManyRequestsException);
      expect((thrown as OtpTooManyRequestsException).getStatus()).toBe(429);
      expect((thrown as OtpTooManyRequestsException).getResponse()).toMatchObject({
        retryAfterSeconds: 540,
      });
      expect(headers).toEqual({ 'Retry-After': '540' });
    });

    it('a limit error from another copy of the package (same code) → 429 as well', async () => {
      const foreign = Object.assign(new Error('rate limited'), {
        code: 'OTP_RATE_LIMITED',
        retryAfterSeconds: 7,
      });
      const { thrown, headers } = await send(foreign);
      expect(thrown).toBeInstanceOf(OtpTooManyRequestsException);
      expect(headers).toEqual({ 'Retry-After': '7' });
    });

    it.each([
      ['the store is down', new OtpStoreUnavailableError('connection refused')],
      ['the provider cannot be reached', new SmsConnectionError('ECONNREFUSED', false)],
      ['the provider refuses the account', new SmsProviderError('json', '500', 'server error')],
    ])('%s → 503, the cause kept for logs', async (_label, error) => {
      const { thrown } = await send(error);
      expect(thrown).toBeInstanceOf(OtpUnavailableException);
      expect((thrown as OtpUnavailableException).cause).toBe(error);
    });

    it('a phone the request carries that is not a mobile number → 400 with the service’s message', async () => {
      const error = new SmsValidationError(
        'INVALID_PHONE',
        'phone is not a phone number (12***)',
        'phone',
      );
      const { thrown } = await send(error);
      expect(thrown).toBeInstanceOf(OtpBadRequestException);
      expect((thrown as OtpBadRequestException).message).toBe(error.message);
    });

    it('a configuration error (wrong option, template placeholder without value) stays a 500', async () => {
      const option = new InvalidOptionsError('otp.secret', 'is required');
      expect((await send(option)).thrown).toBe(option);
      const template = new SmsValidationError(
        'OTP_TEMPLATE_INVALID',
        'The OTP message uses {payee}',
        'message',
      );
      expect((await send(template)).thrown).toBe(template);
      const unknown = new TypeError('bug');
      expect((await send(unknown)).thrown).toBe(unknown);
    });

    it.each([
      ['no OTP account configured', 'CHANNEL_NOT_CONFIGURED', 'channel'],
      ['a sender the API cannot carry', 'SENDER_NOT_SUPPORTED', 'sender'],
      ['an invalid default sender', 'INVALID_SENDER', 'sender'],
      ['a subject resolver giving an unusable value', 'INVALID_OTP_SUBJECT', 'subject'],
    ] as const)(
      'a server misconfiguration (%s, %s) stays a 500 and is not described to the client',
      async (_label, code, field) => {
        const error = new SmsValidationError(code, `server-side ${field} problem`, field);
        const { thrown, headers } = await send(error);
        expect(thrown).toBe(error);
        expect(headers).toEqual({});
      },
    );

    it('the store going down during verification → 503, nothing let through (fail closed)', async () => {
      const { guard, service, contextFor } = setup();
      service.verify = () => Promise.reject(new OtpStoreUnavailableError('timeout'));
      const request: FakeRequest = {
        headers: { 'x-otp-challenge': 'ch_1', 'x-otp-code': '123456' },
        user: alice,
      };
      const thrown = await failure(
        guard.canActivate(contextFor(LoginController, 'confirm', request)),
      );
      expect(thrown).toBeInstanceOf(OtpUnavailableException);
      expect(getOtpVerification(request)).toBeUndefined();
    });
  });
});
