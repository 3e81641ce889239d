import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { type OtpVerification, OtpVerified, RequireOtp } from 'nestjs-posta-guvercini';
import { BearerAuthGuard } from './sessions.js';

interface TransferBody {
  readonly amount?: string | number;
  readonly payee?: string;
}

/**
 * A money transfer that needs a second code, bound to its amount and payee: the first POST
 * (no code) sends an SMS showing them and answers 401 with the challenge; the retry with
 * `X-OTP-Challenge` and `X-OTP-Code` runs the handler, only for exactly that amount and payee.
 */
@Controller('transfers')
@UseGuards(BearerAuthGuard) // sets request.user; runs before the guard @RequireOtp() adds
export class TransfersController {
  @Post()
  @RequireOtp<{ body?: TransferBody }>({
    purpose: 'transfer',
    bind: (request) => ({
      amount: String(request.body?.amount ?? ''),
      currency: 'TRY',
      payee: String(request.body?.payee ?? ''),
    }),
  })
  transfer(@Body() body: TransferBody, @OtpVerified() otp: OtpVerification) {
    return { status: 'done', amount: body.amount, payee: body.payee, verifiedAt: otp.verifiedAt };
  }
}
