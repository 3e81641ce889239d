import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BulkSmsService,
  PostaGuverciniModule,
  SmsConnectionError,
  SmsHttpStatusError,
  SmsProviderError,
  SmsValidationError,
  type CampaignReport,
  type PostaGuverciniModuleOptions,
  type RecipientOutcome,
} from '../lib/index.js';
import {
  PostaGuverciniSimulator,
  type SimulatedMessage,
  type SimulatorFaultSpec,
} from '../lib/testing/index.js';
import { simulatorForSuite } from './support/simulator-suite.js';

/**
 * Campaigns through the module, the JSON wire transport and the provider simulator (bulk
 * host profile), as an application would run them.
 */
const national = (i: number): string => `53${String(i).padStart(8, '0')}`; // 10-digit national number
/** The same number in the forms people type. */
const forms = [
  (n: string) => `+90 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6, 8)} ${n.slice(8)}`,
  (n: string) => `0${n}`,
  (n: string) => n,
  (n: string) => `0090${n}`,
  (n: string) => `90${n}`,
  (n: string) => `(0${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`,
];
const INVALID = ['12345', '0212 555 12 12', 'abc', '+1 202 555 0101', '', '90532', '+90 532 12'];

/** 10,000 entries: `valid` distinct numbers in mixed forms, then duplicates and invalid entries spread through. */
function tenThousand(valid: number): {
  input: string[];
  expected: Set<string>;
  duplicates: number;
  invalid: number;
} {
  const input: string[] = [];
  const expected = new Set<string>();
  let duplicates = 0;
  let invalid = 0;
  let next = 0;
  for (let i = 0; input.length < 10_000; i++) {
    if (next < valid && (i % 20 !== 7 || next === 0) && (i % 20 !== 13 || next === 0)) {
      const n = national(next * 37 + 11);
      input.push(forms[next % forms.length]!(n));
      expected.add(`90${n}`);
      next++;
    } else if (i % 20 === 7 && next > 0) {
      input.push(forms[(i + 1) % forms.length]!(national((i % next) * 37 + 11))); // seen before, other form
      duplicates++;
    } else {
      input.push(INVALID[i % INVALID.length]!);
      invalid++;
    }
  }
  return { input, expected, duplicates, invalid };
}

const sendRequests = (sim: PostaGuverciniSimulator, operation: string) =>
  sim.requests.filter((r) => r.profile === 'bulk' && r.operation === operation);

/** Asserts that every `sent` outcome is a message the simulator really holds (id and number). */
function expectSentOnlyWhatTheProviderHas(
  report: CampaignReport,
  sim: PostaGuverciniSimulator,
): void {
  const byId = new Map(sim.messages.map((m) => [m.id, m]));
  for (const outcome of report.recipients.filter((o) => o.status === 'sent')) {
    expect(byId.get(outcome.messageId!)?.to).toBe(outcome.to);
  }
}

