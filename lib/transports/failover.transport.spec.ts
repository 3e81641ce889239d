import { SmsProviderError } from '../errors/provider.error.js';
import {
  SmsCircuitOpenError,
  SmsConnectionError,
  SmsHttpStatusError,
  SmsNotSentError,
  SmsPartialSendError,
  SmsTimeoutError,
} from '../errors/transport.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { FailoverTransport } from './failover.transport.js';
import { SmsTransport } from './sms-transport.js';
import type {
  CreditBalance,
  DeliveryReport,
  OneToManySendRequest,
  SendRequest,
  SendResult,
  SmsChannel,
  StatusRequest,
} from './sms-transport.types.js';

type Step = Error | 'ok';

/** A transport that follows a script: each call takes the next step (the last one repeats). */
class ScriptedTransport extends SmsTransport {
  readonly sends: SendRequest[] = [];
  queries = 0;
  closed = false;

  constructor(
    readonly name: string,
    private readonly steps: Step[] = ['ok'],
  ) {
    super();
  }

  private next(): Step {
    return this.steps.length > 1 ? this.steps.shift()! : this.steps[0]!;
  }

  async send(request: SendRequest): Promise<SendResult> {
    this.sends.push(request);
    const step = this.next();
    if (step !== 'ok') throw step;
    const to = 'to' in request ? request.to : request.messages.map((m) => m.to);
    return {
      recipients: to.map((number, i) => ({
        to: number,
        status: 'accepted',
        messageId: `${this.name}-${i}`,
      })),
      credits: to.length,
      requests: 1,
      providerCodes: [this.name],
    };
  }

  async status(request: StatusRequest): Promise<DeliveryReport[]> {
    this.queries++;
    const step = this.next();
    if (step !== 'ok') throw step;
    return request.messageIds.map((messageId) => ({
      messageId,
      status: 'delivered',
      final: true,
      providerCode: '400',
      description: this.name,
    }));
  }

  async credit(channel: SmsChannel): Promise<CreditBalance> {
    this.queries++;
    const step = this.next();
    if (step !== 'ok') throw step;
    return { channel, balance: this.name.length };
  }

  override async close(): Promise<void> {
    this.closed = true;
  }
}

const request: OneToManySendRequest = {
  channel: 'otp',
  to: ['905321234567'],
  text: 'Kodunuz 123456',
};
const refused = () => new SmsConnectionError('connection refused (ECONNREFUSED)', false);
const timeout = () => new SmsTimeoutError(200, true);

