import { PostaGuverciniSimulator } from '../lib/testing/index.js';
import {
  type ChildHandle,
  REDIS_URL,
  TIMEOUT,
  compileEntry,
  durableSuite,
  startChild,
} from './durable-harness.js';

/**
 * Campaign operations in durable mode against the real local Redis and the simulator:
 * idempotent keys across instances, held campaigns (cancel / reschedule), cancel removing
 * queued batches, resume after a kill -9 of the starting process, delivery reports.
 */
const national = (i: number): string => `532${String(i).padStart(7, '0')}`;
/** An async input: its size is known only once it was read (progress `total`). */
async function* numbers(count: number, from = 0): AsyncGenerator<string> {
  for (let i = from; i < from + count; i++) yield national(i);
}
/** Resolves once the campaign has read (and queued) its whole input. */
function queued(campaign: { progress$: import('rxjs').Observable<{ total?: number }> }) {
  return new Promise<void>((resolve) =>
    campaign.progress$.subscribe((p) => p.total !== undefined && resolve()),
  );
}
const BLACKLISTED = Array.from({ length: 20 }, (_, i) => `0${national(900_000 + i * 7)}`);

function counts(values: Iterable<string>): Map<string, number> {
  const map = new Map<string, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return map;
}

describe('BulkSmsService campaign operations (durable mode)', () => {
  const suite = durableSuite({
    name: 'campaigns',
    simulator: { blacklist: BLACKLISTED },
    bulk: { reportLimit: Infinity },
    durable: { starterLeaseMs: 2_000 },
  });

  it(
    'the same campaignKey from two app instances at once: one campaign, each number once',
    async () => {
      const prefix = suite.newPrefix();
      const [a, b] = await Promise.all([suite.instance({ prefix }), suite.instance({ prefix })]);
      const to = Array.from({ length: 3_000 }, (_, i) => `0${national(i)}`);
      async function* slowly() {
        for (const [i, n] of to.entries()) {
          if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
          yield n;
        }
      }
      const request = {
        text: 'Kartınızın son ödeme tarihi yaklaşıyor',
        kind: 'informational' as const,
        campaignKey: 'statement-2026-11',
      };
      const first = a.send({ ...request, to: slowly() });
      const second = b.send({ ...request, to: slowly() });
      expect(second.id).toBe(first.id);
      const [ra, rb] = await Promise.all([first.done, second.done]);
      expect(ra).toMatchObject({ campaignId: first.id, total: 3_000, sent: 3_000, failed: 0 });
      expect(rb).toMatchObject({ campaignId: first.id, total: 3_000, sent: 3_000, failed: 0 });
      expect(suite.sim.messages).toHaveLength(3_000);
      expect([...counts(suite.sim.messages.map((m) => m.to)).values()].every((n) => n === 1)).toBe(
        true,
      );

      // A later call with the same key, from a third instance: the existing campaign.
      const c = await suite.instance({ prefix, worker: false });
      const third = c.send({ ...request, to });
      expect(third.id).toBe(first.id);
      await expect(third.done).resolves.toMatchObject({ sent: 3_000 });
      // … and with another text or other recipients: refused, nothing sent.
      await expect(c.send({ ...request, to, text: 'Başka bir metin' }).done).rejects.toMatchObject({
        code: 'CAMPAIGN_KEY_CONFLICT',
        reason: 'options',
      });
      await expect(c.send({ ...request, to: to.slice(1) }).done).rejects.toMatchObject({
        code: 'CAMPAIGN_KEY_CONFLICT',
        reason: 'input',
      });
      // campaign(idOrKey) finds it by key from any instance.
      const found = await c.campaign('statement-2026-11');
      expect(found.id).toBe(first.id);
      await expect(found.done).resolves.toMatchObject({ sent: 3_000 });
      expect(suite.sim.messages).toHaveLength(3_000);
    },
    TIMEOUT,
  );

  it(
    'a held campaign is cancelled from another instance before it starts: nothing sent, every recipient counted cancelled',
    async () => {
      const prefix = suite.newPrefix();
      const bulk = await suite.instance({ prefix });
      const sendAt = new Date(Date.now() + 3_600_000);
      const campaign = bulk.send({
        to: numbers(2_000),
        text: 'Yılbaşı kampanyası yarın başlıyor',
        kind: 'informational',
        sendAt,
      });
      // Queued once the input is read (total known).
      await queued(campaign);
      const other = await suite.instance({ prefix, worker: false });
      const handle = await other.campaign(campaign.id);
      const cancelled = await handle.cancel();
      expect(cancelled).toMatchObject({
        cancelled: true,
        sent: 0,
        failed: 2_000,
        cancelledRecipients: 2_000,
        schedule: { sendAt, heldBy: 'queue', cancellable: true },
      });
      const report = await campaign.done;
      expect(report).toMatchObject({ cancelled: true, sent: 0, cancelledRecipients: 2_000 });
      expect(report.recipients.every((o) => o.reason === 'aborted' && o.maybeSent === false)).toBe(
        true,
      );
      expect(suite.sim.messages).toHaveLength(0);
      await expect(handle.reschedule(new Date(Date.now() + 7_200_000))).rejects.toMatchObject({
        code: 'CAMPAIGN_NOT_RESCHEDULABLE',
      });
    },
    TIMEOUT,
  );

  it(
    'a held campaign is rescheduled (from another instance, then from its handle), handed to the provider at the new time, reported with it, and then refuses cancel and reschedule',
    async () => {
      const prefix = suite.newPrefix();
      const bulk = await suite.instance({ prefix });
      const campaign = bulk.send({
        to: numbers(1_200),
        text: 'Toplantı saati değişti',
        kind: 'informational',
        sendAt: new Date(Date.now() + 3_600_000),
      });
      await queued(campaign);
      expect(suite.sim.messages).toHaveLength(0);
      await expect(campaign.reschedule(new Date(Date.now() - 1_000))).rejects.toMatchObject({
        code: 'SEND_AT_IN_PAST',
      });
      // Moved from another instance, then from the starting handle: the report gives the last.
      const other = await suite.instance({ prefix, worker: false });
      await (await other.campaign(campaign.id)).reschedule(new Date(Date.now() + 7_200_000));
      const rescheduled = new Date(Date.now() + 1_500);
      await campaign.reschedule(rescheduled);
      const report = await campaign.done;
      expect(report).toMatchObject({ sent: 1_200, failed: 0, cancelled: false });
      expect(report.schedule).toEqual({ sendAt: rescheduled, heldBy: 'queue', cancellable: true });
      expect(suite.sim.messages).toHaveLength(1_200);
      // Handed over at its time, as an immediate send (not scheduled at the provider).
      expect(suite.sim.messages.every((m) => m.sendAt === undefined)).toBe(true);
      expect(
        suite.sim.messages.every((m) => m.createdAt.getTime() >= rescheduled.getTime() - 1_000),
      ).toBe(true);
      await expect(campaign.cancel()).rejects.toMatchObject({
        name: 'CampaignStateError',
        code: 'CAMPAIGN_ALREADY_STARTED',
      });
      await expect(campaign.reschedule(new Date(Date.now() + 60_000))).rejects.toMatchObject({
        code: 'CAMPAIGN_ALREADY_STARTED',
      });
    },
    TIMEOUT,
  );

  it(
    'cancel() of a running durable campaign removes its queued batches at once',
    async () => {
      const prefix = suite.newPrefix();
      // No worker anywhere yet: every batch waits in the queue.
      const starter = await suite.instance({ prefix, worker: false });
      const campaign = starter.send({
        to: numbers(8_000),
        text: 'Bilgilendirme',
        kind: 'informational',
      });
      await queued(campaign);
      const report = await campaign.cancel();
      expect(report).toMatchObject({
        total: 8_000,
        sent: 0,
        failed: 8_000,
        cancelled: true,
        cancelledRecipients: 8_000,
      });
      // A worker that starts now finds nothing of it: the next campaign is the first it sends.
      const worker = await suite.instance({ prefix });
      const next = await worker.send({
        to: [national(99_999)],
        text: 'Sonraki',
        kind: 'informational',
      }).done;
      expect(next.sent).toBe(1);
      expect(suite.sim.messages.map((m) => m.to)).toEqual([`90${national(99_999)}`]);
    },
    TIMEOUT,
  );

  it(
    'cancel() from another instance while the starting instance still reads: it stops reading, nothing is sent',
    async () => {
      const prefix = suite.newPrefix();
      const starter = await suite.instance({ prefix, worker: false });
      let read = 0;
      let release!: () => void;
      const halfway = new Promise<void>((resolve) => (release = resolve));
      async function* slowly() {
        for (let i = 0; i < 20_000; i++) {
          read++;
          if (i === 4_000) release();
          if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
          yield national(i);
        }
      }
      const campaign = starter.send({ to: slowly(), text: 'Duyuru', kind: 'informational' });
      await halfway;
      const other = await suite.instance({ prefix, worker: false });
      const report = await (await other.campaign(campaign.id)).cancel();
      const own = await campaign.done;
      expect(read).toBeLessThan(20_000);
      expect(own).toMatchObject({ cancelled: true, sent: 0 });
      expect(own.total).toBeLessThan(20_000);
      expect(own.cancelledRecipients).toBe(own.total);
      expect(report).toMatchObject({ cancelled: true, sent: 0 });
      // A worker that starts now finds nothing of it.
      const worker = await suite.instance({ prefix });
      await worker.send({ to: [national(99_999)], text: 'Sonraki', kind: 'informational' }).done;
      expect(suite.sim.messages.map((m) => m.to)).toEqual([`90${national(99_999)}`]);
    },
    TIMEOUT,
  );

  it(
    'kill -9 of the starting process while it reads a 50,000-recipient input, then send() again with the same key and input: each number exactly once',
    async () => {
      const prefix = suite.newPrefix();
      const script = await compileEntry('bulk-campaign-starter.worker.ts');
      // Workers send from the start (in this process).
      const bulk = await suite.instance({ prefix });
      let killed = false;
      let child: ChildHandle | undefined;
      const killedAt = new Promise<number>((resolve) => {
        void startChild(
          script,
          {
            SIM_BULK_URL: suite.sim.bulkBaseUrl,
            REDIS_URL,
            BULK_PREFIX: prefix,
            RECIPIENTS: '50000',
            CAMPAIGN_KEY: 'monthly-50k',
          },
          (line) => {
            const read = /^read (\d+)$/.exec(line);
            if (
              read &&
              Number(read[1]) >= 20_000 &&
              suite.sim.messages.length > 0 &&
              !killed &&
              child
            ) {
              killed = true;
              child.child.kill('SIGKILL');
              resolve(Number(read[1]));
            }
          },
        ).then((started) => {
          child = started;
          suite.children.push(started);
        });
      });
      const at = await killedAt;
      expect(await child!.exited).toBe('SIGKILL');
      expect(at).toBeLessThan(50_000);
      const sentBeforeResume = suite.sim.messages.length;
      expect(sentBeforeResume).toBeGreaterThan(0);

      // The same entries as the child's input (bulk-campaign-starter.worker.ts).
      const entry = (i: number): string =>
        i % 997 === 996
          ? `0532${String(i - 500).padStart(7, '0')}`
          : i % 1009 === 1008
            ? '0212 555 00 00'
            : `0532${String(i).padStart(7, '0')}`;
      async function* input() {
        for (let i = 0; i < 50_000; i++) yield entry(i);
      }
      const distinct = new Set(
        Array.from({ length: 50_000 }, (_, i) => entry(i)).filter((n) => n.startsWith('0532')),
      );
      const resumed = bulk.send({
        to: input(),
        text: 'Hesap özetiniz hazır',
        kind: 'informational',
        campaignKey: 'monthly-50k',
      });
      const report = await resumed.done;
      expect(report).toMatchObject({
        total: 50_000,
        sent: distinct.size,
        failed: 0,
        skipped: 50_000 - distinct.size,
      });
      expect(distinct.size).toBeLessThan(50_000 - 40);
      expect(suite.sim.messages).toHaveLength(distinct.size);
      const perNumber = counts(suite.sim.messages.map((m) => m.to));
      expect(new Set(perNumber.keys())).toEqual(new Set([...distinct].map((n) => `9${n}`)));
      expect([...perNumber.values()].every((n) => n === 1)).toBe(true);
      // Every input position reported exactly once.
      expect(report.recipients).toHaveLength(50_000);
      expect(new Set(report.recipients.map((o) => o.index)).size).toBe(50_000);

      // The same key with another input is refused, nothing more sent.
      async function* other() {
        for (let i = 0; i < 50_000; i++) yield `0533${String(i).padStart(7, '0')}`;
      }
      await expect(
        bulk.send({
          to: other(),
          text: 'Hesap özetiniz hazır',
          kind: 'informational',
          campaignKey: 'monthly-50k',
        }).done,
      ).rejects.toMatchObject({ code: 'CAMPAIGN_KEY_CONFLICT', reason: 'input' });
      expect(suite.sim.messages).toHaveLength(distinct.size);
    },
    TIMEOUT,
  );

  it(
    'deliveries() of a durable campaign runs as a job: it survives the restart of its worker, and other instances join it',
    async () => {
      // A clock that moves only with advance(): statuses change when the test says so.
      const frozen = Date.now();
      const clocked = new PostaGuverciniSimulator({
        blacklist: BLACKLISTED,
        now: () => new Date(frozen),
      });
      await clocked.start();
      try {
        const prefix = suite.newPrefix();
        const starter = await suite.instance({ prefix, worker: false }, {}, clocked);
        await suite.instance({ prefix }, {}, clocked); // worker 1
        const workerApp = suite.apps.at(-1)!;
        const to = [...Array.from({ length: 980 }, (_, i) => national(i)), ...BLACKLISTED];
        const campaign = starter.send({
          to,
          text: 'Kargonuz teslim edildi',
          kind: 'informational',
        });
        await campaign.done;
        const collection = campaign.deliveries({ intervalMs: 200 });
        await new Promise<void>((resolve) =>
          collection.progress$.subscribe((p) => p.rounds >= 1 && resolve()),
        );
        // First round: the blacklisted numbers are final (rejected), the rest still pending.
        expect(collection.progress).toMatchObject({ messages: 1_000, final: 20, pending: 980 });
        // Worker 1 goes away; the provider delivers; worker 2 finishes the collection.
        await workerApp.close();
        suite.apps.splice(suite.apps.indexOf(workerApp), 1);
        clocked.advance(10_000);
        await suite.instance({ prefix }, {}, clocked); // worker 2
        const report = await collection.done;
        expect(report).toMatchObject({
          campaignId: campaign.id,
          messages: 1_000,
          delivered: 980,
          final: 1_000,
          pending: 0,
          complete: true,
        });
        expect(report.rounds).toBeGreaterThanOrEqual(2);
        expect(report.counts).toMatchObject({ delivered: 980, rejected: 20, pending: 0 });
        expect(new Set(report.undelivered.map((u) => u.to))).toEqual(
          new Set(BLACKLISTED.map((n) => `9${n}`)),
        );
        expect(report.undelivered.every((u) => u.providerCode === '-242' && u.final)).toBe(true);
        expect(collection.progress.done).toBe(true);

        // Another instance asking for the same campaign's deliveries gets the finished collection.
        const other = await suite.instance({ prefix, worker: false }, {}, clocked);
        const again = await (await other.campaign(campaign.id)).deliveries().done;
        expect(again).toMatchObject({ delivered: 980, complete: true, rounds: report.rounds });
        expect(again.counts).toEqual(report.counts);
      } finally {
        for (const app of suite.apps.splice(0)) await app.close();
        await clocked.stop();
      }
    },
    TIMEOUT,
  );
});
