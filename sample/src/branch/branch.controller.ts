import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { SessionStore } from '../session/session.store.js';
import { CustomerDirectory } from './customer.directory.js';

/** Internet branch: password step, the signed-in customer, sign out. */
@Controller('api/branch')
export class BranchController {
  constructor(
    private readonly sessions: SessionStore,
    private readonly customers: CustomerDirectory,
  ) {}

  /** Step 1: customer number and password. On success the session owes the OTP step. */
  @Post('login')
  @HttpCode(200)
  login(
    @Body() body: { customerNo?: unknown; password?: unknown } | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): { next: string } {
    const customerNo = typeof body?.customerNo === 'string' ? body.customerNo.trim() : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    if (!/^\d{6,12}$/.test(customerNo) || password === '' || password.length > 128) {
      throw new BadRequestException('Enter your customer number (digits) and your password.');
    }
    const customer = this.customers.authenticate(customerNo, password);
    if (customer === undefined) {
      throw new UnauthorizedException('The customer number or the password is wrong.');
    }
    this.sessions.start(request, response, { pendingCustomerNo: customer.customerNo });
    return { next: '/branch/otp' };
  }

  /** The signed-in customer (after both factors). */
  @Get('me')
  me(@Req() request: Request) {
    const session = this.sessions.get(request);
    const customer =
      session?.customerNo === undefined ? undefined : this.customers.find(session.customerNo);
    if (customer === undefined || session?.signedInAt === undefined) {
      throw new UnauthorizedException('Not signed in.');
    }
    return {
      customerNo: customer.customerNo,
      name: customer.name,
      accounts: customer.accounts,
      signedInAt: session.signedInAt.toISOString(),
    };
  }

  @Post('logout')
  @HttpCode(204)
  logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): void {
    this.sessions.destroy(request, response);
  }
}
