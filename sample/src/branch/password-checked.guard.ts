import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { SessionStore } from '../session/session.store.js';
import { type Customer, CustomerDirectory } from './customer.directory.js';

/** A request whose customer passed the password step (set by `PasswordCheckedGuard`). */
export interface PasswordCheckedRequest extends Request {
  customer: Customer;
}

/**
 * First factor: lets through only a session whose customer entered the right password, and
 * puts that customer on the request, where `@RequireOtp()` finds the phone and the subject.
 * Used on the controller, so it runs before the OTP guard of the handler.
 */
@Injectable()
export class PasswordCheckedGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionStore,
    private readonly customers: CustomerDirectory,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<PasswordCheckedRequest>();
    const customerNo = this.sessions.get(request)?.pendingCustomerNo;
    const customer = customerNo === undefined ? undefined : this.customers.find(customerNo);
    if (customer === undefined) {
      throw new UnauthorizedException('Sign in with your customer number and password first.');
    }
    request.customer = customer;
    return true;
  }
}
