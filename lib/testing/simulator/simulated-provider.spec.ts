import {
  normalizeSimulatedNumber,
  SimulatedProvider,
  type SendParameters,
} from './simulated-provider.js';
import type { SimulatorProfile } from './simulator.types.js';

const START = new Date('2026-11-27T09:00:00.000Z');

function provider(options: { credit?: number; blacklist?: string[] } = {}): SimulatedProvider {
  const credit = options.credit ?? 1_000;
  return new SimulatedProvider(
    { otp: { username: 'o', password: 'op' }, bulk: { username: 'b', password: 'bp' } },
    { otp: credit, bulk: credit },
    new Set(options.blacklist ?? []),
    'SIMULATOR',
    () => START,
  );
}

function send(
  p: SimulatedProvider,
  profile: SimulatorProfile,
  overrides: Partial<SendParameters> = {},
): string[] {
  const outcome = p.send({
    profile,
    api: 'json',
    items: [{ to: '905321234567', text: 'merhaba' }],
    creditPolicy: 'wait',
    ...overrides,
  });
  if (!outcome.ok) throw new Error('refused');
  return outcome.messages.map((message) => message.id);
}

describe('normalizeSimulatedNumber', () => {
  it.each([
    ['5321234567', '905321234567'],
    ['05321234567', '905321234567'],
    ['905321234567', '905321234567'],
    ['+90 (532) 123 45 67', '905321234567'],
    ['00905321234567', '905321234567'],
  ])('reads %j as %s', (raw, canonical) => {
    expect(normalizeSimulatedNumber(raw)).toBe(canonical);
  });

  it.each(['2121234567', '53212345', '9053212345678', '', 'abc', '0090212123456'])(
    'refuses %j',
    (raw) => {
      expect(normalizeSimulatedNumber(raw)).toBeUndefined();
    },
  );
});