function tally(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Messages per recipient number. */
const countBy = (messages: readonly SimulatedMessage[]): Map<string, number> =>
  tally(messages.map((m) => m.to));

describe('BulkSmsService against the simulator (JSON transport)', () => {
  const sim = simulatorForSuite();

  async function appWith(
    options: Partial<PostaGuverciniModuleOptions> = {},
  ): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PostaGuverciniModule.forRoot({
          transport: 'json',
          accounts: sim.accounts,
          ...options,
          bulk: { retry: { initialDelayMs: 5, maxDelayMs: 20 }, ...options.bulk },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    return app;
  }

  let app: INestApplication;
  let bulk: BulkSmsService;
  beforeEach(async () => {
    sim.reset();
    app = await appWith();
    bulk = app.get(BulkSmsService);
  });
  afterEach(async () => {
    await app.close();
  });

  it('1-N to 10,000 entries: every valid number once, invalid skipped, duplicates collapsed, ceil(valid/800) requests', async () => {
    const { input, expected, duplicates, invalid } = tenThousand(9_000);
    const report = await bulk.send({
      to: input,
      text: 'Hesap özetiniz hazır. Bilgi: 0850 000 00 00',
      kind: 'informational',
      reportLimit: Infinity,
    }).done;

    const messages = sim.messages.filter((m) => m.profile === 'bulk');
    const counts = countBy(messages);
    expect(counts.size).toBe(expected.size);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(new Set(counts.keys())).toEqual(expected);
    expect(messages.every((m) => m.text === 'Hesap özetiniz hazır. Bilgi: 0850 000 00 00')).toBe(
      true,
    );

    const requests = sendRequests(sim, 'Send_1_N');
    expect(requests).toHaveLength(Math.ceil(expected.size / 800));
    expect(requests.every((r) => r.recipients <= 800 && r.status === 200)).toBe(true);

    expect(report).toMatchObject({
      total: 10_000,
      sent: expected.size,
      skipped: duplicates + invalid,
      failed: 0,
      requests: requests.length,
    });
    expect(duplicates).toBeGreaterThan(0);
    expect(invalid).toBeGreaterThan(0);
    const reasons = tally(
      report.recipients.filter((o) => o.status === 'skipped').map((o) => o.reason!),
    );
    // A valid mobile number of another country says so (issue 14.6): the US number of INVALID.
    const foreign = input.filter((entry) => entry === '+1 202 555 0101').length;
    expect(foreign).toBeGreaterThan(0);
    expect(Object.fromEntries(reasons)).toEqual({
      duplicate: duplicates,
      invalid_number: invalid - foreign,
      country_not_allowed: foreign,
    });
    expectSentOnlyWhatTheProviderHas(report, sim);
    expect(report.credits).toBe(messages.reduce((sum, m) => sum + m.charge, 0));
  });

  it('N-N to 10,000 items from an async generator: each number gets its own text once', async () => {
    const { input, expected } = tenThousand(9_000);
    async function* items(): AsyncGenerator<{ to: string; text: string }> {
      for (const [i, to] of input.entries())
        yield { to, text: `Sayın müşterimiz, ${i} numaralı siparişiniz kargoya verildi` };
    }
    const report = await bulk.sendEach(items(), { kind: 'informational', reportLimit: Infinity })
      .done;

    const messages = sim.messages.filter((m) => m.profile === 'bulk');
    const counts = countBy(messages);
    expect(new Set(counts.keys())).toEqual(expected);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    const sentByIndex = new Map(
      report.recipients.filter((o) => o.status === 'sent').map((o) => [o.messageId!, o.index]),
    );
    for (const m of messages) {
      expect(m.text).toBe(
        `Sayın müşterimiz, ${sentByIndex.get(m.id)} numaralı siparişiniz kargoya verildi`,
      );
    }
    expect(sendRequests(sim, 'Send_N_N')).toHaveLength(Math.ceil(expected.size / 800));
    expect(report).toMatchObject({
      total: 10_000,
      sent: expected.size,
      skipped: 10_000 - expected.size,
      failed: 0,
    });
  });

  it('schedules on the bulk host with validity and sender, and reports the scheduled status', async () => {
    const sendAt = new Date(Math.ceil((Date.now() + 2 * 3_600_000) / 60_000) * 60_000);
    const validUntil = new Date(sendAt.getTime() + 6 * 3_600_000);
    const report = await bulk.send({
      to: ['0532 000 00 01', '0533 000 00 02'],
      text: 'Yarın 10:00-12:00 arası planlı bakım yapılacaktır',
      kind: 'informational',
      sendAt,
      validUntil,
      sender: 'BANKAMIZ',
    }).done;
    expect(report.sent).toBe(2);
    for (const m of sim.messages) {
      expect(m).toMatchObject({ profile: 'bulk', sendAt, validUntil, sender: 'BANKAMIZ' });
    }
    const statuses = await bulk.status(report.recipients.map((o) => o.messageId!));
    expect(statuses.map((s) => [s.status, s.providerCode, s.final])).toEqual([
      ['scheduled', '120', false],
      ['scheduled', '120', false],
    ]);
  });

  it('reports messages the provider holds for credit as waiting_credit (status 110), not delivered and not final', async () => {
    sim.setCredit('bulk', 1);
    const report = await bulk.send({
      to: ['0532 000 00 11', '0533 000 00 12'],
      text: 'Hesap özetiniz hazır',
      kind: 'informational',
    }).done;
    expect(report.sent).toBe(2); // accepted by the provider
    sim.advance(10_000);
    const statuses = await bulk.status(report.recipients.map((o) => o.messageId!));
    expect(statuses.map((s) => [s.status, s.providerCode, s.final])).toEqual([
      ['delivered', '400', true],
      ['waiting_credit', '110', false],
    ]);
    expect(statuses[1]!.description).toBe('waiting for credit to be loaded');
  });

  it('refuses wrong campaigns before any request: past send time, OTP-host schedule, validity, sender, commercial without consent', () => {
    const to = ['05320000001'];
    const attempts: Array<[() => unknown, string]> = [
      [
        () =>
          bulk.send({ to, text: 'x', kind: 'informational', sendAt: new Date(Date.now() - 1000) }),
        'SEND_AT_IN_PAST',
      ],
      [
        () =>
          bulk.send({
            to,
            text: 'x',
            kind: 'informational',
            channel: 'otp',
            sendAt: new Date(Date.now() + 3_600_000),
          }),
        'SCHEDULE_NOT_SUPPORTED',
      ],
      [
        () =>
          bulk.send({
            to,
            text: 'x',
            kind: 'informational',
            validUntil: new Date(Date.now() + 25 * 3_600_000),
          }),
        'VALIDITY_TOO_LONG',
      ],
      [
        () =>
          bulk.send({
            to,
            text: 'x',
            kind: 'informational',
            sendAt: new Date(Date.now() + 3_600_000),
            validUntil: new Date(Date.now() + 1_800_000),
          }),
        'VALID_UNTIL_TOO_EARLY',
      ],
      [
        () => bulk.send({ to, text: 'x', kind: 'informational', sender: 'UZUNBIRBASLIK' }),
        'INVALID_SENDER',
      ],
      [
        () => bulk.send({ to, text: 'Yüzde 50 indirim!', kind: 'commercial' }),
        'CONSENT_FILTER_REQUIRED',
      ],
      [
        () => bulk.sendEach([{ to: to[0]!, text: 'x' }], { kind: 'commercial' }),
        'CONSENT_FILTER_REQUIRED',
      ],
    ];
    for (const [attempt, code] of attempts) {
      expect(attempt).toThrow(SmsValidationError);
      expect(attempt).toThrow(expect.objectContaining({ code }));
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('sends a commercial campaign only to consenting numbers and skips opted-out ones', async () => {
    await app.close();
    app = await appWith({
      bulk: {
        consentFilter: async (numbers) => new Set(numbers.filter((n) => !n.endsWith('7'))),
        optOut: ['0532 000 00 03', '+90 532 000 00 05'],
      },
    });
    bulk = app.get(BulkSmsService);
    const to = Array.from({ length: 10 }, (_, i) => `0532 000 00 ${String(i).padStart(2, '0')}`);
    const report = await bulk.send({
      to,
      text: 'Hafta sonuna özel %20 indirim',
      kind: 'commercial',
    }).done;
    const skipped = Object.fromEntries(
      report.recipients.filter((o) => o.status === 'skipped').map((o) => [o.to, o.reason]),
    );
    expect(skipped).toEqual({
      '905320000003': 'opted_out',
      '905320000005': 'opted_out',
      '905320000007': 'no_consent',
    });
    expect(new Set(sim.messages.map((m) => m.to))).toEqual(
      new Set(['0', '1', '2', '4', '6', '8', '9'].map((d) => `90532000000${d}`)),
    );
  });

  describe('a fault on one batch in the middle of a campaign', () => {
    const faults: Array<[string, SimulatorFaultSpec, (o: RecipientOutcome) => void]> = [
      [
        'HTTP 500',
        { kind: 'http-status', status: 500 },
        (o) =>
          expect(o).toMatchObject({
            reason: 'send_failed',
            maybeSent: true,
            error: expect.any(SmsHttpStatusError),
          }),
      ],
      [
        'connection reset',
        { kind: 'reset' },
        (o) =>
          expect(o).toMatchObject({
            reason: 'send_failed',
            maybeSent: true,
            error: expect.any(SmsConnectionError),
          }),
      ],
      [
        'provider error 1010',
        { kind: 'provider-error', code: 1010 },
        (o) =>
          expect(o).toMatchObject({
            reason: 'send_failed',
            maybeSent: false,
            error: expect.any(SmsProviderError),
          }),
      ],
    ];

    it.each(faults)(
      '%s: the report names exactly the recipients of that batch, and nothing else is failed',
      async (_name, fault, check) => {
        const to = Array.from({ length: 4000 }, (_, i) => `0532${String(i).padStart(7, '0')}`);
        const campaign = bulk.send({
          to,
          text: 'Bilgilendirme',
          kind: 'informational',
          concurrency: 1,
          reportLimit: Infinity,
        });
        let injected = false;
        campaign.progress$.subscribe((p) => {
          // After the second batch is recorded, before the third request is made.
          if (!injected && p.sent >= 1600) {
            injected = true;
            sim.injectFault({ ...fault, profile: 'bulk', operation: 'send' });
          }
        });
        const report = await campaign.done;

        const failed = report.recipients.filter((o) => o.status === 'failed');
        expect(failed).toHaveLength(800);
        failed.forEach(check);
        // The failed recipients are exactly the third batch: positions 1600–2399.
        expect(failed.map((o) => o.index).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 800 }, (_, i) => 1600 + i),
        );
        const delivered = new Set(sim.messages.map((m) => m.to));
        expect(failed.some((o) => delivered.has(o.to))).toBe(false);
        expect(report).toMatchObject({ sent: 3200, failed: 800, skipped: 0 });
        expect(sim.messages).toHaveLength(3200);
        expectSentOnlyWhatTheProviderHas(report, sim);
      },
    );

    it('HTTP 503 (never processed) is retried with back-off and the campaign completes', async () => {
      const to = Array.from({ length: 2400 }, (_, i) => `0532${String(i).padStart(7, '0')}`);
      sim.injectFault({
        kind: 'http-status',
        status: 503,
        profile: 'bulk',
        operation: 'send',
        times: 2,
      });
      const report = await bulk.send({
        to,
        text: 'Bilgilendirme',
        kind: 'informational',
        concurrency: 1,
      }).done;
      expect(report).toMatchObject({ sent: 2400, failed: 0, requests: 5 });
      expect(sendRequests(sim, 'Send_1_N').map((r) => r.status)).toEqual([503, 503, 200, 200, 200]);
      expect(countBy(sim.messages).size).toBe(2400);
      expect(sim.messages).toHaveLength(2400);
    });
  });

  it('reports delivery status in one model with the raw code, and the bulk credit', async () => {
    const report = await bulk.send({
      to: ['0532 000 00 01', '0532 000 00 02'],
      text: 'Merhaba',
      kind: 'informational',
    }).done;
    const ids = report.recipients.map((o) => o.messageId!);
    sim.advance(5_000);
    const statuses = await bulk.status([...ids, 'C1_00000000-0000-0000-0000-000000000000']);
    expect(
      statuses.slice(0, 2).map((s) => [s.messageId, s.status, s.providerCode, s.final]),
    ).toEqual(ids.map((id) => [id, 'delivered', '400', true]));
    expect(statuses[2]).toMatchObject({ status: 'unknown', providerCode: '' });
    expect(await bulk.credit()).toEqual({ channel: 'bulk', balance: sim.creditOf('bulk') });
  });
});
