import {
  type CanActivate,
  ConflictException,
  type ExecutionContext,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { Request } from 'express';
import { type Payment, PaymentLedger } from './payment.ledger.js';

/** A request for a payment still awaiting confirmation (set by `PaymentFoundGuard`). */
export interface PaymentRequest extends Request<{ id: string }> {
  payment: Payment;
}

/**
 * Finds the payment named in the route before the OTP guard runs: the guard sends the code to
 * the card holder's phone and binds it to this payment.
 */
@Injectable()
export class PaymentFoundGuard implements CanActivate {
  constructor(private readonly ledger: PaymentLedger) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<PaymentRequest>();
    const payment = this.ledger.find(request.params.id);
    if (payment === undefined) throw new NotFoundException('No such payment.');
    if (payment.status !== 'awaiting_confirmation') {
      throw new ConflictException('This payment is already confirmed.');
    }
    request.payment = payment;
    return true;
  }
}
