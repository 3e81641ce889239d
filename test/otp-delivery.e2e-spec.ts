// Issue 11.1: challenge status and delivery tracking (otp.trackDelivery) against the
// simulator's status lifecycle (200 → 300 → 400 delivered, or 412 for an unreachable number),
// with one injected clock for the services and the simulator, and two app instances sharing
// one Redis: the instance that sent polls and writes, the other reads the same status.
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import {
  InMemoryTransport,
  JsonTransport,
  MemoryOtpStore,
  OtpStore,
  OtpService,
  PostaGuverciniModule,
  RedisOtpStore,
  type OtpModuleOptions,
  type DeliveryReport,
  type StatusRequest,
} from '../lib/index.js';
import { type OtpDeliveryEvent } from '../lib/otp/otp.events.js';
import { otpOptionsFactory } from '../lib/otp/otp.providers.js';
import { PostaGuverciniSimulator } from '../lib/testing/index.js';
import {
  ManualClock,
  PHONE,
  REDIS_URL,
  TEST_SECRET,
  deleteKeys,
  uniquePrefix,
} from './otp-fixtures.js';

const UNREACHABLE = '905337654321';
/** Fast polls: these tests wait for events, never for time. */
const TRACKING = { initialDelayMs: 5, maxDelayMs: 20, factor: 2 };

/** Waits until `check` holds (polling the real event loop); fails after 10 s. */
async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('condition not reached');
}

function next<T>(service: OtpService, name: 'delivered' | 'undelivered'): Promise<T> {
  return new Promise((resolve) => service.events.once(name, resolve as (e: unknown) => void));
}

describe('delivery tracking with two instances on one Redis', () => {
  const clock = new ManualClock(Date.now());
  const sim = new PostaGuverciniSimulator({ now: () => new Date(clock.now) });
  const prefix = uniquePrefix('delivery');
  let redis: Redis;
  const closers: Array<() => Promise<unknown>> = [];

  /** One app instance: its own transport and Redis connection, the shared key prefix. */
  function instance(otp: OtpModuleOptions): OtpService {
    const transport = new JsonTransport({ accounts: sim.accounts, allowInsecureHttp: true });
    const store = new RedisOtpStore({ client: redis, keyPrefix: prefix, clock: 'service' });
    const service = new OtpService(
      transport,
      otpOptionsFactory({ transport, otp: { secret: TEST_SECRET, clock: clock.read, ...otp } }),
      store,
    );
    closers.push(
      () => service.onApplicationShutdown(),
      () => transport.close(),
    );
    return service;
  }

  beforeAll(async () => {
    await sim.start();
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    sim.clearUndeliverable();
  });
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
    await sim.stop();
  });

  it('delivered: the sending instance polls until the final status; both see it; delivered event and hook', async () => {
    const hooked: OtpDeliveryEvent[] = [];
    const a = instance({
      trackDelivery: TRACKING,
      hooks: { onDelivered: (event) => void hooked.push(event) },
    });
    const b = instance({});
    const heardByB: unknown[] = [];
    b.events.on('delivered', (event) => heardByB.push(event));
    const delivered = next<OtpDeliveryEvent>(a, 'delivered');

    const { challengeId } = await a.send({ phone: PHONE, purpose: 'login' });
    expect(a.trackedDeliveries).toBe(1);
    // The simulator answers 200 (pending) at acceptance: written by A, read by B.
    await until(async () => (await b.status(challengeId))?.delivery === 'pending');
    await expect(b.status(challengeId)).resolves.toMatchObject({
      state: 'pending',
      maskedPhone: '+90 532 *** ** 67',
      deliveryCheckedAt: expect.any(Date),
    });

    clock.advance(2_000); // 300: sent to the SMSC
    await until(async () => (await b.status(challengeId))?.delivery === 'sent');
    clock.advance(2_000); // 400|1: delivered
    const event = await delivered;
    expect(event).toMatchObject({
      challengeId,
      purpose: 'login',
      maskedPhone: '+90 532 *** ** 67',
      status: 'delivered',
      providerCode: '400',
      messageId: sim.lastMessageTo(PHONE)!.id,
      at: new Date(clock.now),
    });
    expect(hooked).toEqual([event]);
    const [fromA, fromB] = await Promise.all([a.status(challengeId), b.status(challengeId)]);
    expect(fromB).toEqual(fromA);
    expect(fromB).toMatchObject({ delivery: 'delivered', state: 'pending' });
    await until(() => a.trackedDeliveries === 0);
    expect(heardByB).toEqual([]);
  });

  it('undelivered: an unreachable number ends 412; the status says so on the other instance', async () => {
    sim.setUndeliverable(UNREACHABLE);
    const a = instance({ trackDelivery: TRACKING });
    const b = instance({});
    const undelivered = next<OtpDeliveryEvent>(a, 'undelivered');
    const { challengeId } = await a.send({ phone: UNREACHABLE });
    await until(async () => (await b.status(challengeId))?.delivery === 'pending');
    clock.advance(4_000);
    await expect(undelivered).resolves.toMatchObject({
      challengeId,
      status: 'undelivered',
      providerCode: '412',
      maskedPhone: '+90 533 *** ** 21',
    });
    await expect(b.status(challengeId)).resolves.toMatchObject({ delivery: 'undelivered' });
    await until(() => a.trackedDeliveries === 0);
  });

  it('a resend is tracked anew: the first SMS status is not written over the second', async () => {
    const a = instance({ trackDelivery: TRACKING, resendCooldownSeconds: 0 });
    const { challengeId } = await a.send({ phone: PHONE });
    await until(async () => (await a.status(challengeId))?.delivery === 'pending');
    clock.advance(4_000);
    await until(async () => (await a.status(challengeId))?.delivery === 'delivered');
    await a.resend(challengeId);
    // The resend's SMS starts over: unknown, then pending (its own message id).
    await expect(a.status(challengeId)).resolves.toMatchObject({ delivery: 'unknown' });
    await until(async () => (await a.status(challengeId))?.delivery === 'pending');
    expect(a.trackedDeliveries).toBe(1);
  });

  it('is off by default', async () => {
    const a = instance({});
    const { challengeId } = await a.send({ phone: PHONE });
    expect(a.trackedDeliveries).toBe(0);
    clock.advance(4_000);
    await expect(a.status(challengeId)).resolves.toMatchObject({ delivery: 'unknown' });
  });
});

