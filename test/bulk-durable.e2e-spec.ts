import type { CampaignReport } from '../lib/index.js';
import { type CampaignProgress } from '../lib/bulk/campaign-progress.js';
import type { PostaGuverciniSimulator, SimulatedMessage } from '../lib/testing/index.js';
import { REDIS_URL, TIMEOUT, compileEntry, durableSuite, startChild } from './durable-harness.js';

/**
 * Durable mode against the real local Redis and the simulator: batches are BullMQ jobs; a
 * worker process is killed with SIGKILL at the worst moment — the provider has accepted a
 * batch and the worker never sees the reply — and a new worker process finishes the campaign.
 */
/** 6,000 distinct numbers (in mixed forms), 40 duplicates and 20 invalid entries. */
function recipients(): { input: string[]; valid: Set<string> } {
  const valid = new Set<string>();
  const input: string[] = [];
  for (let i = 0; i < 6000; i++) {
    const national = `533${String(i * 7 + 3).padStart(7, '0')}`;
    valid.add(`90${national}`);
    input.push(i % 2 === 0 ? `0${national}` : `+90 ${national}`);
    if (i % 150 === 0) input.push(national); // duplicate in another form
    if (i % 300 === 0) input.push(`0212${String(i).padStart(7, '0')}`); // landline: invalid
  }
  return { input, valid };
}

const live = (sim: PostaGuverciniSimulator, m: SimulatedMessage): boolean =>
  sim.statusOf(m.id)?.code !== -202;

