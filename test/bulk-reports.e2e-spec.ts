import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  BulkSmsService,
  FailoverTransport,
  InMemoryTransport,
  PostaGuverciniModule,
  SmsValidationError,
  type PostaGuverciniModuleOptions,
  type RecipientOutcome,
  type SmsTransport,
} from '../lib/index.js';
import { type CampaignProgress } from '../lib/bulk/campaign-progress.js';
import { PostaGuverciniSimulator } from '../lib/testing/index.js';
import {
  SEND_OPERATIONS,
  WIRE_APIS,
  WIRE_TRANSPORTS,
  type WireApi,
} from './transports/transport-fixtures.js';
import { simulatorForSuite } from './support/simulator-suite.js';

/**
 * Issue 9 (points 4 and 5) and issue 14 (point 6), through the public API against the
 * simulator: one N-N item a transport cannot carry is reported alone and the rest of its batch
 * is sent; every transport refuses the same control characters and lone surrogates before
 * sending; a report lists recipients in input order and says when a number was refused for its
 * country; `progress$` gives the final snapshot once.
 */
type Api = WireApi | 'memory';
const APIS: Api[] = [...WIRE_APIS, 'memory'];

const number = (i: number): string => `9053${String(i).padStart(8, '0')}`;

/** Texts no transport carries: the shared rules (issue 9.5). */
const FORBIDDEN: Record<string, string> = {
  NUL: 'Merhaba\u0000Ali',
  'a C0 control (BEL)': 'Merhaba \u0007',
  tab: 'Merhaba\tAli',
  'form feed': 'Sayfa\fiki',
  DEL: 'Merhaba\u007f',
  'a C1 control (NEL)': 'Merhaba\u0085Ali',
  'a lone high surrogate': 'Merhaba \ud83d',
  'a lone low surrogate': '\ude00 Merhaba',
};
/** What the HTTP API (windows-1254) cannot carry but the others can. */
const CYRILLIC = 'Здравствуйте, Иван';

