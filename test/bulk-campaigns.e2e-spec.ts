import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BulkSmsService,
  PostaGuverciniModule,
  SmsValidationError,
  type CampaignEstimate,
  type CampaignReport,
  type PostaGuverciniModuleOptions,
  type RecipientReason,
} from '../lib/index.js';
import { PostaGuverciniSimulator } from '../lib/testing/index.js';

/**
 * Campaign operations in process (no Redis): estimate vs the report of the same campaign
 * sent, idempotent campaign keys, delivery reports per campaign — through the module, the
 * JSON transport and the simulator.
 */
const national = (i: number): string => `53${String(i).padStart(8, '0')}`;

/** 3,000 entries: distinct numbers in mixed forms, duplicates, invalid entries. */
function mixedInput(): string[] {
  const input: string[] = [];
  for (let i = 0; i < 2_700; i++) {
    const n = national(i * 13 + 5);
    input.push(i % 3 === 0 ? `0${n}` : i % 3 === 1 ? `+90 ${n}` : n);
    if (i % 10 === 0) input.push(`90${national(((i * 7) % (i + 1)) * 13 + 5)}`); // seen before
    if (i % 25 === 0) input.push(i % 2 === 0 ? '0212 555 12 12' : 'not a number');
  }
  return input;
}

const OPTED_OUT = Array.from({ length: 40 }, (_, i) => `0${national(i * 50 * 13 + 5)}`);
/** Consent: every number whose last digit is not 7. */
const consentFilter = (numbers: string[]) => numbers.filter((n) => !n.endsWith('7'));

