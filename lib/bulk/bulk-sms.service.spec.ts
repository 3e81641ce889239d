import { lastValueFrom, toArray } from 'rxjs';
import { BulkCampaignError } from '../errors/bulk.errors.js';
import { SmsProviderError } from '../errors/provider.error.js';
import { SmsConnectionError, SmsHttpStatusError } from '../errors/transport.error.js';
import { SmsValidationError } from '../errors/validation.error.js';
import { InMemoryTransport } from '../transports/in-memory.transport.js';
import type {
  SendRequest,
  SendResult,
  StatusRequest,
  DeliveryReport,
} from '../transports/sms-transport.types.js';
import { isManyToMany } from '../transports/sms-transport.types.js';
import type { BulkModuleOptions } from './bulk.options.js';
import { BulkSmsService } from './bulk-sms.service.js';
import type { RecipientOutcome } from './campaign-report.js';
import { ConsentFilter } from './consent-filter.js';
import { OptOutList } from './opt-out-list.js';

/** InMemoryTransport that records every request and can fail chosen calls. */
class ScriptedTransport extends InMemoryTransport {
  readonly calls: SendRequest[] = [];
  readonly statusCalls: StatusRequest[] = [];
  /** call number (1-based) → error to throw instead of sending. */
  readonly failures = new Map<number, Error>();

  override async send(request: SendRequest): Promise<SendResult> {
    this.calls.push(request);
    const failure = this.failures.get(this.calls.length);
    if (failure) throw failure;
    return super.send(request);
  }

  override async status(request: StatusRequest): Promise<DeliveryReport[]> {
    this.statusCalls.push(request);
    return super.status(request);
  }

  recipientsOf(call: number): string[] {
    const request = this.calls[call - 1]!;
    return isManyToMany(request) ? request.messages.map((m) => m.to) : [...request.to];
  }
}

const number = (i: number): string => `90532${String(i).padStart(7, '0')}`;
const numbers = (count: number, from = 0): string[] =>
  Array.from({ length: count }, (_, i) => number(from + i));

function service(
  transport: ScriptedTransport,
  bulk: BulkModuleOptions = {},
  sender?: string,
): BulkSmsService {
  return new BulkSmsService(transport, {
    transport,
    bulk: { retry: { initialDelayMs: 1, maxDelayMs: 5 }, ...bulk },
    ...(sender ? { sender } : {}),
  });
}

const byStatus = (
  outcomes: readonly RecipientOutcome[],
  status: RecipientOutcome['status'],
): RecipientOutcome[] => outcomes.filter((o) => o.status === status);