describe('SimulatedProvider', () => {
  it('moves a message 200 → 300 (2 s) → 400|1 (4 s)', () => {
    const p = provider();
    const [id] = send(p, 'otp');
    expect(p.statusOf(id!)).toEqual({ code: 200, final: false, since: START });
    p.advance(1_999);
    expect(p.statusOf(id!)?.code).toBe(200);
    p.advance(1);
    expect(p.statusOf(id!)).toEqual({
      code: 300,
      final: false,
      since: new Date(START.getTime() + 2_000),
    });
    p.advance(2_000);
    expect(p.statusOf(id!)).toEqual({
      code: 400,
      final: true,
      since: new Date(START.getTime() + 4_000),
    });
    expect(p.statusOf('C1_UNKNOWN')).toBeUndefined();
  });

  it('OTP: sends at once whatever the send time, validity is 180 s whatever is asked', () => {
    const p = provider();
    const sendAt = new Date(START.getTime() + 3_600_000);
    const validUntil = new Date(START.getTime() + 7_200_000);
    const [id] = send(p, 'otp', { sendAt, validUntil });
    expect(p.statusOf(id!)?.code).toBe(200);
    expect(p.find(id!)).toMatchObject({
      sendAt: undefined,
      validUntil: new Date(START.getTime() + 180_000),
      requested: { sendAt, validUntil },
    });
  });

  it('OTP: no duplicate check and no blacklist', () => {
    const p = provider({ blacklist: ['905321234567'] });
    const ids = [...send(p, 'otp'), ...send(p, 'otp')];
    p.advance(4_000);
    expect(ids.map((id) => p.statusOf(id)?.code)).toEqual([400, 400]);
  });

  it('bulk: holds a scheduled message at 120 until its send time', () => {
    const p = provider();
    const sendAt = new Date(START.getTime() + 60_000);
    const [id] = send(p, 'bulk', { sendAt });
    expect(p.statusOf(id!)).toEqual({ code: 120, final: false, since: START });
    p.advance(60_000);
    expect(p.statusOf(id!)?.code).toBe(200);
    p.advance(4_000);
    expect(p.statusOf(id!)?.code).toBe(400);
    expect(p.find(id!)?.sendAt).toEqual(sendAt);
  });

  it('bulk: the same text to the same number within 60 s gets -202, also inside one request; after 60 s it is new', () => {
    const p = provider();
    const [first] = send(p, 'bulk');
    p.advance(59_999);
    const [duplicate] = send(p, 'bulk');
    const [otherText] = send(p, 'bulk', { items: [{ to: '905321234567', text: 'başka' }] });
    const inOne = send(p, 'bulk', {
      items: [
        { to: '905051112233', text: 'x' },
        { to: '905051112233', text: 'x' },
      ],
    });
    expect([first, duplicate, otherText, ...inOne].map((id) => p.statusOf(id!)?.code)).toEqual([
      400, -202, 200, 200, -202,
    ]);
    expect(p.find(duplicate!)?.charge).toBe(0);
    p.advance(1);
    const [later] = send(p, 'bulk');
    expect(p.statusOf(later!)?.code).toBe(200);
  });

  it('bulk: a blacklisted number gets -242 and costs nothing', () => {
    const p = provider({ blacklist: ['905321234567'] });
    const [id] = send(p, 'bulk');
    expect(p.statusOf(id!)).toMatchObject({ code: -242, final: true });
    expect(p.creditOf('bulk')).toBe(1_000);
  });

  it('bulk: validity more than 24 h after the send time, or not after it, gets -203', () => {
    const p = provider();
    const sendAt = new Date(START.getTime() + 3_600_000);
    const tooLong = send(p, 'bulk', {
      sendAt,
      validUntil: new Date(sendAt.getTime() + 24 * 3_600_000 + 60_000),
      items: [{ to: '905321234567', text: 'a' }],
    });
    const before = send(p, 'bulk', {
      sendAt,
      validUntil: new Date(sendAt.getTime() - 60_000),
      items: [{ to: '905321234567', text: 'b' }],
    });
    const justRight = send(p, 'bulk', {
      sendAt,
      validUntil: new Date(sendAt.getTime() + 24 * 3_600_000),
      items: [{ to: '905321234567', text: 'c' }],
    });
    expect([...tooLong, ...before, ...justRight].map((id) => p.statusOf(id)?.code)).toEqual([
      -203, -203, 120,
    ]);
  });

  it('bulk: a validity that ends before delivery gives -210 once it passed', () => {
    const p = provider();
    const [id] = send(p, 'bulk', { validUntil: new Date(START.getTime() + 3_000) });
    p.advance(2_999);
    expect(p.statusOf(id!)?.code).toBe(300);
    p.advance(1);
    expect(p.statusOf(id!)).toMatchObject({ code: -210, final: true });
  });

  it('too long texts are accepted and deleted: -205 (GSM-7 > 480) and -447 (UCS-2 > 268)', () => {
    const p = provider();
    const ids = send(p, 'otp', {
      items: [
        { to: '905321234567', text: 'a'.repeat(481) },
        { to: '905321234567', text: 'ş'.repeat(269) },
      ],
    });
    expect(ids.map((id) => p.statusOf(id)?.code)).toEqual([-205, -447]);
  });

  it('charges segments × recipients and keeps credit = start − sum of charges', () => {
    const p = provider({ credit: 10 });
    send(p, 'otp', {
      items: [
        { to: '905321234567', text: 'a'.repeat(161) },
        { to: '905051112233', text: 'ş'.repeat(135) },
      ],
    });
    expect(p.messages.map((message) => message.charge)).toEqual([2, 3]);
    expect(p.creditOf('otp')).toBe(5);
    expect(p.creditOf('bulk')).toBe(10);
  });

  it("'reject' refuses the whole request when credit is short and changes nothing", () => {
    const p = provider({ credit: 1 });
    const outcome = p.send({
      profile: 'otp',
      api: 'http',
      items: [
        { to: '905321234567', text: 'a' },
        { to: '905051112233', text: 'b' },
      ],
      creditPolicy: 'reject',
    });
    expect(outcome).toEqual({ ok: false, reason: 'insufficient-credit', needed: 2 });
    expect(p.messages).toHaveLength(0);
    expect(p.creditOf('otp')).toBe(1);
  });

  it("'wait' accepts what the credit covers in order; the rest waits at 110 and times out with -220", () => {
    const p = provider({ credit: 1 });
    const ids = send(p, 'otp', {
      items: [
        { to: '905321234567', text: 'a' },
        { to: '905051112233', text: 'b' },
      ],
    });
    expect(ids.map((id) => p.statusOf(id)?.code)).toEqual([200, 110]);
    p.advance(180_000);
    expect(ids.map((id) => p.statusOf(id)?.code)).toEqual([400, -220]);
  });

  it('checks credentials per profile', () => {
    const p = provider();
    expect(p.checkCredentials('otp', 'o', 'op')).toBe('ok');
    expect(p.checkCredentials('otp', 'b', 'bp')).toBe('user');
    expect(p.checkCredentials('bulk', 'b', 'x')).toBe('password');
  });

  it('keeps the clock across reset and restores credit', () => {
    const p = provider({ credit: 5 });
    send(p, 'otp');
    p.advance(10_000);
    p.reset();
    expect(p.messages).toHaveLength(0);
    expect(p.creditOf('otp')).toBe(5);
    expect(p.nowMs()).toBe(START.getTime() + 10_000);
    p.setNow(START);
    expect(p.nowMs()).toBe(START.getTime());
  });
});