function reasons(report: CampaignReport): Map<RecipientReason | 'sent', number> {
  const counts = new Map<RecipientReason | 'sent', number>();
  for (const o of report.recipients) {
    const key = o.status === 'sent' ? 'sent' : o.reason!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function expectEstimateMatches(estimate: CampaignEstimate, report: CampaignReport): void {
  const byReason = reasons(report);
  expect(report.recipientsTruncated).toBe(false);
  expect(report.failed).toBe(0);
  expect({
    read: estimate.read,
    sendable: estimate.sendable,
    skipped: estimate.invalid + estimate.duplicate + estimate.optedOut + estimate.withoutConsent,
    invalidNumbers: estimate.invalidNumbers,
    invalidTexts: estimate.invalidTexts,
    duplicate: estimate.duplicate,
    optedOut: estimate.optedOut,
    withoutConsent: estimate.withoutConsent,
    requests: estimate.requests,
    credits: estimate.creditsNeeded,
  }).toEqual({
    read: report.total,
    sendable: report.sent,
    skipped: report.skipped,
    invalidNumbers: byReason.get('invalid_number') ?? 0,
    invalidTexts: byReason.get('invalid_text') ?? 0,
    duplicate: byReason.get('duplicate') ?? 0,
    optedOut: byReason.get('opted_out') ?? 0,
    withoutConsent: byReason.get('no_consent') ?? 0,
    requests: report.requests,
    credits: report.credits,
  });
  expect(estimate.valid).toBe(estimate.read - estimate.invalid);
  expect(estimate.segments.reduce((sum, b) => sum + b.messages, 0)).toBe(report.sent);
  expect(estimate.encodings.gsm7 + estimate.encodings.ucs2).toBe(report.sent);
}

describe('BulkSmsService campaign operations (in process)', () => {
  let sim: PostaGuverciniSimulator;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    sim = new PostaGuverciniSimulator({ credit: 100_000 });
    await sim.start();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    sim.reset();
  });

  afterAll(async () => {
    await sim.stop();
  });

  async function service(bulk: PostaGuverciniModuleOptions['bulk'] = {}): Promise<BulkSmsService> {
    const moduleRef = await Test.createTestingModule({
      imports: [PostaGuverciniModule.forRoot({ transport: 'json', accounts: sim.accounts, bulk })],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    apps.push(app);
    return app.get(BulkSmsService);
  }

  describe('estimate()', () => {
    it('1-N commercial: every count equals the report of the same campaign sent afterwards', async () => {
      const bulk = await service({ optOut: OPTED_OUT, consentFilter });
      const input = mixedInput();
      const text = 'Kampanya: tüm ürünlerde %20 indirim, son gün pazar! Ayrıntılar uygulamada.';
      const request = { text, kind: 'commercial' as const, reportLimit: Infinity };

      async function* stream() {
        yield* input;
      }
      const estimate = await bulk.estimate({ ...request, to: stream() });
      expect(sim.messages).toHaveLength(0); // nothing sent
      expect(sim.requests.filter((r) => r.operation === 'Send_1_N')).toHaveLength(0);
      expect(estimate).toMatchObject({
        mode: 'one-to-many',
        kind: 'commercial',
        channel: 'bulk',
        read: input.length,
        encodings: { gsm7: 0, ucs2: estimate.sendable },
        segments: [{ segments: 2, messages: estimate.sendable }],
        text: { encoding: 'ucs2', segments: 2 },
        credit: { balance: 100_000, sufficient: true },
      });
      expect(estimate.duplicate).toBeGreaterThan(200);
      expect(estimate.optedOut).toBe(40);
      expect(estimate.withoutConsent).toBeGreaterThan(100);
      expect(estimate.invalidNumbers).toBeGreaterThan(100);

      const report = await bulk.send({ ...request, to: stream() }).done;
      expectEstimateMatches(estimate, report);
      expect(sim.creditOf('bulk')).toBe(100_000 - estimate.creditsNeeded);
    });

    it('N-N: segment distribution, invalid texts and credits equal the report', async () => {
      const bulk = await service({ optOut: OPTED_OUT.slice(0, 5) });
      const items = mixedInput()
        .slice(0, 2_000)
        .map((to, i) => ({
          to,
          text:
            i % 50 === 3
              ? '   '
              : i % 4 === 0
                ? `Siparişiniz ${i} kargoda`
                : i % 4 === 1
                  ? `Order ${i} shipped`
                  : i % 4 === 2
                    ? `Order ${i}: ${'x'.repeat(170)}`
                    : `Sayın müşterimiz, ${i} numaralı siparişiniz yola çıktı. ${'ş'.repeat(80)}`,
        }));
      const estimate = await bulk.estimate(items, { kind: 'informational' });
      expect(estimate.mode).toBe('many-to-many');
      expect(estimate.segments.map((b) => b.segments)).toEqual([1, 2, 3]);
      expect(estimate.encodings.gsm7).toBeGreaterThan(0);
      expect(estimate.encodings.ucs2).toBeGreaterThan(0);
      expect(estimate.invalidTexts).toBeGreaterThan(0);
      expect(estimate.optedOut).toBe(5);

      const report = await bulk.sendEach(items, { kind: 'informational', reportLimit: Infinity })
        .done;
      expectEstimateMatches(estimate, report);
    });

    it('says when the credit does not cover the campaign, and refuses what send() refuses', async () => {
      sim.setCredit('bulk', 10);
      const bulk = await service();
      const estimate = await bulk.estimate({
        to: Array.from({ length: 30 }, (_, i) => national(i)),
        text: 'Hesap özetiniz hazır',
        kind: 'informational',
      });
      expect(estimate).toMatchObject({
        sendable: 30,
        creditsNeeded: 30,
        requests: 1,
        credit: { balance: 10, sufficient: false },
      });
      await expect(
        bulk.estimate({ to: ['05321234567'], text: 'x', kind: 'commercial' }),
      ).rejects.toMatchObject({ code: 'CONSENT_FILTER_REQUIRED' });
      await expect(
        bulk.estimate({ to: ['05321234567'], text: '', kind: 'informational' }),
      ).rejects.toBeInstanceOf(SmsValidationError);
      expect(sim.requests.filter((r) => r.operation.startsWith('Send'))).toHaveLength(0);
    });
  });
});
