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

  describe('campaignKey (in process)', () => {
    it('a second send() with the same key returns the existing campaign; each number gets one message', async () => {
      const bulk = await service();
      const to = Array.from({ length: 1_500 }, (_, i) => `0${national(i)}`);
      const request = {
        to,
        text: 'Siparişiniz hazırlanıyor',
        kind: 'informational' as const,
        campaignKey: 'order-batch-2026-11-30',
      };
      const first = bulk.send(request);
      const second = bulk.send({ ...request, to: [...to] });
      expect(second.id).toBe(first.id);
      expect(second.key).toBe('order-batch-2026-11-30');
      const [a, b] = await Promise.all([first.done, second.done]);
      expect(b).toBe(a);
      expect(a.sent).toBe(1_500);
      // After it finished, too.
      const third = bulk.send({ ...request, to: [...to] });
      expect(third.id).toBe(first.id);
      await expect(third.done).resolves.toBe(a);
      expect(sim.messages).toHaveLength(1_500);
      expect(new Set(sim.messages.map((m) => m.to)).size).toBe(1_500);
    });

    it('the same key with other settings or other recipients is refused with CAMPAIGN_KEY_CONFLICT and sends nothing', async () => {
      const bulk = await service();
      const to = Array.from({ length: 100 }, (_, i) => national(i));
      const request = {
        to,
        text: 'Kargonuz yolda',
        kind: 'informational' as const,
        campaignKey: 'shipment-42',
      };
      const report = await bulk.send(request).done;
      const otherText = bulk.send({ ...request, text: 'Kargonuz teslim edildi' });
      await expect(otherText.done).rejects.toMatchObject({
        name: 'CampaignKeyConflictError',
        code: 'CAMPAIGN_KEY_CONFLICT',
        reason: 'options',
        campaignId: report.campaignId,
      });
      const otherInput = bulk.send({ ...request, to: [...to.slice(1), national(999)] });
      await expect(otherInput.done).rejects.toMatchObject({
        code: 'CAMPAIGN_KEY_CONFLICT',
        reason: 'input',
      });
      // Another form of the same numbers is another input (compared as given).
      const otherForm = bulk.send({ ...request, to: to.map((n) => `0${n}`) });
      await expect(otherForm.done).rejects.toMatchObject({ reason: 'input' });
      const each = bulk.sendEach(
        to.map((n) => ({ to: n, text: 'x' })),
        { kind: 'informational', campaignKey: 'shipment-42' },
      );
      await expect(each.done).rejects.toMatchObject({ reason: 'options' });
      expect(sim.messages).toHaveLength(100);
      expect(() => bulk.send({ ...request, campaignKey: 'has space' })).toThrow(SmsValidationError);
    });
  });

  describe('scheduled at the provider (in process)', () => {
    it('says in the report that it cannot be cancelled, and refuses reschedule()', async () => {
      const bulk = await service();
      const sendAt = new Date(Date.now() + 3_600_000);
      const campaign = bulk.send({
        to: [national(1), national(2)],
        text: 'Yarın bakım çalışması var',
        kind: 'informational',
        sendAt,
      });
      const report = await campaign.done;
      expect(report.schedule).toEqual({ sendAt, heldBy: 'provider', cancellable: false });
      expect(
        sim.messages.every(
          (m) => m.sendAt?.getTime() === Math.floor(sendAt.getTime() / 60_000) * 60_000,
        ),
      ).toBe(true);
      await expect(campaign.reschedule(new Date(Date.now() + 7_200_000))).rejects.toMatchObject({
        name: 'CampaignStateError',
        code: 'CAMPAIGN_NOT_RESCHEDULABLE',
      });
    });
  });

  describe('deliveries()', () => {
    let blacklisting: PostaGuverciniSimulator;
    const blacklisted = Array.from({ length: 50 }, (_, i) => national(i * 20 + 3));

    beforeAll(async () => {
      // A clock that moves only with advance(): statuses change when the test says so.
      const frozen = Date.now();
      blacklisting = new PostaGuverciniSimulator({
        blacklist: blacklisted,
        now: () => new Date(frozen),
      });
      await blacklisting.start();
    });
    afterAll(async () => {
      await blacklisting.stop();
    });

    async function on(simulator: PostaGuverciniSimulator): Promise<BulkSmsService> {
      const moduleRef = await Test.createTestingModule({
        imports: [
          PostaGuverciniModule.forRoot({
            transport: 'json',
            accounts: simulator.accounts,
            bulk: { reportLimit: Infinity },
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication();
      await app.init();
      apps.push(app);
      return app.get(BulkSmsService);
    }

    it('polls in rounds until every message is final: delivered and failed numbers, ≤ 800 ids per request', async () => {
      const bulk = await on(blacklisting);
      const to = Array.from({ length: 1_000 }, (_, i) => national(i));
      const campaign = bulk.send({ to, text: 'Fatura bilginiz hazır', kind: 'informational' });
      const collection = campaign.deliveries({ intervalMs: 20 });
      const snapshots: number[] = [];
      collection.progress$.subscribe((p) => {
        snapshots.push(p.final);
        // After the first round, the provider's clock moves past delivery (4 s).
        if (p.rounds === 1 && !p.done) blacklisting.advance(10_000);
      });
      const before = blacklisting.requests.filter((r) => r.operation === 'Status').length;
      const report = await collection.done;
      const statusRequests = blacklisting.requests.filter((r) => r.operation === 'Status');
      expect(report).toMatchObject({
        campaignId: campaign.id,
        messages: 1_000,
        untracked: 0,
        delivered: 950,
        final: 1_000,
        pending: 0,
        complete: true,
        failedRequests: 0,
      });
      expect(report.counts).toMatchObject({ delivered: 950, rejected: 50, pending: 0, sent: 0 });
      expect(report.rounds).toBeGreaterThanOrEqual(2);
      expect(new Set(report.undelivered.map((u) => u.to))).toEqual(
        new Set(blacklisted.map((n) => `90${n}`)),
      );
      expect(report.undelivered.every((u) => u.status === 'rejected' && u.final)).toBe(true);
      expect(report.undelivered[0]?.providerCode).toBe('-242');
      // Round 1 asks 1,000 ids (800 + 200); later rounds only the 950 not final.
      expect(statusRequests.length - before).toBe(report.requests);
      expect(statusRequests.every((r) => r.recipients <= 800)).toBe(true);
      expect(statusRequests[0]!.recipients).toBe(800);
      expect(statusRequests.slice(2).reduce((n, r) => n + r.recipients, 0)).toBe(
        950 * (report.rounds - 1),
      );
      expect(snapshots.at(-1)).toBe(1_000);
      expect(collection.progress.done).toBe(true);
    });

    it('stops at the deadline and reports the messages still pending', async () => {
      const bulk = await on(sim);
      const campaign = bulk.send({
        to: Array.from({ length: 30 }, (_, i) => national(i)),
        text: 'Randevunuz yarın 10:00',
        kind: 'informational',
      });
      await campaign.done;
      const report = await campaign.deliveries({
        until: new Date(Date.now() + 100),
        intervalMs: 20,
      }).done;
      expect(report).toMatchObject({ messages: 30, complete: false, delivered: 0, pending: 30 });
      expect(report.undelivered).toHaveLength(30);
      expect(report.undelivered.every((u) => !u.final && u.status === 'pending')).toBe(true);
    });

    it('in process needs every message id in the report', async () => {
      const bulk = await service({ reportLimit: 10 });
      const campaign = bulk.send({
        to: Array.from({ length: 30 }, (_, i) => national(i)),
        text: 'Randevunuz yarın 10:00',
        kind: 'informational',
      });
      await expect(campaign.deliveries().done).rejects.toMatchObject({
        code: 'DELIVERY_IDS_NOT_KEPT',
      });
    });
  });
});