describe('per-item text failures in N-N campaigns, and the same text rules on every transport', () => {
  const sim = simulatorForSuite();
  beforeEach(() => sim.reset());

  async function appOn(api: Api, memory?: InMemoryTransport): Promise<INestApplication> {
    const options: PostaGuverciniModuleOptions =
      api === 'memory'
        ? { transport: memory ?? new InMemoryTransport() }
        : { transport: api, accounts: sim.accounts };
    const moduleRef = await Test.createTestingModule({
      imports: [PostaGuverciniModule.forRoot({ ...options, bulk: { concurrency: 2 } })],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    return app;
  }

  describe.each(APIS)('on the %s transport', (api) => {
    let app: INestApplication;
    let bulk: BulkSmsService;
    let memory: InMemoryTransport;
    /** What the provider (or the in-memory outbox) holds: number → text. */
    const received = (): Map<string, string> =>
      new Map(
        (api === 'memory' ? memory.outbox : sim.messages).map((m) => [m.to, m.text] as const),
      );

    beforeEach(async () => {
      memory = new InMemoryTransport();
      app = await appOn(api, memory);
      bulk = app.get(BulkSmsService);
    });
    afterEach(async () => {
      await app.close();
    });

    it('reports only the items it cannot carry (TEXT_NOT_ENCODABLE) and sends the rest of their batch', async () => {
      // 850 items: two batches (800 + 50), bad texts in both.
      const bad = new Map<number, string>();
      Object.values(FORBIDDEN).forEach((text, i) => bad.set(5 + i * 97, text));
      bad.set(3, `${CYRILLIC}, kargonuz yolda`);
      bad.set(820, FORBIDDEN['NUL']!);
      const items = Array.from({ length: 850 }, (_, i) => ({
        to: number(i),
        text: bad.get(i) ?? `Sayın müşterimiz, ${i} numaralı siparişiniz kargoda`,
      }));
      const refusedHere = (i: number): boolean => bad.has(i) && (i !== 3 || api === 'http'); // Cyrillic: only the HTTP API cannot carry it

      const report = await bulk.sendEach(items, { kind: 'informational' }).done;

      const refused = report.recipients.filter((o) => o.status !== 'sent');
      expect(refused.map((o) => o.index)).toEqual(
        items.flatMap((_, i) => (refusedHere(i) ? [i] : [])),
      );
      for (const outcome of refused) {
        expect(outcome).toMatchObject({
          status: 'skipped',
          reason: 'invalid_text',
          error: { code: 'TEXT_NOT_ENCODABLE', field: `items[${outcome.index}].text` },
        });
        expect(outcome.error).toBeInstanceOf(SmsValidationError);
        expect(outcome.error!.message).not.toContain(items[outcome.index]!.text);
      }
      expect(report).toMatchObject({ total: 850, sent: 850 - refused.length, failed: 0 });
      // Every other item went out, exactly as given; the refused ones did not.
      const expected = new Map(
        items.flatMap((item, i) => (refusedHere(i) ? [] : [[item.to, item.text] as const])),
      );
      expect(received()).toEqual(expected);
      if (api === 'xml' || api === 'json') {
        // Checked before batching: the sendable items still fill whole requests.
        const sends = sim.requests.filter((r) => r.operation === SEND_OPERATIONS[api].manyToMany);
        expect(sends).toHaveLength(Math.ceil(expected.size / 800));
      } else if (api === 'http' || api === 'soap') {
        // N-N is emulated with one 1-N request per distinct text: every sendable text, once.
        const sends = sim.requests.filter((r) =>
          Object.values(SEND_OPERATIONS[api]).includes(r.operation),
        );
        expect(sends).toHaveLength(new Set(expected.values()).size);
      }
    });

    it('refuses such a text for a 1-N campaign at once, before anything is sent', () => {
      for (const text of Object.values(FORBIDDEN)) {
        expect(() =>
          bulk.send({ to: [number(1), number(2)], text, kind: 'informational' }),
        ).toThrow(expect.objectContaining({ code: 'TEXT_NOT_ENCODABLE', field: 'text' }));
      }
      const cyrillic = (): unknown =>
        bulk.send({ to: [number(1)], text: CYRILLIC, kind: 'informational' });
      if (api === 'http') expect(cyrillic).toThrow(SmsValidationError);
      else expect(cyrillic).not.toThrow();
      expect(received().size).toBeLessThanOrEqual(1);
    });
  });

  describe.each(APIS)('the %s transport itself', (api) => {
    let transport: SmsTransport;
    beforeEach(() => {
      transport =
        api === 'memory'
          ? new InMemoryTransport()
          : WIRE_TRANSPORTS[api]({ accounts: sim.accounts, timeoutMs: 5_000 });
    });
    afterEach(async () => {
      await transport.close();
    });

    it.each(Object.entries(FORBIDDEN))(
      'refuses %s before sending, in 1-N and N-N requests, with a typed error',
      async (_what, text) => {
        const oneToMany = transport.send({ channel: 'bulk', to: [number(1)], text });
        await expect(oneToMany).rejects.toBeInstanceOf(SmsValidationError);
        await expect(oneToMany).rejects.toMatchObject({
          code: 'TEXT_NOT_ENCODABLE',
          field: 'text',
        });
        const manyToMany = transport.send({
          channel: 'bulk',
          messages: [
            { to: number(1), text: 'Merhaba' },
            { to: number(2), text },
          ],
        });
        await expect(manyToMany).rejects.toMatchObject({
          code: 'TEXT_NOT_ENCODABLE',
          field: 'messages[1].text',
        });
        expect(() => transport.assertText(text, 'body')).toThrow(
          expect.objectContaining({ code: 'TEXT_NOT_ENCODABLE', field: 'body' }),
        );
        expect(sim.requests).toHaveLength(0);
        if (transport instanceof InMemoryTransport) expect(transport.outbox).toHaveLength(0);
      },
    );

    it('still carries line feeds and carriage returns', async () => {
      const text = 'Satır 1\nSatır 2\r\nSatır 3';
      expect(() => transport.assertText(text)).not.toThrow();
      await transport.send({ channel: 'bulk', to: [number(7)], text });
      const got =
        transport instanceof InMemoryTransport
          ? transport.outbox[0]!.text
          : sim.lastMessageTo(number(7))!.text;
      expect(got).toBe(text);
    });
  });
});

describe('FailoverTransport and per-item text checks', () => {
  let sim: PostaGuverciniSimulator;
  beforeAll(async () => {
    sim = new PostaGuverciniSimulator();
    await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('accepts an item only when every member can carry it, since any of them may send it', async () => {
    const json = WIRE_TRANSPORTS.json({ accounts: sim.accounts });
    const http = WIRE_TRANSPORTS.http({ accounts: sim.accounts });
    const failover = new FailoverTransport([json, http]);
    expect(() => failover.assertText(CYRILLIC)).toThrow(
      expect.objectContaining({ code: 'TEXT_NOT_ENCODABLE' }),
    );
    expect(() => failover.assertText('Şişli — “tamam”')).not.toThrow();
    const bulk = new BulkSmsService(failover, { transport: failover });
    const report = await bulk.sendEach(
      [
        { to: number(1), text: 'Merhaba' },
        { to: number(2), text: CYRILLIC },
        { to: number(3), text: 'Şişli — “tamam”' },
      ],
      { kind: 'informational' },
    ).done;
    expect(report.recipients.map((o) => o.status)).toEqual(['sent', 'skipped', 'sent']);
    expect(sim.messages.map((m) => m.to)).toEqual([number(1), number(3)]);
    await failover.close();
  });
});

describe('campaign reports that read right', () => {
  let sim: PostaGuverciniSimulator;
  let app: INestApplication;
  let bulk: BulkSmsService;

  beforeAll(async () => {
    sim = new PostaGuverciniSimulator();
    await sim.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        PostaGuverciniModule.forRoot({
          transport: 'json',
          accounts: sim.accounts,
          bulk: { concurrency: 4, batchSize: 50 },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
    bulk = app.get(BulkSmsService);
  });
  afterAll(async () => {
    await app.close();
    await sim.stop();
  });
  beforeEach(() => sim.reset());

  /** 600 entries: Turkish mobiles in several forms, German and US mobiles, junk, repeats. */
  function input(): string[] {
    return Array.from({ length: 600 }, (_, i) => {
      if (i % 10 === 3) return `+49 151 ${String(2000000 + i).padStart(8, '0')}`; // German mobile
      if (i % 50 === 7) return '+1 202 555 0101'; // valid US number, not allowed
      if (i % 25 === 9) return 'not a number';
      if (i % 30 === 11) return `0${number(i - 1).slice(2)}`; // repeats the previous number
      return i % 2 === 0 ? `+${number(i)}` : `0${number(i).slice(2)}`;
    });
  }

  it('lists recipients in input order, whatever order the batches completed in', async () => {
    const to = input();
    const report = await bulk.send({ to, text: 'Merhaba', kind: 'informational' }).done;
    expect(report.recipients.map((o) => o.index)).toEqual(to.map((_, i) => i));
    expect(report.recipientsTruncated).toBe(false);
    expect(report.requests).toBeGreaterThan(4); // several batches, several in flight at once
  });

  it('keeps the first reportLimit recipients of the input', async () => {
    const to = input();
    const seen: number[] = [];
    const report = await bulk.send({
      to,
      text: 'Merhaba',
      kind: 'informational',
      reportLimit: 40,
      onRecipient: (o) => void seen.push(o.index),
    }).done;
    expect(report.recipients.map((o) => o.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(report.recipientsTruncated).toBe(true);
    expect(new Set(seen).size).toBe(600);
  });

  it('says when a number is refused for its country, apart from numbers that are not valid', async () => {
    const to = input();
    const report = await bulk.send({ to, text: 'Merhaba', kind: 'informational' }).done;
    const at = (i: number): RecipientOutcome => report.recipients[i]!;
    for (const i of [3, 13, 7]) {
      expect(at(i)).toMatchObject({
        status: 'skipped',
        reason: 'country_not_allowed',
        error: { code: 'PHONE_COUNTRY_NOT_ALLOWED' },
      });
      expect(at(i).error!.message).toMatch(/allowed countries: TR/);
    }
    expect(at(9)).toMatchObject({
      status: 'skipped',
      reason: 'invalid_number',
      error: { code: 'INVALID_PHONE' },
    });
    expect(at(11)).toMatchObject({ status: 'skipped', reason: 'duplicate' });
    expect(report.recipients.filter((o) => o.reason === 'country_not_allowed')).toHaveLength(
      to.filter((n) => n.startsWith('+49') || n.startsWith('+1 ')).length,
    );
    expect(sim.messages.some((m) => !m.to.startsWith('90'))).toBe(false);
  });

  it('emits the final snapshot exactly once to a subscriber present throughout, and replays it to a late one', async () => {
    const to = input();
    const campaign = bulk.send({ to, text: 'Merhaba', kind: 'informational' });
    const snapshots: CampaignProgress[] = [];
    let completed = false;
    campaign.progress$.subscribe({
      next: (p) => snapshots.push(p),
      complete: () => (completed = true),
    });
    const report = await campaign.done;
    expect(completed).toBe(true);
    const final = snapshots.at(-1)!;
    expect(final).toMatchObject({ done: true, processed: 600, total: 600, sent: report.sent });
    expect(snapshots.filter((s) => s.done)).toHaveLength(1);
    expect(snapshots.filter((s) => s.processed === 600)).toHaveLength(1);
    expect(snapshots.length).toBeGreaterThan(2); // progress along the way
    const processed = snapshots.map((s) => s.processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));

    const late: CampaignProgress[] = [];
    campaign.progress$.subscribe((p) => late.push(p));
    expect(late).toEqual([final]);
  });

  it('an empty campaign emits one snapshot, the final one', async () => {
    const campaign = bulk.send({ to: [], text: 'Merhaba', kind: 'informational' });
    const snapshots: CampaignProgress[] = [];
    campaign.progress$.subscribe((p) => snapshots.push(p));
    await campaign.done;
    expect(snapshots).toEqual([expect.objectContaining({ done: true, processed: 0, total: 0 })]);
  });
});
