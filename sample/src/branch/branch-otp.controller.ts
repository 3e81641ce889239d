import { Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { type OtpVerification, OtpVerified, RequireOtp } from 'nestjs-posta-guvercini';
import { SessionStore } from '../session/session.store.js';
import { PasswordCheckedGuard, type PasswordCheckedRequest } from './password-checked.guard.js';

/**
 * Step 2 of the internet-branch login: a one-time password to the customer's phone.
 *
 * The first POST (no code) makes `@RequireOtp()` send a code and answer 401 with the challenge
 * id; the page then repeats the POST with `X-OTP-Challenge` and `X-OTP-Code`. Only then does
 * the handler run and the customer get a signed-in session.
 */
@Controller('api/branch/otp')
@UseGuards(PasswordCheckedGuard)
export class BranchOtpController {
  constructor(private readonly sessions: SessionStore) {}

  @Post()
  @HttpCode(200)
  @RequireOtp<PasswordCheckedRequest>({
    purpose: 'branch-login',
    phone: (request) => request.customer.phone,
    subject: (request) => request.customer.customerNo,
  })
  verify(
    @Req() request: PasswordCheckedRequest,
    @Res({ passthrough: true }) response: Response,
    @OtpVerified() otp: OtpVerification,
  ): { next: string } {
    this.sessions.start(request, response, {
      customerNo: request.customer.customerNo,
      signedInAt: otp.verifiedAt,
    });
    return { next: '/branch/account' };
  }
}
