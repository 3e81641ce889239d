import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SampleSettings } from '../config/sample-settings.js';

export interface BankAccount {
  readonly iban: string;
  readonly name: string;
  readonly balance: string;
  readonly currency: 'TRY';
}

export interface Customer {
  readonly customerNo: string;
  readonly name: string;
  /** Mobile number the one-time passwords go to. */
  readonly phone: string;
  readonly accounts: readonly BankAccount[];
}

interface StoredCustomer extends Customer {
  readonly salt: Buffer;
  readonly passwordHash: Buffer;
}

/** The demo credentials, shown on the login page in the development modes. */
export const DEMO_CUSTOMER_NO = '10000001';
export const DEMO_PASSWORD = 'demo1234';

/**
 * The bank's customer records (one demo customer). Passwords are kept as scrypt hashes and
 * compared in constant time, also for unknown customer numbers, so the answer time does not
 * tell which customer numbers exist.
 */
@Injectable()
export class CustomerDirectory {
  private readonly customers = new Map<string, StoredCustomer>();
  private readonly dummy = { salt: randomBytes(16), passwordHash: randomBytes(32) };

  constructor(settings: SampleSettings) {
    const salt = randomBytes(16);
    this.customers.set(DEMO_CUSTOMER_NO, {
      customerNo: DEMO_CUSTOMER_NO,
      name: 'Ayşe Yılmaz',
      phone: settings.customerPhone,
      accounts: [
        {
          iban: 'TR12 0006 2000 1234 0006 2987 65',
          name: 'Vadesiz TL',
          balance: '24,318.40',
          currency: 'TRY',
        },
        {
          iban: 'TR56 0006 2000 1234 0009 8765 43',
          name: 'Birikim',
          balance: '152,000.00',
          currency: 'TRY',
        },
      ],
      salt,
      passwordHash: hash(DEMO_PASSWORD, salt),
    });
  }

  /** The customer when the password matches, otherwise `undefined` (same work either way). */
  authenticate(customerNo: string, password: string): Customer | undefined {
    const stored = this.customers.get(customerNo);
    const { salt, passwordHash } = stored ?? this.dummy;
    const matches = timingSafeEqual(hash(password, salt), passwordHash);
    return stored !== undefined && matches ? stored : undefined;
  }

  find(customerNo: string): Customer | undefined {
    return this.customers.get(customerNo);
  }
}

function hash(password: string, salt: Buffer): Buffer {
  return scryptSync(password.normalize('NFKC'), salt, 32);
}
