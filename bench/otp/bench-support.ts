// What bench/otp's two scripts (otp.bench.ts, verify-focus.ts) share: a transport that keeps
// the codes it is given, a pool that runs tasks at a fixed concurrency, and the Redis store
// alone as both measure it.
import { OtpHasher } from '../../lib/otp/otp-code.js';
import type {
  OtpLockoutPolicy,
  OtpRateLimitHit,
  OtpStore,
} from '../../lib/otp/stores/otp.store.js';
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

/**
 * The Redis store alone, like for like with the floors: the HMAC OtpService computes for a code
 * with no binding, then one `attempt()` with the candidate as the service builds it (same
 * fields, so the same object shape). Rejects unless the code is accepted.
 */
export class StoreAloneVerify {
  private readonly hasher: OtpHasher;
  private readonly emptyBinding: string;

  constructor(
    private readonly store: OtpStore,
    secret: Buffer,
    private readonly lockout: OtpLockoutPolicy | undefined,
  ) {
    this.hasher = new OtpHasher(secret);
    this.emptyBinding = this.hasher.bindingDigest('{"s":null,"b":[]}');
  }

  async verify(challengeId: string, code: string, purpose: string): Promise<void> {
    const outcome = await this.store.attempt(
      challengeId,
      {
        codeHash: this.hasher.codeHash(challengeId, code, this.emptyBinding),
        purpose,
        newCodeLimits: NO_LIMITS,
      },
      Date.now(),
      this.lockout,
    );
    if (outcome.status !== 'valid') throw new Error(`store alone: ${outcome.status}`);
  }
}

const NO_LIMITS: readonly OtpRateLimitHit[] = [];
