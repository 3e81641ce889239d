import { HttpException } from '@nestjs/common';
import {
  OtpAccountLockedException,
  OtpBadRequestException,
  OtpLockedException,
  OtpRejectedException,
  OtpRequiredException,
  OtpTooManyRequestsException,
  OtpUnavailableException,
} from './otp-http.exceptions.js';

const challenge = {
  challengeId: 'ch_0123456789abcdef',
  expiresAt: new Date('2026-05-01T10:03:00.000Z'),
  resendAvailableAt: new Date('2026-05-01T10:00:30.000Z'),
  maskedPhone: '90532*****67',
  attemptsLeft: 5,
};

describe('OTP HTTP exceptions', () => {
  it('OtpRequiredException with a challenge: 401, the challenge in the body and WWW-Authenticate', () => {
    const exception = new OtpRequiredException(challenge);
    expect(exception).toBeInstanceOf(HttpException);
    expect(exception.getStatus()).toBe(401);
    expect(exception.getResponse()).toEqual({
      statusCode: 401,
      error: 'OTP required',
      message: expect.stringContaining('90532*****67'),
      challengeId: 'ch_0123456789abcdef',
      expiresAt: '2026-05-01T10:03:00.000Z',
      resendAvailableAt: '2026-05-01T10:00:30.000Z',
      maskedPhone: '90532*****67',
      attemptsLeft: 5,
    });
    expect(exception.headers).toEqual({
      'WWW-Authenticate': 'OTP challenge="ch_0123456789abcdef"',
    });
  });

  it('OtpRequiredException without a challenge asks for one and names none', () => {
    const exception = new OtpRequiredException();
    expect(exception.getStatus()).toBe(401);
    expect(exception.getResponse()).toEqual({
      statusCode: 401,
      error: 'OTP required',
      message: expect.stringContaining('Request a challenge'),
    });
    expect(exception.headers).toEqual({ 'WWW-Authenticate': 'OTP' });
  });

  it('the message can be overridden', () => {
    const exception = new OtpRequiredException(challenge, 'Telefonunuza gönderilen kodu girin.');
    expect(exception.getResponse()).toMatchObject({
      message: 'Telefonunuza gönderilen kodu girin.',
    });
    expect(exception.message).toBe('Telefonunuza gönderilen kodu girin.');
  });

  it('OtpRejectedException (invalid) reports attempts left and names a challenge that can still be answered', () => {
    const exception = new OtpRejectedException({
      reason: 'invalid',
      attemptsLeft: 3,
      challengeId: 'ch_1',
    });
    expect(exception.getStatus()).toBe(401);
    expect(exception.getResponse()).toEqual({
      statusCode: 401,
      error: 'OTP rejected',
      message: expect.stringContaining('3 attempts left'),
      reason: 'invalid',
      attemptsLeft: 3,
    });
    expect(exception.headers['WWW-Authenticate']).toBe('OTP challenge="ch_1", error="invalid"');
  });

  it('a used-up, expired or unknown challenge is not named again', () => {
    expect(
      new OtpRejectedException({ reason: 'invalid', attemptsLeft: 0, challengeId: 'ch_1' }).headers,
    ).toEqual({ 'WWW-Authenticate': 'OTP error="invalid"' });
    const expired = new OtpRejectedException({
      reason: 'expired',
      attemptsLeft: 4,
      challengeId: 'ch_1',
    });
    expect(expired.headers).toEqual({ 'WWW-Authenticate': 'OTP error="expired"' });
    expect(expired.getResponse()).toMatchObject({
      reason: 'expired',
      message: expect.stringContaining('expired'),
    });
    const unknown = new OtpRejectedException({
      reason: 'not_found',
      attemptsLeft: 0,
      challengeId: 'x',
    });
    expect(unknown.getResponse()).toMatchObject({ reason: 'not_found', attemptsLeft: 0 });
  });

  it('a client-supplied challenge id that is not a plain token never reaches a header', () => {
    const exception = new OtpRejectedException({
      reason: 'invalid',
      attemptsLeft: 2,
      challengeId: 'a", evil="1 ş',
    });
    expect(exception.headers).toEqual({ 'WWW-Authenticate': 'OTP error="invalid"' });
  });

  it('OtpLockedException: 429 with Retry-After in whole seconds (at least 1)', () => {
    const exception = new OtpLockedException({ retryAfterSeconds: 12.2 });
    expect(exception.getStatus()).toBe(429);
    expect(exception.getResponse()).toMatchObject({
      statusCode: 429,
      reason: 'locked',
      attemptsLeft: 0,
      retryAfterSeconds: 13,
    });
    expect(exception.headers).toEqual({ 'Retry-After': '13' });
    expect(new OtpLockedException({ retryAfterSeconds: 0 }).headers).toEqual({
      'Retry-After': '1',
    });
    expect(new OtpLockedException().headers).toEqual({});
  });

  it('OtpLockedException says which action to take; without a wait, no Retry-After', () => {
    expect(new OtpLockedException({ retryAfterSeconds: 90 }).getResponse()).toMatchObject({
      action: 'request_new_code',
      retryAfterSeconds: 90,
      message: expect.stringContaining('in 90 s'),
    });
    const now = new OtpLockedException();
    expect(now.getResponse()).toMatchObject({
      action: 'request_new_code',
      message: expect.stringContaining('now'),
    });
    expect(now.getResponse()).not.toHaveProperty('retryAfterSeconds');
  });

  it('OtpAccountLockedException: 429, Retry-After, reason account_locked, action wait', () => {
    const exception = new OtpAccountLockedException({ retryAfterSeconds: 86_399.2 });
    expect(exception.getStatus()).toBe(429);
    expect(exception.getResponse()).toMatchObject({
      statusCode: 429,
      reason: 'account_locked',
      action: 'wait',
      retryAfterSeconds: 86_400,
    });
    expect(exception.headers).toEqual({ 'Retry-After': '86400' });
  });

  it('OtpTooManyRequestsException: 429 with Retry-After', () => {
    const exception = new OtpTooManyRequestsException({ retryAfterSeconds: 30 });
    expect(exception.getStatus()).toBe(429);
    expect(exception.getResponse()).toMatchObject({ statusCode: 429, retryAfterSeconds: 30 });
    expect(exception.headers).toEqual({ 'Retry-After': '30' });
  });

  it('OtpUnavailableException: 503 and keeps the cause for logs', () => {
    const cause = new Error('store down');
    const exception = new OtpUnavailableException(undefined, { cause });
    expect(exception.getStatus()).toBe(503);
    expect(exception.cause).toBe(cause);
    expect(JSON.stringify(exception.getResponse())).not.toContain('store down');
  });

  it('OtpBadRequestException: 400 with the given message', () => {
    const exception = new OtpBadRequestException('Send both the challenge id and the code.');
    expect(exception.getStatus()).toBe(400);
    expect(exception.getResponse()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Send both the challenge id and the code.',
    });
  });
});
