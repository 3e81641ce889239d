import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import { type OtpVerification, OtpVerified, RequireOtp } from 'nestjs-posta-guvercini';
import { PaymentFoundGuard, type PaymentRequest } from './payment-found.guard.js';
import { type Payment, PaymentLedger } from './payment.ledger.js';

/** The fields the confirmation request carries: what the card holder is agreeing to. */
interface ConfirmationBody {
  amount?: unknown;
  currency?: unknown;
  payee?: unknown;
}

/** SMS of the 3-D Secure step: the amount and the payee, as PSD2 dynamic linking asks. */
const THREE_DS_MESSAGE =
  '{payee} için {amount} {currency} tutarındaki ödemeyi onaylama kodunuz: {code}. Bu kodu kimseyle paylaşmayın.';

/** Values bound to the code, recomputed from each confirmation request (never from the ledger). */
function bindingOf(request: PaymentRequest): Record<string, string> {
  const body = (request.body ?? {}) as ConfirmationBody;
  const text = (value: unknown): string =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  return { amount: text(body.amount), currency: text(body.currency), payee: text(body.payee) };
}

function summary(payment: Payment) {
  return {
    id: payment.id,
    merchant: payment.merchant,
    amount: payment.amount,
    currency: payment.currency,
    cardLast4: payment.cardLast4,
    status: payment.status,
    ...(payment.authorizedAt ? { authorizedAt: payment.authorizedAt.toISOString() } : {}),
  };
}

/** The demo shop's checkout: opens a card payment and shows it. */
@Controller('api/payments')
export class CheckoutController {
  constructor(private readonly ledger: PaymentLedger) {}

  /** The checkout: opens a payment and sends the buyer to the confirmation page. */
  @Post()
  @HttpCode(201)
  open(@Body() body: { merchant?: unknown; amount?: unknown; cardNumber?: unknown } | undefined) {
    const payment = this.ledger.open(body ?? {});
    return { ...summary(payment), next: `/checkout/confirm?payment=${payment.id}` };
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string) {
    const payment = this.ledger.find(id);
    if (payment === undefined) throw new NotFoundException('No such payment.');
    return summary(payment);
  }
}

/**
 * 3-D Secure confirmation of a card payment. The code the card holder receives is bound to the
 * amount, currency and payee of the request that asked for it and shown in the SMS; the request
 * carrying the code must present the same values, so an amount changed after the code was sent
 * is refused exactly like a wrong code.
 *
 * `PaymentFoundGuard` sits on the controller so that it runs before the handler's OTP guard.
 */
@Controller('api/payments/:id/confirm')
@UseGuards(PaymentFoundGuard)
export class PaymentConfirmationController {
  /** First call: sends the bound code (401 + challenge). Second call, with the code: authorizes. */
  @Post()
  @HttpCode(200)
  @RequireOtp<PaymentRequest>({
    purpose: '3ds',
    subject: (request) => request.payment.id,
    phone: (request) => request.payment.phone,
    bind: bindingOf,
    message: THREE_DS_MESSAGE,
  })
  confirm(@Req() request: PaymentRequest, @OtpVerified() otp: OtpVerification) {
    const { payment } = request;
    // The code proves the card holder saw and approved exactly these values (they were in the
    // SMS). They must also be the order's: a request tampered with before the code was even
    // sent got an SMS showing the wrong amount, which the holder should not have approved.
    const approved = otp.binding ?? {};
    if (
      approved.amount !== payment.amount ||
      approved.currency !== payment.currency ||
      approved.payee !== payment.merchant
    ) {
      throw new ConflictException(
        'The approved amount or payee differs from the order; the payment was not made.',
      );
    }
    payment.status = 'authorized';
    payment.authorizedAt = otp.verifiedAt;
    return { ...summary(payment), next: `/checkout/done?payment=${payment.id}` };
  }
}
