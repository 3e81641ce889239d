import { Test } from '@nestjs/testing';
import { SmsConnectionError } from '../errors/transport.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { PostaGuverciniModule } from '../posta-guvercini.module.js';
import type { PostaGuverciniModuleOptions } from '../posta-guvercini.options.js';
import { InMemoryTransport } from '../transports/in-memory.transport.js';
import { SmsTransport } from '../transports/sms-transport.js';
import type {
  CreditBalance,
  DeliveryReport,
  SendResult,
  SmsChannel,
} from '../transports/sms-transport.types.js';
import { PostaGuverciniHealthIndicator } from './posta-guvercini.health.js';

/** A user-written transport whose accounts answer (or fail) as each test says. */
class ScriptedTransport extends SmsTransport {
  readonly name = 'scripted';
  readonly creditCalls: SmsChannel[] = [];
  constructor(private readonly answer: (channel: SmsChannel) => Promise<CreditBalance>) {
    super();
  }
  async send(): Promise<SendResult> {
    throw new Error('not used');
  }
  async status(): Promise<DeliveryReport[]> {
    return [];
  }
  credit(channel: SmsChannel): Promise<CreditBalance> {
    this.creditCalls.push(channel);
    return this.answer(channel);
  }
}

async function indicatorWith(options: PostaGuverciniModuleOptions) {
  const moduleRef = await Test.createTestingModule({
    imports: [PostaGuverciniModule.forRoot(options)],
    providers: [PostaGuverciniHealthIndicator],
  }).compile();
  return { moduleRef, indicator: moduleRef.get(PostaGuverciniHealthIndicator) };
}

