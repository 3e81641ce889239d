import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SampleSettings } from '../config/sample-settings.js';
import { fieldError } from '../field-error.js';

export type PaymentStatus = 'awaiting_confirmation' | 'authorized';

export interface Payment {
  readonly id: string;
  readonly merchant: string;
  /** Decimal string with two digits, e.g. `149.90`: the exact text shown and bound. */
  readonly amount: string;
  readonly currency: 'TRY';
  readonly cardLast4: string;
  /** The card holder's mobile number, where the 3-D Secure code goes. */
  readonly phone: string;
  status: PaymentStatus;
  readonly createdAt: Date;
  authorizedAt?: Date;
}

/** The demo card (a Luhn-valid test number) and its holder. */
export const DEMO_CARD = '4355 0843 5508 4358';

const MAX_PAYMENTS = 1_000;

/** Pending and authorized card payments of the demo shop (in memory). */
@Injectable()
export class PaymentLedger {
  private readonly payments = new Map<string, Payment>();

  constructor(private readonly settings: SampleSettings) {}

  /** Opens a payment for the checkout; validates everything a user typed. */
  open(input: { merchant?: unknown; amount?: unknown; cardNumber?: unknown }): Payment {
    const merchant = typeof input.merchant === 'string' ? input.merchant.trim() : '';
    if (merchant.length < 2 || merchant.length > 40) {
      throw fieldError('merchant', 'The merchant name must be 2 to 40 characters.');
    }
    const amount = parseAmount(input.amount);
    const card = typeof input.cardNumber === 'string' ? input.cardNumber.replace(/[\s-]/g, '') : '';
    if (card !== DEMO_CARD.replace(/\s/g, '')) {
      throw fieldError('cardNumber', `Unknown card. Use the demo card ${DEMO_CARD}.`);
    }
    if (this.payments.size >= MAX_PAYMENTS) {
      // Oldest first: a Map iterates in insertion order.
      this.payments.delete(this.payments.keys().next().value!);
    }
    const payment: Payment = {
      id: randomUUID(),
      merchant,
      amount,
      currency: 'TRY',
      cardLast4: card.slice(-4),
      phone: this.settings.customerPhone,
      status: 'awaiting_confirmation',
      createdAt: new Date(),
    };
    this.payments.set(payment.id, payment);
    return payment;
  }

  find(id: string): Payment | undefined {
    return this.payments.get(id);
  }
}

/** `149.9`, `149,90`, `1500` → `149.90`, `1500.00`; anything else is a 400. */
export function parseAmount(value: unknown): string {
  const text =
    typeof value === 'number'
      ? String(value)
      : typeof value === 'string'
        ? value.trim().replace(',', '.')
        : '';
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(text) || Number(text) <= 0) {
    throw fieldError(
      'amount',
      'The amount must be a positive number with at most two decimals, e.g. 149.90.',
    );
  }
  return Number(text).toFixed(2);
}
