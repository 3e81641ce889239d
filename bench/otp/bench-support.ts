// What bench/otp's two scripts (otp.bench.ts, verify-focus.ts) share: a transport that keeps
// the codes it is given, and a pool that runs tasks at a fixed concurrency.
import { SmsTransport } from '../../lib/transports/sms-transport.js';
import type {
  CreditBalance,
  DeliveryReport,
  SendRequest,
  SendResult,
} from '../../lib/transports/sms-transport.types.js';

/** Keeps the last code sent per number: the benchmarks measure verification, not an outbox. */
export class CodeCaptureTransport extends SmsTransport {
  readonly name = 'bench-capture';
  readonly codes = new Map<string, string>();
  private sent = 0;

  async send(request: SendRequest): Promise<SendResult> {
    if (!('to' in request)) throw new Error('unexpected N-N send');
    const to = request.to[0]!;
    this.codes.set(to, /(?<!\d)(\d{6})(?!\d)/.exec(request.text)![1]!);
    return {
      recipients: [{ to, status: 'accepted', messageId: `B${++this.sent}` }],
      credits: 1,
      requests: 1,
      providerCodes: [],
    };
  }
  async status(): Promise<DeliveryReport[]> {
    return [];
  }
  async credit(channel: 'otp' | 'bulk'): Promise<CreditBalance> {
    return { channel, balance: 0 };
  }
}

/** Runs `task(0 … total - 1)`, `concurrency` at a time; the wall seconds it took. */
export async function pool(
  total: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      for (let i = next++; i < total; i = next++) await task(i);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}