describe('BulkSmsService durable mode (BullMQ + Redis)', () => {
  const suite = durableSuite({ name: 'bulk' });
  let workerScript: string;

  beforeAll(async () => {
    workerScript = await compileEntry('bulk-durable.worker.ts', 'posta-guvercini-bulk-e2e');
  }, TIMEOUT);

  it(
    'runs a campaign as BullMQ jobs and rebuilds its report from Redis with attach()',
    async () => {
      const prefix = suite.newPrefix();
      const bulk = await suite.instance({ prefix });
      const { input, valid } = recipients();
      const campaign = bulk.send({
        to: input.slice(0, 2000),
        text: 'Kartınızın son ödeme tarihi yaklaşıyor',
        kind: 'informational',
        reportLimit: Infinity,
      });
      const report = await campaign.done;

      const expected = new Set(
        [...valid]
          .slice(0, 2000)
          .filter((n) =>
            input.slice(0, 2000).some((raw) => raw.replace(/\D/g, '').endsWith(n.slice(2))),
          ),
      );
      expect(report.sent).toBe(expected.size);
      expect(new Set(suite.sim.messages.map((m) => m.to))).toEqual(
        new Set(report.recipients.filter((o) => o.status === 'sent').map((o) => o.to)),
      );
      expect(suite.sim.messages).toHaveLength(report.sent);
      expect(report.skipped).toBe(2000 - report.sent);
      expect(suite.sim.requests.filter((r) => r.operation === 'Send_1_N')).toHaveLength(
        Math.ceil(report.sent / 800),
      );

      // Another process (here: another app on the same Redis, no worker) attaches by id.
      const other = await suite.instance({ prefix, worker: false });
      const attached = await other.attach(campaign.id);
      const rebuilt = await attached.done;
      expect(rebuilt).toMatchObject({
        campaignId: campaign.id,
        total: 2000,
        sent: report.sent,
        skipped: report.skipped,
        failed: 0,
        requests: report.requests,
      });
      const key = (o: { to: string; index: number; status: string; messageId?: string }) =>
        `${o.index}|${o.to}|${o.status}|${o.messageId ?? ''}`;
      expect(new Set(rebuilt.recipients.map(key))).toEqual(new Set(report.recipients.map(key)));
    },
    TIMEOUT,
  );

  it(
    'N-N: an item the transport cannot carry is reported alone, in the report and after attach() (issue 9.4)',
    async () => {
      const prefix = suite.newPrefix();
      const bulk = await suite.instance({ prefix });
      const items = Array.from({ length: 900 }, (_, i) => ({
        to: `90533${String(i).padStart(7, '0')}`,
        text: i === 5 ? 'Sayın\u0000Ali' : i === 850 ? 'Merhaba \ud83d' : `Sipariş ${i} kargoda`,
      }));
      const campaign = bulk.sendEach(items, { kind: 'informational' });
      const report = await campaign.done;
      expect(report).toMatchObject({ total: 900, sent: 898, skipped: 2, failed: 0 });
      const refused = report.recipients.filter((o) => o.status === 'skipped');
      expect(refused.map((o) => [o.index, o.reason, o.error?.code])).toEqual([
        [5, 'invalid_text', 'TEXT_NOT_ENCODABLE'],
        [850, 'invalid_text', 'TEXT_NOT_ENCODABLE'],
      ]);
      expect(suite.sim.messages).toHaveLength(898);
      expect(suite.sim.requests.filter((r) => r.operation === 'Send_N_N')).toHaveLength(2);

      const rebuilt = await (
        await (await suite.instance({ prefix, worker: false })).attach(campaign.id)
      ).done;
      expect(rebuilt.recipients.map((o) => o.index)).toEqual(items.map((_, i) => i));
      expect(rebuilt.recipients[5]).toMatchObject({
        status: 'skipped',
        reason: 'invalid_text',
        error: { code: 'TEXT_NOT_ENCODABLE' },
      });
    },
    TIMEOUT,
  );

  /**
   * Starts a 6,060-entry campaign from this process (no worker here), lets a worker process
   * send it, kills that worker with SIGKILL the instant the simulator accepts the first
   * message of the fourth accepted batch (before the reply is written), then starts a new
   * worker process and waits for the campaign to finish.
   */
  async function killMidCampaign(duplicateWindowMs: number): Promise<{
    report: CampaignReport;
    valid: Set<string>;
    killedOn: SimulatedMessage;
    acceptedBeforeKill: number;
    snapshots: CampaignProgress[];
  }> {
    const prefix = suite.newPrefix();
    const env = {
      SIM_BULK_URL: suite.sim.bulkBaseUrl,
      REDIS_URL,
      BULK_PREFIX: prefix,
      DUPLICATE_WINDOW_MS: String(duplicateWindowMs),
    };
    const first = await startChild(workerScript, env);
    suite.children.push(first);
    const bulk = await suite.instance({ prefix, worker: false });

    let accepted = 0;
    let killedOn: SimulatedMessage | undefined;
    let acceptedBeforeKill = 0;
    suite.sim.on('message', (message: SimulatedMessage) => {
      accepted++;
      if (killedOn === undefined && accepted === 3 * 800 + 1) {
        killedOn = message;
        first.child.kill('SIGKILL');
        acceptedBeforeKill = accepted;
      }
    });

    const { input, valid } = recipients();
    const campaign = bulk.send({
      to: input,
      text: 'Hesabınıza giriş yapıldı mı? Bilgi için 0850 000 00 00',
      kind: 'informational',
      reportLimit: Infinity,
    });
    const snapshots: CampaignProgress[] = [];
    campaign.progress$.subscribe((p) => snapshots.push(p));
    expect(await first.exited).toBe('SIGKILL');
    expect(suite.sim.messages.length).toBeLessThan(valid.size); // really mid-campaign

    suite.children.push(await startChild(workerScript, env));
    const report = await campaign.done;
    return { report, valid, killedOn: killedOn!, acceptedBeforeKill, snapshots };
  }

  it(
    'kill -9 of the worker mid-campaign: a new worker finishes it, every recipient gets the message exactly once',
    async () => {
      const creditBefore = suite.sim.creditOf('bulk');
      const { report, valid, killedOn, snapshots } = await killMidCampaign(60_000);

      // No batch lost: every valid number has exactly one live message (the provider deleted
      // any re-sent copy of a message it had already accepted, status -202).
      const liveCount = new Map<string, number>();
      const copies = new Map<string, number>();
      for (const m of suite.sim.messages) {
        if (live(suite.sim, m)) liveCount.set(m.to, (liveCount.get(m.to) ?? 0) + 1);
        else copies.set(m.to, (copies.get(m.to) ?? 0) + 1);
      }
      expect(new Set(liveCount.keys())).toEqual(valid);
      expect([...liveCount.values()].every((n) => n === 1)).toBe(true);
      expect(suite.sim.messages.filter((m) => !valid.has(m.to))).toHaveLength(0);

      // Only batches in flight at the kill were re-sent (two at most: worker concurrency 2),
      // and the batch whose reply was lost was among them.
      expect(copies.size).toBeGreaterThanOrEqual(800);
      expect(copies.size).toBeLessThanOrEqual(1600);
      expect([...copies.values()].every((n) => n === 1)).toBe(true);
      expect(copies.has(killedOn.to)).toBe(true);

      // The report says the same: all valid numbers sent, none failed; recovered ones are
      // exactly those whose live message is the one accepted before the crash.
      expect(report).toMatchObject({ sent: valid.size, failed: 0, skipped: 60, total: 6060 });
      const recovered = report.recipients.filter((o) => o.reason === 'recovered');
      expect(new Set(recovered.map((o) => o.to))).toEqual(new Set(copies.keys()));
      expect(recovered.every((o) => o.status === 'sent' && o.messageId === undefined)).toBe(true);
      const byId = new Map(suite.sim.messages.map((m) => [m.id, m]));
      for (const outcome of report.recipients.filter((o) => o.status === 'sent' && o.messageId)) {
        const message = byId.get(outcome.messageId!);
        expect(message?.to).toBe(outcome.to);
        expect(live(suite.sim, message!)).toBe(true);
      }

      // Issue 9.9: the report counts every send request the provider got — the one whose reply
      // died with the worker and the re-sends — and exactly the credits the provider charged.
      const sends = suite.sim.requests.filter(
        (r) => r.profile === 'bulk' && r.operation === 'Send_1_N',
      );
      expect(report.requests).toBe(sends.length);
      const charged = suite.sim.messages.reduce((sum, m) => sum + m.charge, 0);
      expect(charged).toBe(creditBefore - suite.sim.creditOf('bulk'));
      expect(report.credits).toBe(charged);
      expect(report.recipients.reduce((sum, o) => sum + (o.charge ?? 0), 0)).toBe(charged);

      // Issue 14.6: input order, and the final snapshot once.
      expect(report.recipients.map((o) => o.index)).toEqual(report.recipients.map((_, i) => i));
      expect(snapshots.filter((p) => p.done)).toHaveLength(1);
      expect(snapshots.filter((p) => p.processed === report.total)).toHaveLength(1);
      expect(snapshots.at(-1)).toMatchObject({ done: true, requests: report.requests });
    },
    TIMEOUT,
  );

  it(
    'past the provider duplicate window, an interrupted batch is reported maybe-sent and never sent twice',
    async () => {
      const { report, valid, killedOn } = await killMidCampaign(0);

      // At most once: no number got two messages.
      const counts = new Map<string, number>();
      for (const m of suite.sim.messages) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);

      // The batch whose reply was lost was delivered once and is reported honestly.
      const killed = report.recipients.find((o) => o.to === killedOn.to && o.status !== 'skipped')!;
      expect(killed).toMatchObject({
        status: 'failed',
        reason: 'outcome_unknown',
        maybeSent: true,
      });
      const unknown = report.recipients.filter((o) => o.reason === 'outcome_unknown');
      expect(unknown.length).toBeGreaterThanOrEqual(800);
      expect(unknown.length).toBeLessThanOrEqual(1600);
      expect(unknown.every((o) => o.status === 'failed' && o.maybeSent === true)).toBe(true);

      // Everything else went out exactly once and is reported with its id.
      expect(report.sent + unknown.length).toBe(valid.size);
      const byId = new Map(suite.sim.messages.map((m) => [m.id, m]));
      for (const outcome of report.recipients.filter((o) => o.status === 'sent')) {
        expect(byId.get(outcome.messageId!)?.to).toBe(outcome.to);
      }
    },
    TIMEOUT,
  );
});