/** A provider whose messages never reach a final status; counts the status requests. */
class NeverFinalTransport extends InMemoryTransport {
  polls = 0;
  override async status(request: StatusRequest): Promise<DeliveryReport[]> {
    this.polls++;
    return request.messageIds.map((messageId) => ({
      messageId,
      status: 'sent',
      final: false,
      providerCode: '300',
      description: 'sent to the SMSC',
    }));
  }
}

describe('delivery tracking never outlives the challenge or the application', () => {
  function tracked(clock: ManualClock): { service: OtpService; transport: NeverFinalTransport } {
    const transport = new NeverFinalTransport();
    const service = new OtpService(
      transport,
      otpOptionsFactory({
        transport,
        otp: { secret: TEST_SECRET, clock: clock.read, trackDelivery: TRACKING },
      }),
    );
    return { service, transport };
  }

  it('stops at the challenge expiry', async () => {
    const clock = new ManualClock();
    const { service, transport } = tracked(clock);
    const { challengeId } = await service.send({ phone: PHONE });
    await until(async () => (await service.status(challengeId))?.delivery === 'sent');
    expect(service.trackedDeliveries).toBe(1);
    clock.advanceSeconds(180);
    await until(() => service.trackedDeliveries === 0);
    const polls = transport.polls;
    // Several poll intervals later, nothing more was asked.
    await new Promise((resolve) => setTimeout(resolve, 5 * TRACKING.maxDelayMs));
    expect(transport.polls).toBe(polls);
    await service.onApplicationShutdown();
  });

  it('stops when the Nest application closes', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PostaGuverciniModule.forRoot({
          transport: 'memory',
          otp: { trackDelivery: { initialDelayMs: 60_000 } },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const otp = app.get(OtpService);
    await otp.send({ phone: PHONE });
    expect(otp.trackedDeliveries).toBe(1);
    await app.close();
    expect(otp.trackedDeliveries).toBe(0);
  });

  it('stops on application shutdown', async () => {
    const clock = new ManualClock();
    const { service, transport } = tracked(clock);
    await service.send({ phone: PHONE });
    await service.send({ phone: UNREACHABLE });
    await until(() => transport.polls >= 2);
    expect(service.trackedDeliveries).toBe(2);
    await service.onModuleDestroy();
    expect(service.trackedDeliveries).toBe(0);
    const polls = transport.polls;
    await new Promise((resolve) => setTimeout(resolve, 5 * TRACKING.maxDelayMs));
    expect(transport.polls).toBe(polls);
    // A send after shutdown starts no tracking.
    await service.send({ phone: '905001112233' });
    expect(service.trackedDeliveries).toBe(0);
  });
});

describe('delivery tracking with a store of your own without setDelivery()', () => {
  /** A store written before delivery tracking existed: the base class's setDelivery(). */
  class LegacyStore extends MemoryOtpStore {
    override setDelivery(
      ...args: Parameters<OtpStore['setDelivery']>
    ): ReturnType<OtpStore['setDelivery']> {
      return OtpStore.prototype.setDelivery.apply(this, args);
    }
  }

  it('still emits delivered; status() shows delivery unknown', async () => {
    const transport = new InMemoryTransport();
    const service = new OtpService(
      transport,
      otpOptionsFactory({ transport, otp: { secret: TEST_SECRET, trackDelivery: TRACKING } }),
      new LegacyStore(),
    );
    const delivered = next<OtpDeliveryEvent>(service, 'delivered');
    const { challengeId } = await service.send({ phone: PHONE });
    await expect(delivered).resolves.toMatchObject({ challengeId, status: 'delivered' });
    await expect(service.status(challengeId)).resolves.toMatchObject({ delivery: 'unknown' });
    await until(() => service.trackedDeliveries === 0);
    await service.onApplicationShutdown();
  });
});
