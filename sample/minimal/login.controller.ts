import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  HttpException,
  HttpStatus,
  Ip,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { OtpRateLimitError, OtpService, SmsValidationError } from 'nestjs-posta-guvercini';
import { Sessions } from './sessions.js';

interface SendCodeBody {
  readonly phone?: unknown;
}

interface VerifyCodeBody {
  readonly challengeId?: unknown;
  readonly code?: unknown;
  readonly phone?: unknown;
}

/**
 * Sign-in with a one-time password: `POST /login` sends a code to the phone number and answers
 * the challenge id; `POST /login/verify` checks the code and starts a session.
 */
@Controller('login')
export class LoginController {
  constructor(
    private readonly otp: OtpService,
    private readonly sessions: Sessions,
  ) {}

  @Post()
  @HttpCode(200)
  async send(@Body() body: SendCodeBody | undefined, @Ip() ip: string) {
    if (typeof body?.phone !== 'string') throw new BadRequestException('Give your phone number.');
    try {
      const challenge = await this.otp.send({ phone: body.phone, purpose: 'login', ip });
      return {
        challengeId: challenge.challengeId,
        expiresAt: challenge.expiresAt,
        maskedPhone: challenge.maskedPhone,
      }; // never the code
    } catch (error) {
      if (error instanceof OtpRateLimitError) {
        throw new HttpException(
          { message: error.message, retryAfterSeconds: error.retryAfterSeconds },
          HttpStatus.TOO_MANY_REQUESTS,
        );
      }
      if (error instanceof SmsValidationError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  @Post('verify')
  @HttpCode(200)
  async verify(@Body() body: VerifyCodeBody | undefined) {
    const { challengeId, code, phone } = body ?? {};
    if (typeof challengeId !== 'string' || typeof code !== 'string' || typeof phone !== 'string') {
      throw new BadRequestException('Give challengeId, code and phone.');
    }
    // `phone`: a code sent to another number is refused like a wrong one.
    const result = await this.otp.verify({ challengeId, code, phone, purpose: 'login' });
    if (!result.valid) {
      throw new UnauthorizedException({ reason: result.reason, attemptsLeft: result.attemptsLeft });
    }
    return { token: this.sessions.start({ id: result.phone, phone: result.phone }) };
  }
}
