// PLACEHOLDER — to be replaced by the real HttpTransport.
import { SmsTransport } from './sms-transport.js';
import type { CreditBalance, DeliveryReport, SendResult } from './sms-transport.types.js';
import type { WireTransportOptions } from './wire-transport.options.js';

export class HttpTransport extends SmsTransport {
  readonly name = 'http';
  constructor(readonly options: WireTransportOptions) {
    super();
  }
  send(): Promise<SendResult> {
    throw new Error('not implemented');
  }
  status(): Promise<DeliveryReport[]> {
    throw new Error('not implemented');
  }
  credit(): Promise<CreditBalance> {
    throw new Error('not implemented');
  }
}