describe('FailoverTransport', () => {
  it('moves a send on after a failure that provably sent nothing', async () => {
    const primary = new ScriptedTransport('primary', [refused()]);
    const secondary = new ScriptedTransport('secondary');
    const result = await new FailoverTransport([primary, secondary]).send(request);
    expect(result.recipients).toEqual([
      { to: '905321234567', status: 'accepted', messageId: 'secondary-0' },
    ]);
    expect(primary.sends).toHaveLength(1);
    expect(secondary.sends).toEqual([request]);
  });

  it('moves on after a 503 and after a provider outage code', async () => {
    for (const failure of [
      new SmsHttpStatusError(503),
      new SmsProviderError('http', '-2001'),
      new SmsProviderError('xml', 'ERR1010'),
    ]) {
      const secondary = new ScriptedTransport('secondary');
      await new FailoverTransport([new ScriptedTransport('primary', [failure]), secondary]).send(
        request,
      );
      expect(secondary.sends).toHaveLength(1);
    }
  });

  it('never re-sends a request that may have been accepted', async () => {
    for (const failure of [
      timeout(),
      new SmsHttpStatusError(500),
      // A gateway answered: it may already have forwarded the request to the provider.
      new SmsHttpStatusError(502),
      new SmsHttpStatusError(504),
      new SmsConnectionError('reset', true),
    ]) {
      const secondary = new ScriptedTransport('secondary');
      const error = await new FailoverTransport([
        new ScriptedTransport('primary', [failure]),
        secondary,
      ])
        .send(request)
        .catch((e: unknown) => e);
      expect(error).toBe(failure);
      expect(secondary.sends).toHaveLength(0);
    }
  });

  it('re-sends a maybe-accepted request only when resendWhenMaybeAccepted is set', async () => {
    const secondary = new ScriptedTransport('secondary');
    const failover = new FailoverTransport(
      [new ScriptedTransport('primary', [timeout()]), secondary],
      { resendWhenMaybeAccepted: true },
    );
    await expect(failover.send(request)).resolves.toMatchObject({ providerCodes: ['secondary'] });
    expect(secondary.sends).toHaveLength(1);
  });

  it('does not fail over provider application errors or validation errors', async () => {
    const failures = [
      new SmsProviderError('http', '-1003', 'GSM no geçersiz'),
      new SmsProviderError('http', '-1002'),
      new SmsProviderError('json', '1070'),
      new SmsProviderError('http', '20'),
      new SmsValidationError('INVALID_PHONE', 'to[0] is not a number', 'to[0]'),
    ];
    for (const failure of failures) {
      const secondary = new ScriptedTransport('secondary');
      const error = await new FailoverTransport([
        new ScriptedTransport('primary', [failure]),
        secondary,
      ])
        .send(request)
        .catch((e: unknown) => e);
      expect(error).toBe(failure);
      expect(secondary.sends).toHaveLength(0);
    }
  });

  it('retries status and credit queries on the next transport, even after a maybe-accepted failure', async () => {
    const primary = new ScriptedTransport('primary', [timeout(), new SmsHttpStatusError(500)]);
    const secondary = new ScriptedTransport('second');
    const failover = new FailoverTransport([primary, secondary]);
    await expect(failover.status({ channel: 'otp', messageIds: ['C1_A'] })).resolves.toMatchObject([
      { description: 'second' },
    ]);
    await expect(failover.credit('bulk')).resolves.toEqual({ channel: 'bulk', balance: 6 });
  });

  it('throws the last error when every transport fails', async () => {
    const last = refused();
    const error = await new FailoverTransport([
      new ScriptedTransport('a', [refused()]),
      new ScriptedTransport('b', [last]),
    ])
      .send(request)
      .catch((e: unknown) => e);
    expect(error).toBe(last);
  });

  it('opens a breaker after `threshold` consecutive outages, skips the member, and closes it after a good trial', async () => {
    const primary = new ScriptedTransport('primary', [refused(), refused(), 'ok']);
    const secondary = new ScriptedTransport('secondary');
    const failover = new FailoverTransport([primary, secondary], {
      breaker: { threshold: 2, halfOpenAfterMs: 250 },
    });

    await failover.send(request);
    expect(failover.states).toEqual(['closed', 'closed']);
    await failover.send(request);
    expect(failover.states).toEqual(['open', 'closed']);

    await failover.send(request); // primary skipped while open
    expect(primary.sends).toHaveLength(2);
    expect(secondary.sends).toHaveLength(3);

    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = await failover.send(request); // the trial goes to the primary and succeeds
    expect(result.providerCodes).toEqual(['primary']);
    expect(primary.sends).toHaveLength(3);
    expect(failover.states).toEqual(['closed', 'closed']);
  });

  it('does not count application errors against the breaker', async () => {
    const primary = new ScriptedTransport('primary', [new SmsProviderError('http', '-1003')]);
    const failover = new FailoverTransport([primary, new ScriptedTransport('secondary')], {
      breaker: { threshold: 1 },
    });
    await failover.send(request).catch(() => undefined);
    await failover.send(request).catch(() => undefined);
    expect(failover.states).toEqual(['closed', 'closed']);
    expect(primary.sends).toHaveLength(2);
  });

  it('throws SmsCircuitOpenError when every breaker is open', async () => {
    const failover = new FailoverTransport(
      [new ScriptedTransport('a', [refused()]), new ScriptedTransport('b', [refused()])],
      {
        breaker: { threshold: 1, halfOpenAfterMs: 60_000 },
      },
    );
    await expect(failover.send(request)).rejects.toBeInstanceOf(SmsConnectionError);
    const error = await failover.send(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsCircuitOpenError);
    expect(error).toMatchObject({ maybeAccepted: false, transports: ['0:a', '1:b'] });
  });

  it('sends only the not-sent recipients of a partial failure through the next transport and merges', async () => {
    const to = ['905320000001', '905320000002', '905320000003', '905320000004'];
    const notSent = new SmsNotSentError('request 3 of 3 was not made');
    const partial = new SmsPartialSendError(
      {
        recipients: [
          { to: to[0]!, status: 'accepted', messageId: 'p-0' },
          { to: to[1]!, status: 'failed', error: timeout() },
          { to: to[2]!, status: 'failed', error: notSent },
          { to: to[3]!, status: 'failed', error: notSent },
        ],
        credits: 1,
        requests: 2,
        providerCodes: ['primary'],
      },
      timeout(),
    );
    const secondary = new ScriptedTransport('secondary');
    const error = await new FailoverTransport([
      new ScriptedTransport('primary', [partial]),
      secondary,
    ])
      .send({ channel: 'bulk', to, text: 'Kampanya' })
      .catch((e: unknown) => e);
    expect(secondary.sends).toEqual([{ channel: 'bulk', to: [to[2], to[3]], text: 'Kampanya' }]);
    // The maybe-accepted recipient is still reported failed, so the result is still partial.
    expect(error).toBeInstanceOf(SmsPartialSendError);
    const result = (error as SmsPartialSendError).result;
    expect(result.recipients.map((r) => r.status)).toEqual([
      'accepted',
      'failed',
      'accepted',
      'accepted',
    ]);
    expect(result.recipients[2]).toMatchObject({ messageId: 'secondary-0' });
    expect(result).toMatchObject({
      credits: 3,
      requests: 3,
      providerCodes: ['primary', 'secondary'],
    });
  });

  it('closes every member', async () => {
    const members = [new ScriptedTransport('a'), new ScriptedTransport('b')];
    await new FailoverTransport(members).close();
    expect(members.map((m) => m.closed)).toEqual([true, true]);
  });

  it('refuses an empty member list', () => {
    expect(() => new FailoverTransport([])).toThrow(/non-empty array/);
  });
});
