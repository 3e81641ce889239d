import { jest } from '@jest/globals';
import {
  BulkSmsService,
  JsonTransport,
  type CampaignReport,
  type RecipientOutcome,
} from '../lib/index.js';
import { PostaGuverciniSimulator } from '../lib/testing/index.js';
import { canonicalOfTurkishKey, keyedBatchSenderOf } from '../lib/transports/keyed-batch.js';
import { simulatorForSuite } from './support/simulator-suite.js';

/**
 * Issue 10 (point 6): a 1-N campaign over JsonTransport takes the keyed hot path (numbers as
 * keys, the request written from them, outcomes built only when the report keeps them). Here
 * every campaign runs twice against a fresh simulator — once on the keyed path, once on the
 * plain `send()` path (a JsonTransport subclass, which is not offered the keyed path) — and
 * both reports must be the same: counts, requests, credits, every kept outcome, the outcomes
 * handed to `onRecipient`, and the messages the provider got.
 */
class PlainJsonTransport extends JsonTransport {}

const TEXT = 'Değerli müşterimiz, kampanyamız başladı.';

/** Numbers in the forms people type, with duplicates, invalid and unusual entries among them. */
function input(count: number, foreign = false): string[] {
  const list: string[] = [];
  for (let i = 0; i < count; i++) {
    const national = `53${String(i).padStart(8, '0')}`;
    if (i % 4 === 0) list.push(`0${national}`);
    else if (i % 4 === 1) list.push(`+90 ${national.slice(0, 3)} ${national.slice(3)}`);
    else if (i % 4 === 2) list.push(national);
    else list.push(`90${national}`);
    if (i % 97 === 5) list.push(`0${national}`); // a duplicate
    if (i % 131 === 7) list.push('12345'); // invalid
    if (i % 151 === 9) list.push(`+90 (${national.slice(0, 3)}) ${national.slice(3)}`);
    // The full normaliser's: the simulator refuses the request of its batch (1061), so one here.
    if (foreign && i === 3) list.push('+49 151 00000003');
  }
  return list;
}

/** What must be equal between the two paths: everything but ids and times. */
function comparable(report: CampaignReport) {
  const { campaignId: _id, startedAt: _s, finishedAt: _f, recipients, ...rest } = report;
  return { ...rest, recipients: recipients.map(outcomeShape) };
}

function outcomeShape(outcome: RecipientOutcome) {
  const { messageId, error, ...rest } = outcome;
  return {
    ...rest,
    messageId: typeof messageId === 'string' && messageId.startsWith('C1_'),
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
  };
}