describe('BulkSmsService (in process)', () => {
  it('normalises, de-duplicates, skips invalid numbers and sends full batches of 800', async () => {
    const transport = new ScriptedTransport();
    const bulk = service(transport);
    const input = [
      ...numbers(1700),
      '+90 532 000 00 01', // duplicate of index 1 in another form
      '0532 000 0002', // duplicate of index 2
      'not a number',
      '0212 123 45 67', // landline: not a mobile
    ];
    const campaign = bulk.send({ to: input, text: 'Kampanya başladı', kind: 'informational' });
    const report = await campaign.done;

    expect(transport.calls.map((c) => (isManyToMany(c) ? c.messages.length : c.to.length))).toEqual(
      [800, 800, 100],
    );
    expect(transport.calls.every((c) => c.channel === 'bulk')).toBe(true);
    expect(report).toMatchObject({
      total: 1704,
      sent: 1700,
      skipped: 4,
      failed: 0,
      requests: 3,
      kind: 'informational',
      channel: 'bulk',
    });
    const skipped = byStatus(report.recipients, 'skipped');
    expect(skipped.map((o) => [o.index, o.reason])).toEqual([
      [1700, 'duplicate'],
      [1701, 'duplicate'],
      [1702, 'invalid_number'],
      [1703, 'invalid_number'],
    ]);
    expect(skipped[2]!.error).toBeInstanceOf(SmsValidationError);
    const sentTo = new Set(byStatus(report.recipients, 'sent').map((o) => o.to));
    expect(sentTo.size).toBe(1700);
    // Every sent outcome carries the id the transport returned for that number.
    const sent = byStatus(report.recipients, 'sent');
    for (const outcome of sent.slice(0, 50)) {
      expect(transport.outbox.find((m) => m.messageId === outcome.messageId)?.to).toBe(outcome.to);
    }
    expect(campaign.progress).toMatchObject({ done: true, processed: 1704, total: 1704 });
  });

  it('sends a text per number with sendEach and skips items with a bad text', async () => {
    const transport = new ScriptedTransport();
    const bulk = service(transport);
    const items = [
      { to: '05320000001', text: 'Sayın Ayşe, siparişiniz yolda' },
      { to: '05320000002', text: '' },
      { to: '05320000003', text: 'x'.repeat(481) },
      { to: '05320000001', text: 'second text for the same number' },
      { to: 'nope', text: 'hello' },
      null,
    ];
    const report = await bulk.sendEach(items as never, { kind: 'informational' }).done;
    expect(report).toMatchObject({ total: 6, sent: 1, skipped: 5 });
    expect(transport.outbox.map((m) => [m.to, m.text])).toEqual([
      ['905320000001', 'Sayın Ayşe, siparişiniz yolda'],
    ]);
    const reasons = Object.fromEntries(
      report.recipients.map((o) => [o.index, o.reason ?? o.status]),
    );
    expect(reasons).toEqual({
      0: 'sent',
      1: 'invalid_text',
      2: 'invalid_text',
      3: 'duplicate',
      4: 'invalid_number',
      5: 'invalid_number',
    });
  });

  it('pulls an async iterable only as fast as it sends (bounded read-ahead)', async () => {
    const transport = new ScriptedTransport();
    const bulk = service(transport, { concurrency: 2 });
    let read = 0;
    let maxAhead = 0;
    let processed = 0;
    async function* source(): AsyncGenerator<string> {
      for (let i = 0; i < 20_000; i++) {
        read++;
        maxAhead = Math.max(maxAhead, read - processed);
        yield number(i);
      }
    }
    const report = await bulk.send({
      to: source(),
      text: 'hi',
      kind: 'informational',
      reportLimit: 0,
      onRecipient: () => {
        processed++;
      },
    }).done;
    expect(report.sent).toBe(20_000);
    expect(report.recipients).toEqual([]);
    expect(report.recipientsTruncated).toBe(true);
    // At most: 2 batches in flight + one being filled + one chunk at the filters.
    expect(maxAhead).toBeLessThanOrEqual(4 * 800 + 1);
  });

  it('reports exactly the recipients of a failed batch as failed and never retries what may have been accepted', async () => {
    const transport = new ScriptedTransport();
    transport.failures.set(2, new SmsHttpStatusError(500));
    const bulk = service(transport, { concurrency: 1 });
    const report = await bulk.send({ to: numbers(2000), text: 'hi', kind: 'informational' }).done;
    expect(transport.calls).toHaveLength(3);
    const failed = byStatus(report.recipients, 'failed');
    expect(failed.map((o) => o.to)).toEqual(transport.recipientsOf(2));
    expect(
      failed.every(
        (o) =>
          o.reason === 'send_failed' &&
          o.maybeSent === true &&
          o.error instanceof SmsHttpStatusError,
      ),
    ).toBe(true);
    expect(report).toMatchObject({ sent: 1200, failed: 800 });
    // Nothing reported sent that the transport did not accept.
    const accepted = new Set(transport.outbox.map((m) => m.messageId));
    expect(byStatus(report.recipients, 'sent').every((o) => accepted.has(o.messageId!))).toBe(true);
  });

  it('retries with back-off a batch whose request never reached the provider', async () => {
    const transport = new ScriptedTransport();
    transport.failures.set(2, new SmsHttpStatusError(503));
    transport.failures.set(3, new SmsConnectionError('ECONNREFUSED', false));
    const bulk = service(transport, { concurrency: 1 });
    const report = await bulk.send({ to: numbers(1600), text: 'hi', kind: 'informational' }).done;
    expect(report).toMatchObject({ sent: 1600, failed: 0, requests: 4 });
    expect(transport.recipientsOf(4)).toEqual(transport.recipientsOf(2));
    expect(transport.outbox).toHaveLength(1600);
  });

  it.each([502, 504])(
    'never retries a batch answered with HTTP %i (a gateway may have forwarded it)',
    async (status) => {
      const transport = new ScriptedTransport();
      transport.failures.set(1, new SmsHttpStatusError(status));
      const bulk = service(transport);
      const report = await bulk.send({ to: numbers(10), text: 'hi', kind: 'informational' }).done;
      expect(transport.calls).toHaveLength(1);
      expect(report).toMatchObject({ sent: 0, failed: 10 });
      expect(report.recipients.every((o) => o.maybeSent === true)).toBe(true);
    },
  );

  it.each([
    ['campaign.cancel()', 'CAMPAIGN_CANCELLED'],
    ['onApplicationShutdown()', 'CAMPAIGN_STOPPED'],
  ])('stops retrying a batch in back-off after %s and reports it aborted', async (how, code) => {
    const transport = new ScriptedTransport();
    transport.failures.set(1, new SmsHttpStatusError(503));
    // A back-off far longer than the test timeout: only a stop that interrupts it can pass.
    const bulk = service(transport, {
      retry: { maxRetries: 3, initialDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    const campaign = bulk.send({ to: numbers(5), text: 'hi', kind: 'informational' });
    while (transport.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    if (how === 'campaign.cancel()') void campaign.cancel();
    else await bulk.onApplicationShutdown();
    const report = await campaign.done;
    expect(transport.calls).toHaveLength(1);
    expect(report).toMatchObject({ sent: 0, failed: 5 });
    expect(
      report.recipients.every(
        (o) => o.reason === 'aborted' && o.maybeSent === false && o.error?.code === code,
      ),
    ).toBe(true);
  });

  it('gives up after maxRetries and reports the last error', async () => {
    const transport = new ScriptedTransport();
    for (let call = 1; call <= 3; call++) transport.failures.set(call, new SmsHttpStatusError(503));
    const bulk = service(transport, { retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 2 } });
    const report = await bulk.send({ to: numbers(10), text: 'hi', kind: 'informational' }).done;
    expect(transport.calls).toHaveLength(3);
    expect(report).toMatchObject({ sent: 0, failed: 10 });
    expect(report.recipients[0]).toMatchObject({ reason: 'send_failed', maybeSent: false });
  });

  describe('a transport that refuses the input before any network call (SmsValidationError)', () => {
    const notEncodable = () =>
      new SmsValidationError(
        'TEXT_NOT_ENCODABLE',
        'text has characters the HTTP API cannot carry (emoji)',
        'text',
      );

    it('1-N: the same text fails every batch, so the campaign stops; nothing is maybe-sent', async () => {
      const transport = new ScriptedTransport();
      transport.failures.set(1, notEncodable());
      const bulk = service(transport, { concurrency: 1 });
      const report = await bulk.send({ to: numbers(2000), text: 'hi 🎉', kind: 'informational' })
        .done;
      expect(transport.calls).toHaveLength(1);
      expect(report).toMatchObject({ sent: 0, failed: 2000 });
      const failed = byStatus(report.recipients, 'failed');
      expect(failed.filter((o) => o.reason === 'send_failed').map((o) => o.to)).toEqual(
        transport.recipientsOf(1),
      );
      expect(failed.filter((o) => o.reason === 'aborted')).toHaveLength(1200);
      expect(failed.every((o) => o.maybeSent === false)).toBe(true);
      expect(failed.every((o) => o.error instanceof SmsValidationError)).toBe(true);
    });

    it('N-N: only that batch fails (maybeSent false); the other batches are sent', async () => {
      const transport = new ScriptedTransport();
      transport.failures.set(1, notEncodable());
      const bulk = service(transport, { concurrency: 1 });
      const items = numbers(1600).map((to, i) => ({ to, text: `Sayın müşteri ${i}` }));
      const report = await bulk.sendEach(items, { kind: 'informational' }).done;
      expect(transport.calls).toHaveLength(2);
      expect(report).toMatchObject({ sent: 800, failed: 800 });
      const failed = byStatus(report.recipients, 'failed');
      expect(failed.map((o) => o.to)).toEqual(transport.recipientsOf(1));
      expect(
        failed.every(
          (o) =>
            o.reason === 'send_failed' &&
            o.maybeSent === false &&
            o.error instanceof SmsValidationError,
        ),
      ).toBe(true);
    });
  });

  it('stops after wrong credentials and reports the rest as aborted, not sent', async () => {
    const transport = new ScriptedTransport();
    transport.failures.set(1, new SmsProviderError('http', '-1002'));
    const bulk = service(transport, { concurrency: 1 });
    const report = await bulk.send({ to: numbers(4000), text: 'hi', kind: 'informational' }).done;
    expect(transport.calls).toHaveLength(1);
    expect(report).toMatchObject({ sent: 0, failed: 4000, total: 4000 });
    expect(
      byStatus(report.recipients, 'failed').filter((o) => o.reason === 'aborted'),
    ).toHaveLength(3200);
    expect(report.recipients.every((o) => o.error instanceof SmsProviderError)).toBe(true);
  });

  describe('campaign rules (checked before anything is sent)', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['sendAt in the past', { sendAt: new Date(Date.now() - 60_000) }, 'SEND_AT_IN_PAST'],
      ['sendAt not a date', { sendAt: '2030-01-01' }, 'INVALID_SEND_AT'],
      [
        'a schedule on the OTP host',
        { channel: 'otp', sendAt: new Date(Date.now() + 3_600_000) },
        'SCHEDULE_NOT_SUPPORTED',
      ],
      [
        'validUntil before sendAt',
        { sendAt: new Date(Date.now() + 7_200_000), validUntil: new Date(Date.now() + 3_600_000) },
        'VALID_UNTIL_TOO_EARLY',
      ],
      [
        'validUntil more than 24 h after sendAt',
        {
          sendAt: new Date(Date.now() + 3_600_000),
          validUntil: new Date(Date.now() + 26 * 3_600_000),
        },
        'VALIDITY_TOO_LONG',
      ],
      [
        'validUntil more than 24 h after now',
        { validUntil: new Date(Date.now() + 25 * 3_600_000) },
        'VALIDITY_TOO_LONG',
      ],
      ['a 12-character sender', { sender: 'ABCDEFGHIJKL' }, 'INVALID_SENDER'],
      ['no kind', { kind: undefined }, 'INVALID_CAMPAIGN_KIND'],
      [
        'a commercial campaign without consent filter',
        { kind: 'commercial' },
        'CONSENT_FILTER_REQUIRED',
      ],
    ];
    it.each(cases)('refuses %s', (_name, overrides, code) => {
      const transport = new ScriptedTransport();
      const bulk = service(transport);
      let thrown: unknown;
      try {
        bulk.send({ to: numbers(3), text: 'hi', kind: 'informational', ...overrides } as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SmsValidationError);
      expect((thrown as SmsValidationError).code).toBe(code);
      expect(transport.calls).toHaveLength(0);
    });

    it("refuses a durable campaign on channel 'otp' (the OTP host has no duplicate check to make crash recovery safe)", () => {
      const transport = new ScriptedTransport();
      const bulk = service(transport, {
        durable: { connection: 'redis://127.0.0.1:1', worker: false },
      });
      const otp = { kind: 'informational', channel: 'otp' } as const;
      for (const start of [
        () => bulk.send({ to: numbers(3), text: 'hi', ...otp }),
        () => bulk.sendEach([{ to: number(1), text: 'hi' }], otp),
      ]) {
        expect(start).toThrow(SmsValidationError);
        expect(start).toThrow(
          expect.objectContaining({ code: 'DURABLE_ON_OTP_HOST', field: 'channel' }),
        );
      }
      expect(transport.calls).toHaveLength(0);
    });

    it('refuses an empty text and a text over the provider cap', () => {
      const bulk = service(new ScriptedTransport());
      expect(() => bulk.send({ to: numbers(1), text: '  ', kind: 'informational' })).toThrow(
        expect.objectContaining({ code: 'TEXT_EMPTY' }),
      );
      expect(() =>
        bulk.send({ to: numbers(1), text: 'ş'.repeat(269), kind: 'informational' }),
      ).toThrow(expect.objectContaining({ code: 'TEXT_TOO_LONG' }));
    });

    it('uses the module sender and lets a campaign override it; an over-long module sender is refused', async () => {
      const transport = new ScriptedTransport();
      await service(transport, {}, 'BANKA').send({
        to: numbers(1),
        text: 'hi',
        kind: 'informational',
      }).done;
      await service(transport, {}, 'BANKA').send({
        to: numbers(1, 5),
        text: 'hi',
        kind: 'informational',
        sender: 'KAMPANYA',
      }).done;
      expect(transport.calls.map((c) => c.sender)).toEqual(['BANKA', 'KAMPANYA']);
    });

    it('schedules on the bulk host with validity', async () => {
      const transport = new ScriptedTransport();
      const sendAt = new Date(Date.now() + 3_600_000);
      const validUntil = new Date(sendAt.getTime() + 6 * 3_600_000);
      await service(transport).send({
        to: numbers(2),
        text: 'hi',
        kind: 'informational',
        sendAt,
        validUntil,
      }).done;
      expect(transport.calls[0]).toMatchObject({ channel: 'bulk', sendAt, validUntil });
      expect(
        (
          await transport.status({ channel: 'bulk', messageIds: [transport.outbox[0]!.messageId] })
        )[0]!.status,
      ).toBe('scheduled');
    });
  });

  describe('consent and opt-out', () => {
    it('sends a commercial campaign only to the numbers the consent filter allows, asking once per chunk', async () => {
      const transport = new ScriptedTransport();
      const asked: number[] = [];
      const bulk = service(transport, {
        consentFilter: async (batch) => {
          asked.push(batch.length);
          return batch.filter((n) => Number(n.slice(-1)) % 2 === 0);
        },
      });
      const report = await bulk.send({ to: numbers(1000), text: 'İndirim!', kind: 'commercial' })
        .done;
      expect(asked).toEqual([800, 200]);
      expect(report).toMatchObject({ sent: 500, skipped: 500 });
      expect(
        byStatus(report.recipients, 'skipped').every(
          (o) => o.reason === 'no_consent' && Number(o.to.slice(-1)) % 2 === 1,
        ),
      ).toBe(true);
      expect(transport.outbox.every((m) => Number(m.to.slice(-1)) % 2 === 0)).toBe(true);
      // 500 allowed recipients are packed into one request.
      expect(transport.calls).toHaveLength(1);
    });

    it('does not consult the consent filter for informational campaigns', async () => {
      const transport = new ScriptedTransport();
      let asked = false;
      const bulk = service(transport, { consentFilter: () => ((asked = true), []) });
      const report = await bulk.send({ to: numbers(5), text: 'hi', kind: 'informational' }).done;
      expect(asked).toBe(false);
      expect(report.sent).toBe(5);
    });

    it('accepts a ConsentFilter class and a per-campaign filter', async () => {
      class OnlyFirst extends ConsentFilter {
        allowed(batch: readonly string[]): Set<string> {
          return new Set(batch.slice(0, 1));
        }
      }
      const transport = new ScriptedTransport();
      const report = await service(transport).send({
        to: numbers(3),
        text: 'hi',
        kind: 'commercial',
        consentFilter: new OnlyFirst(),
      }).done;
      expect(report).toMatchObject({ sent: 1, skipped: 2 });
    });

    it('fails closed when the consent filter throws', async () => {
      const transport = new ScriptedTransport();
      const bulk = service(transport, {
        consentFilter: () => {
          throw new Error('İYS unavailable');
        },
      });
      const report = await bulk.send({ to: numbers(3), text: 'hi', kind: 'commercial' }).done;
      expect(transport.calls).toHaveLength(0);
      expect(
        report.recipients.every(
          (o) => o.status === 'failed' && o.reason === 'filter_failed' && o.maybeSent === false,
        ),
      ).toBe(true);
    });

    it('skips opted-out numbers from a list (any form), a function or an OptOutList', async () => {
      class Blacklist extends OptOutList {
        optedOut(batch: readonly string[]): string[] {
          return batch.filter((n) => n.endsWith('3'));
        }
      }
      for (const optOut of [
        ['+90 532 000 00 03'],
        (batch: string[]) => batch.filter((n) => n.endsWith('3')),
        new Blacklist(),
      ]) {
        const transport = new ScriptedTransport();
        const report = await service(transport, { optOut }).send({
          to: numbers(5),
          text: 'hi',
          kind: 'informational',
        }).done;
        expect(report).toMatchObject({ sent: 4, skipped: 1 });
        expect(byStatus(report.recipients, 'skipped')[0]).toMatchObject({
          to: '905320000003',
          reason: 'opted_out',
          index: 3,
        });
        expect(transport.outbox.some((m) => m.to === '905320000003')).toBe(false);
      }
    });
  });

  it('streams every outcome to onRecipient and keeps at most reportLimit in the report', async () => {
    const transport = new ScriptedTransport();
    const seen: RecipientOutcome[] = [];
    const report = await service(transport, { reportLimit: 10 }).send({
      to: [...numbers(30), 'bad'],
      text: 'hi',
      kind: 'informational',
      onRecipient: async (o) => {
        seen.push(o);
      },
    }).done;
    expect(seen).toHaveLength(31);
    expect(new Set(seen.map((o) => o.index)).size).toBe(31);
    expect(report.recipients).toHaveLength(10);
    expect(report).toMatchObject({ recipientsTruncated: true, sent: 30, skipped: 1, total: 31 });
  });

  it('publishes progress after every batch and completes', async () => {
    const transport = new ScriptedTransport();
    const campaign = service(transport, { concurrency: 1 }).send({
      to: numbers(2000),
      text: 'hi',
      kind: 'informational',
    });
    const snapshots = await lastValueFrom(campaign.progress$.pipe(toArray()));
    expect(snapshots.at(-1)).toMatchObject({ sent: 2000, total: 2000, done: true, requests: 3 });
    const sentCounts = snapshots.map((s) => s.sent);
    expect(sentCounts).toEqual([...sentCounts].sort((a, b) => a - b));
    expect(sentCounts).toEqual(expect.arrayContaining([800, 1600, 2000]));
  });

  it('replays the final snapshot to a subscriber that arrives after the campaign finished', async () => {
    const transport = new ScriptedTransport();
    const campaign = service(transport).send({
      to: numbers(10),
      text: 'hi',
      kind: 'informational',
    });
    await campaign.done;
    const late = await lastValueFrom(campaign.progress$.pipe(toArray()));
    expect(late).toEqual([expect.objectContaining({ sent: 10, total: 10, done: true })]);
  });

  it('rejects with the report so far when the input breaks, after sending what was read', async () => {
    const transport = new ScriptedTransport();
    async function* broken(): AsyncGenerator<string> {
      yield* numbers(900);
      throw new Error('cursor lost');
    }
    const campaign = service(transport).send({ to: broken(), text: 'hi', kind: 'informational' });
    const error = await campaign.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkCampaignError);
    expect((error as BulkCampaignError).code).toBe('CAMPAIGN_INPUT_FAILED');
    expect((error as BulkCampaignError).report).toMatchObject({ sent: 900, total: 900 });
    expect(transport.outbox).toHaveLength(900);
  });

  it('stops sending when onRecipient throws', async () => {
    const transport = new ScriptedTransport();
    const campaign = service(transport, { concurrency: 1 }).send({
      to: numbers(4000),
      text: 'hi',
      kind: 'informational',
      onRecipient: (o) => {
        if (o.index === 100) throw new Error('database down');
      },
    });
    const error = (await campaign.done.catch((e: unknown) => e)) as BulkCampaignError;
    expect(error.code).toBe('CAMPAIGN_SINK_FAILED');
    expect(transport.calls.length).toBeLessThan(5);
    expect(error.report.sent).toBe(transport.outbox.length);
  });

  it('cancel() stops reading; batches in flight finish and are reported', async () => {
    const transport = new ScriptedTransport();
    let read = 0;
    function* endless(): Generator<string> {
      for (let i = 0; ; i++) {
        read++;
        yield number(i % 9_000_000);
      }
    }
    const campaign = service(transport, { concurrency: 1 }).send({
      to: endless(),
      text: 'hi',
      kind: 'informational',
    });
    campaign.progress$.subscribe((p) => {
      if (p.sent >= 1600) void campaign.cancel();
    });
    const report = await campaign.done;
    expect(report.cancelled).toBe(true);
    expect(report.sent).toBe(transport.outbox.length);
    expect(read).toBeLessThan(10_000);
    // Everything read is reported: sent, or aborted (read but never sent).
    expect(report.total).toBe(read);
    expect(report.sent + report.failed).toBe(read);
    expect(
      report.recipients
        .filter((o) => o.status === 'failed')
        .every((o) => o.reason === 'aborted' && o.error?.code === 'CAMPAIGN_CANCELLED'),
    ).toBe(true);
  });

  it('on shutdown, stops campaigns, lets requests on the wire finish and reports the rest as aborted', async () => {
    class SlowTransport extends ScriptedTransport {
      release: (() => void) | undefined;
      override async send(request: SendRequest): Promise<SendResult> {
        if (this.calls.length === 1) await new Promise<void>((resolve) => (this.release = resolve));
        return super.send(request);
      }
    }
    const transport = new SlowTransport();
    const bulk = service(transport, { concurrency: 1 });
    const campaign = bulk.send({ to: numbers(3000), text: 'hi', kind: 'informational' });
    while (transport.release === undefined) await new Promise((resolve) => setImmediate(resolve));
    const shutdown = bulk.onApplicationShutdown();
    transport.release();
    await shutdown;
    const report = await campaign.done;
    // The second request was on the wire and finishes; the third batch had been read and is
    // not sent; the last 600 numbers were never read and are not part of the campaign.
    expect(transport.calls).toHaveLength(2);
    expect(report).toMatchObject({ cancelled: true, sent: 1600, failed: 800, total: 2400 });
    expect(
      report.recipients
        .filter((o) => o.status === 'failed')
        .every((o) => o.reason === 'aborted' && o.error?.code === 'CAMPAIGN_STOPPED'),
    ).toBe(true);
  });

  it('queries delivery reports in requests of 800 ids, in order, and the bulk credit', async () => {
    const transport = new ScriptedTransport({ credit: 5000 });
    const bulk = service(transport);
    const report = await bulk.send({
      to: numbers(1000),
      text: 'hi',
      kind: 'informational',
      reportLimit: Infinity,
    }).done;
    const ids = report.recipients.map((o) => o.messageId!);
    const statuses = await bulk.status(ids);
    expect(transport.statusCalls.map((c) => [c.channel, c.messageIds.length])).toEqual([
      ['bulk', 800],
      ['bulk', 200],
    ]);
    expect(statuses.map((s) => s.messageId)).toEqual(ids);
    expect(statuses.every((s) => s.status === 'delivered' && s.providerCode === '400')).toBe(true);
    expect(await bulk.credit()).toEqual({ channel: 'bulk', balance: 4000 });
    await expect(bulk.status(['ok', ''])).rejects.toBeInstanceOf(SmsValidationError);
  });

  it('validates its module options at start-up', () => {
    const transport = new ScriptedTransport();
    expect(() => service(transport, { concurrency: 0 })).toThrow(/bulk\.concurrency/);
    expect(() => service(transport, { batchSize: 801 })).toThrow(/bulk\.batchSize/);
    expect(() => service(transport, { consentFilter: 'yes' as never })).toThrow(
      /bulk\.consentFilter/,
    );
    expect(() => service(transport, { optOut: ['not a phone'] })).toThrow(/bulk\.optOut\[0\]/);
    expect(() => service(transport, { durable: { connection: 'http://x' } })).toThrow(
      /bulk\.durable\.connection/,
    );
    expect(() => service(transport, { concurency: 2 } as never)).toThrow(/bulk\.concurency/);
  });

  it('an N-N item the transport refuses only in send() is reported alone; the rest of its batch is sent', async () => {
    // A transport whose send() is stricter than its assertText(): it refuses any text with '§'.
    class Picky extends ScriptedTransport {
      override async send(request: SendRequest): Promise<SendResult> {
        if (isManyToMany(request)) {
          const bad = request.messages.findIndex((m) => m.text.includes('§'));
          if (bad >= 0) {
            this.calls.push(request);
            throw new SmsValidationError(
              'TEXT_NOT_ENCODABLE',
              `messages[${bad}].text cannot be carried`,
              `messages[${bad}].text`,
            );
          }
        }
        return super.send(request);
      }
    }
    const transport = new Picky();
    const items = numbers(1000).map((to, i) => ({
      to,
      text: i % 300 === 7 ? `§ ${i}` : `Merhaba ${i}`,
    }));
    const report = await service(transport).sendEach(items, { kind: 'informational' }).done;
    const refused = report.recipients.filter((o) => o.status !== 'sent');
    expect(refused.map((o) => o.index)).toEqual([7, 307, 607, 907]);
    expect(
      refused.every(
        (o) =>
          o.status === 'skipped' &&
          o.reason === 'invalid_text' &&
          o.error?.code === 'TEXT_NOT_ENCODABLE',
      ),
    ).toBe(true);
    expect(report).toMatchObject({ sent: 996, failed: 0, total: 1000 });
    expect(transport.outbox.map((m) => m.text)).toEqual(
      items.filter((_, i) => i % 300 !== 7).map((item) => item.text),
    );
    expect(report.requests).toBe(2); // the refusals cost no request
  });
});
