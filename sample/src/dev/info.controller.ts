import { Controller, Get } from '@nestjs/common';
import { SampleSettings } from '../config/sample-settings.js';
import { DEMO_CUSTOMER_NO, DEMO_PASSWORD } from '../branch/customer.directory.js';
import { DEMO_CARD } from '../checkout/payment.ledger.js';
import { SmsBackend } from './sms-backend.js';

/** What the pages show in their header: the mode, the demo credentials, what is available. */
@Controller('api/info')
export class InfoController {
  constructor(
    private readonly settings: SampleSettings,
    private readonly backend: SmsBackend,
  ) {}

  @Get()
  info() {
    return {
      mode: this.settings.mode,
      backend: this.backend.describe(),
      features: {
        otp: this.settings.hasOtp,
        bulk: this.settings.hasBulk,
        outbox: this.settings.hasOutbox,
      },
      demo: { customerNo: DEMO_CUSTOMER_NO, password: DEMO_PASSWORD, card: DEMO_CARD },
    };
  }
}