describe('1-N campaigns over JsonTransport: the keyed path reports exactly what send() does', () => {
  const sim = simulatorForSuite();

  async function run(
    plain: boolean,
    options: {
      count?: number;
      reportLimit?: number;
      onRecipient?: boolean;
      sendAt?: Date;
      sender?: string;
      before?: (sim: PostaGuverciniSimulator) => void | Promise<void>;
      password?: string;
      foreign?: boolean;
    } = {},
  ) {
    sim.reset();
    await options.before?.(sim);
    const accounts = sim.accounts;
    const bulkAccount = {
      ...(accounts.bulk as object),
      ...(options.password ? { password: options.password } : {}),
    } as typeof accounts.bulk;
    const Transport = plain ? PlainJsonTransport : JsonTransport;
    const transport = new Transport({ accounts: { ...accounts, bulk: bulkAccount } });
    const bulk = new BulkSmsService(transport, {
      bulk: {
        concurrency: 1,
        retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 2 },
        ...(options.reportLimit !== undefined ? { reportLimit: options.reportLimit } : {}),
        ...(options.foreign ? { allowedCountries: ['TR', 'DE'] } : {}),
      },
    });
    const seen: RecipientOutcome[] = [];
    const campaign = bulk.send({
      to: input(options.count ?? 2000, options.foreign),
      text: TEXT,
      kind: 'informational',
      ...(options.sendAt ? { sendAt: options.sendAt } : {}),
      ...(options.sender ? { sender: options.sender } : {}),
      ...(options.onRecipient ? { onRecipient: (o: RecipientOutcome) => void seen.push(o) } : {}),
    });
    const report = await campaign.done.catch((error: { report?: CampaignReport }) => {
      if (error.report) return error.report;
      throw error;
    });
    const messages = sim.messages.map((m) => ({
      to: m.to,
      text: m.text,
      sender: m.sender,
      sendAt: m.requested.sendAt?.getTime(),
      charge: m.charge,
    }));
    await bulk.onApplicationShutdown();
    await transport.close();
    return {
      report: comparable(report),
      seen: seen.sort((a, b) => a.index - b.index).map(outcomeShape),
      messages,
    };
  }

  async function expectSame(options: Parameters<typeof run>[1]) {
    const keyed = await run(false, options);
    const plain = await run(true, options);
    expect(keyed).toEqual(plain);
    return keyed;
  }

  it('a campaign with duplicates, invalid numbers and unusual forms (reportLimit 500: outcomes past the cutoff are not built)', async () => {
    const send = jest.spyOn(JsonTransport.prototype, 'send');
    const keyed = await run(false, { reportLimit: 500 });
    const keyedSends = send.mock.calls.length;
    const plain = await run(true, { reportLimit: 500 });
    const plainSends = send.mock.calls.length - keyedSends;
    send.mockRestore();
    expect(keyed).toEqual(plain);
    // The keyed run never went through send(); the plain one sent every batch with it.
    expect(keyedSends).toBe(0);
    expect(plainSends).toBe(keyed.report.requests);
    const { report } = keyed;
    expect(report.sent).toBeGreaterThan(1900);
    expect(report.skipped).toBeGreaterThan(30);
    expect(report.recipients).toHaveLength(500);
    expect(report.recipientsTruncated).toBe(true);
  });

  it('with the default report limit, reportLimit 0, and onRecipient', async () => {
    await expectSame({});
    await expectSame({ reportLimit: 0 });
    const { seen, report } = await expectSame({ onRecipient: true, reportLimit: 3 });
    expect(seen).toHaveLength(report.total);
  });

  it('with numbers of another country among them (batches of keys and objects, in input order)', async () => {
    const { report, messages } = await expectSame({ foreign: true, reportLimit: 2500 });
    expect(report.recipients.find((o) => o.to === '4915100000003')).toMatchObject({
      status: 'failed',
      error: { code: 'PROVIDER_INVALID_NUMBER' },
    });
    expect(report.failed).toBe(800); // its batch; the others were sent
    expect(messages).toHaveLength(report.sent);
    expect(report.recipients.map((o) => o.index)).toEqual(
      [...report.recipients.map((o) => o.index)].sort((a, b) => a - b),
    );
  });

  it('with a send time and a sender', async () => {
    const sendAt = new Date(Date.now() + 3 * 3600_000);
    const { messages } = await expectSame({ sendAt, sender: 'ACME', count: 900 });
    expect(messages.every((m) => m.sender === 'ACME' && m.sendAt !== undefined)).toBe(true);
  });

  it('when the provider charges nothing for some recipients (repeats within 60 s, refused later)', async () => {
    const { report, messages } = await expectSame({
      count: 1000,
      before: async (s) => {
        // Send two of the numbers first: the campaign's copies are accepted with charge 0.
        const warm = new JsonTransport({ accounts: s.accounts });
        await warm.send({ channel: 'bulk', text: TEXT, to: ['905300000004', '905300000301'] });
        await warm.close();
      },
    });
    expect(messages.filter((m) => m.charge === 0)).toHaveLength(2);
    expect(report.recipients.filter((o) => o.charge === 0)).toHaveLength(2);
  });

  it('on wrong credentials, a malformed reply and an HTTP error', async () => {
    const wrong = await expectSame({ count: 1700, password: 'wrong' });
    expect(wrong.report.sent).toBe(0);
    const malformed = await expectSame({
      count: 1700,
      before: (s) => void s.injectFault({ kind: 'malformed', operation: 'Send_1_N' }),
    });
    expect(malformed.report.failed).toBeGreaterThan(0);
    const refused = await expectSame({
      count: 1700,
      before: (s) =>
        void s.injectFault({ kind: 'http-status', status: 503, operation: 'Send_1_N' }),
    });
    expect(refused.report.requests).toBeGreaterThan(3);
  });
});

describe("JsonTransport's keyed path: one checked plan per message, re-made when the request changes", () => {
  const sim = simulatorForSuite();

  it('reuses the plan of the same request and re-plans for another text, time or sender', async () => {
    sim.reset();
    const transport = new JsonTransport({ accounts: sim.accounts });
    const send = keyedBatchSenderOf(transport)!;
    const sent = () => sim.messages.map((m) => [m.text, m.sender, m.requested.sendAt?.getTime()]);
    // On a whole minute: the JSON API carries minutes.
    const sendAt = new Date(Math.ceil((Date.now() + 3_600_000) / 60_000) * 60_000);
    const at = sendAt.getTime();
    const base = { channel: 'bulk', text: TEXT } as const;
    await send(base, [1, 2]);
    await send({ ...base }, [3]); // an equal request: the same plan
    await send({ ...base, text: 'Başka bir metin' }, [4]);
    await send({ ...base, sendAt }, [5]);
    sendAt.setTime(at + 600_000); // the caller's Date changes: a new plan, not the old bytes
    await send({ ...base, sendAt }, [6]);
    await send({ ...base, sendAt, sender: 'ACME' }, [7]);
    // A request that fails its checks is refused each time and leaves the last plan in place.
    for (let i = 0; i < 2; i++) {
      await expect(send({ ...base, sender: 'X'.repeat(40) }, [8])).rejects.toMatchObject({
        code: 'INVALID_SENDER',
      });
    }
    await send({ ...base, sendAt, sender: 'ACME' }, [9]);
    // With a plan kept, input of the wrong types is still refused by the plan's own checks.
    const wrong = [
      null,
      { ...base, sendAt: '2030-01-01' },
      { ...base, sendAt: { getTime: () => at } },
    ];
    for (const request of wrong) {
      await expect(send(request as never, [10])).rejects.toMatchObject({
        name: 'SmsValidationError',
      });
    }
    expect(sim.messages.map((m) => m.to)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 9].map(canonicalOfTurkishKey),
    );
    expect(sent()).toEqual([
      [TEXT, undefined, undefined],
      [TEXT, undefined, undefined],
      [TEXT, undefined, undefined],
      ['Başka bir metin', undefined, undefined],
      [TEXT, undefined, at],
      [TEXT, undefined, at + 600_000],
      [TEXT, 'ACME', at + 600_000],
      [TEXT, 'ACME', at + 600_000],
    ]);
    await transport.close();
  });
});