describe('PostaGuverciniHealthIndicator', () => {
  it('is up with the balances when every account answers above the threshold', async () => {
    const { moduleRef, indicator } = await indicatorWith({
      transport: new InMemoryTransport({ credit: 5_000 }),
    });
    const result = await indicator.isHealthy('sms', { creditThreshold: 1_000 });
    expect(result).toEqual({
      sms: {
        status: 'up',
        otp: { answered: true, balance: 5_000, threshold: 1_000, lowCredit: false },
        bulk: { answered: true, balance: 5_000, threshold: 1_000, lowCredit: false },
      },
    });
    await moduleRef.close();
  });

  it('uses the key posta_guvercini by default and reports an unlimited balance as such', async () => {
    const { moduleRef, indicator } = await indicatorWith({ transport: 'memory' });
    const result = await indicator.isHealthy();
    expect(result.posta_guvercini.status).toBe('up');
    expect(result.posta_guvercini.otp).toEqual({
      answered: true,
      balance: 'unlimited',
      lowCredit: false,
    });
    await moduleRef.close();
  });

  it('warns (degraded) below the threshold and names the low account', async () => {
    const transport = new ScriptedTransport(async (channel) => ({
      channel,
      balance: channel === 'otp' ? 90 : 50_000,
    }));
    const { moduleRef, indicator } = await indicatorWith({ transport });
    const result = await indicator.isHealthy('sms', {
      creditThreshold: { otp: 100, bulk: 10_000 },
    });
    expect(result.sms.status).toBe('degraded');
    expect(result.sms.otp).toEqual({
      answered: true,
      balance: 90,
      threshold: 100,
      lowCredit: true,
    });
    expect(result.sms.bulk).toMatchObject({ balance: 50_000, lowCredit: false });
    expect(result.sms.message).toMatch(/low on the otp account/);
    await moduleRef.close();
  });

  it('shows an account without credit as waiting for credit (status 110), even without a threshold', async () => {
    const transport = new ScriptedTransport(async (channel) => ({
      channel,
      balance: channel === 'otp' ? 0 : 50_000,
    }));
    const { moduleRef, indicator } = await indicatorWith({ transport });
    const degraded = await indicator.isHealthy('sms');
    expect(degraded.sms).toEqual({
      status: 'degraded',
      otp: { answered: true, balance: 0, lowCredit: true, waitingForCredit: true },
      bulk: { answered: true, balance: 50_000, lowCredit: false },
      message:
        'Posta Güvercini has no credit on the otp account: nothing is sent until it is topped up (messages accepted meanwhile wait with status 110, waiting_credit)',
    });
    const down = await indicator.isHealthy('sms', { lowCredit: 'down' });
    expect(down.sms.status).toBe('down');
    await moduleRef.close();
  });

  it("is down below the threshold when lowCredit is 'down'", async () => {
    const { moduleRef, indicator } = await indicatorWith({
      transport: new InMemoryTransport({ credit: 10 }),
    });
    const result = await indicator.isHealthy('sms', { creditThreshold: 11, lowCredit: 'down' });
    expect(result.sms.status).toBe('down');
    expect(result.sms.message).toMatch(/otp and bulk accounts/);
    await moduleRef.close();
  });

  it('is down when an account does not answer, with the typed error code and no secret', async () => {
    const transport = new ScriptedTransport(async (channel) => {
      if (channel === 'bulk') throw new SmsConnectionError('ECONNREFUSED 127.0.0.1:9', false);
      return { channel, balance: 1_000 };
    });
    const { moduleRef, indicator } = await indicatorWith({ transport });
    const result = await indicator.isHealthy('sms');
    expect(result.sms.status).toBe('down');
    expect(result.sms.bulk).toEqual({
      answered: false,
      error: 'TRANSPORT_CONNECTION',
      message: 'Connection to Posta Güvercini failed: ECONNREFUSED 127.0.0.1:9',
    });
    expect(result.sms.otp).toMatchObject({ answered: true, balance: 1_000 });
    expect(result.sms.message).toMatch(/bulk account: Connection to Posta Güvercini failed/);
    await moduleRef.close();
  });

  it("hides a foreign error's message (it may hold a secret) and shows its class", async () => {
    const transport = new ScriptedTransport(async () => {
      throw new TypeError('GET https://user:hunter2@example.test failed');
    });
    const { moduleRef, indicator } = await indicatorWith({ transport });
    const result = await indicator.isHealthy('sms', { channels: ['otp'] });
    expect(result.sms.status).toBe('down');
    expect(JSON.stringify(result)).not.toContain('hunter2');
    expect(result.sms.otp).toEqual({
      answered: false,
      error: 'UNKNOWN',
      message: 'unexpected TypeError from the transport',
    });
    await moduleRef.close();
  });

  it('is down when an account does not answer within timeoutMs', async () => {
    let release!: () => void;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const transport = new ScriptedTransport(async (channel) => {
      await hanging;
      return { channel, balance: 1 };
    });
    const { moduleRef, indicator } = await indicatorWith({ transport });
    const result = await indicator.isHealthy('sms', { timeoutMs: 20, channels: ['otp'] });
    release();
    expect(result.sms).toEqual({
      status: 'down',
      otp: { answered: false, error: 'HEALTH_TIMEOUT', message: 'no credit balance within 20 ms' },
      message: 'Posta Güvercini did not answer (otp account: no credit balance within 20 ms)',
    });
    await moduleRef.close();
  });

  it('asks only the accounts configured in the module options', async () => {
    const transport = new ScriptedTransport(async (channel) => ({ channel, balance: 1 }));
    const { moduleRef, indicator } = await indicatorWith({
      transport,
      accounts: { bulk: { username: 'bulk-user', password: 'bulk-secret' } },
    });
    const result = await indicator.isHealthy('sms');
    expect(transport.creditCalls).toEqual(['bulk']);
    expect(Object.keys(result.sms).sort()).toEqual(['bulk', 'status']);
    await moduleRef.close();
  });

  it.each([
    [{ channels: [] }, 'channels'],
    [{ channels: ['sms'] as unknown as SmsChannel[] }, 'channels'],
    [{ creditThreshold: -1 }, 'creditThreshold'],
    [{ creditThreshold: { otp: Number.NaN } }, 'creditThreshold'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ lowCredit: 'warn' as 'down' }, 'lowCredit'],
  ])('refuses wrong options %j with a validation error naming %s', async (options, field) => {
    const { moduleRef, indicator } = await indicatorWith({ transport: 'memory' });
    const error = await indicator.isHealthy('sms', options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsValidationError);
    expect((error as SmsValidationError).field).toBe(field);
    await moduleRef.close();
  });
});
