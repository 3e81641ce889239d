// PLACEHOLDER — to be replaced by the real JsonTransport.
import { SmsTransport } from './sms-transport.js';
import type { CreditBalance, DeliveryReport, SendResult } from './sms-transport.types.js';
import type { WireTransportOptions } from './wire-transport.options.js';

export class JsonTransport extends SmsTransport {
  readonly name = 'json';
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
