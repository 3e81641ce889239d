import { Module } from '@nestjs/common';
import { CheckoutController, PaymentConfirmationController } from './checkout.controller.js';
import { PaymentFoundGuard } from './payment-found.guard.js';
import { PaymentLedger } from './payment.ledger.js';

/** Card checkout with 3-D Secure confirmation bound to the amount and the payee. */
@Module({
  controllers: [CheckoutController, PaymentConfirmationController],
  providers: [PaymentLedger, PaymentFoundGuard],
})
export class CheckoutModule {}
