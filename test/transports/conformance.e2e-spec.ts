import { SmsProviderError } from '../../lib/errors/provider.error.js';
import { InvalidOptionsError, SmsValidationError } from '../../lib/errors/validation.error.js';
import { PostaGuverciniSimulator } from '../../lib/testing/simulator/posta-guvercini.simulator.js';
import type { PostaGuverciniSimulatorOptions } from '../../lib/testing/simulator/simulator.types.js';
import { JsonTransport } from '../../lib/transports/json.transport.js';
import type { SmsChannel } from '../../lib/transports/sms-transport.types.js';
import type { WireTransport } from '../../lib/transports/wire/wire.transport.js';
import {
  CARRIES_SENDER,
  EMULATES_MANY_TO_MANY,
  numbers,
  REPLY_FORMS,
  REPORTS_CHARGE,
  SEND_OPERATIONS,
  TURKISH_TEXT,
  WIRE_APIS,
  WIRE_TRANSPORTS,
  type WireApi,
} from './transport-fixtures.js';

/**
 * The shared conformance suite: every wire transport, on both host profiles, against the
 * simulator in each reply form the reference attests for that API (`REPLY_FORMS`) — asserting
 * what the simulator decoded and recorded, not what the transport says.
 */
const CASES = WIRE_APIS.flatMap((api) =>
  (['otp', 'bulk'] as const).flatMap((channel) =>
    REPLY_FORMS[api].map(
      ([form, options]) =>
        [api, channel, form, options] as [
          WireApi,
          SmsChannel,
          string,
          PostaGuverciniSimulatorOptions,
        ],
    ),
  ),
);

describe.each(CASES)('%s transport on the %s host, %s', (api, channel, _form, forms) => {
  let sim: PostaGuverciniSimulator;
  let transport: WireTransport;
  const sends = () =>
    sim.requests.filter(
      (r) =>
        r.operation === SEND_OPERATIONS[api].oneToMany ||
        r.operation === SEND_OPERATIONS[api].single ||
        r.operation === SEND_OPERATIONS[api].manyToMany,
    );

  beforeAll(async () => {
    sim = new PostaGuverciniSimulator(forms);
    await sim.start();
    transport = WIRE_TRANSPORTS[api]({ accounts: sim.accounts, timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await transport.close();
    await sim.stop();
  });

  beforeEach(() => sim.reset());

  it('sends one text to many numbers (1-N) to the right host', async () => {
    const to = numbers(3);
    const result = await transport.send({ channel, to, text: 'Kampanya: bugün %20 indirim' });

    expect(sim.messages.map((m) => [m.to, m.text, m.profile, m.api])).toEqual(
      to.map((number) => [number, 'Kampanya: bugün %20 indirim', channel, api]),
    );
    expect(result.recipients).toEqual(
      sim.messages.map((m) =>
        expect.objectContaining({ to: m.to, status: 'accepted', messageId: m.id }),
      ),
    );
    expect(result.requests).toBe(1);
    expect(sends()).toEqual([expect.objectContaining({ profile: channel, api, recipients: 3 })]);
    const charged = sim.messages.reduce((sum, m) => sum + m.charge, 0);
    expect(result.credits).toBe(REPORTS_CHARGE[api] ? charged : 0);
  });

  it('sends a text per number (N-N)', async () => {
    const to = numbers(3, 100);
    const messages = to.map((number, i) => ({
      to: number,
      text: `Sayın müşterimiz, ${i + 1}. siparişiniz kargoda`,
    }));
    const result = await transport.send({ channel, messages });

    expect(sim.messages.map((m) => ({ to: m.to, text: m.text }))).toEqual(messages);
    expect(result.recipients.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(result.recipients.map((r) => r.status === 'accepted' && r.messageId)).toEqual(
      sim.messages.map((m) => m.id),
    );
    // HTTP and SOAP have no attested N-N request: one 1-N request per distinct text.
    expect(sends().map((r) => [r.operation, r.recipients])).toEqual(
      EMULATES_MANY_TO_MANY[api]
        ? [
            [SEND_OPERATIONS[api].single, 1],
            [SEND_OPERATIONS[api].single, 1],
            [SEND_OPERATIONS[api].single, 1],
          ]
        : [[SEND_OPERATIONS[api].manyToMany, 3]],
    );
    expect(sim.requests.map((r) => r.operation)).not.toContain('SmsInsert_N_N');
  });

  it('sends N-N with repeated texts: grouped into one 1-N request per text where N-N is emulated, results in request order', async () => {
    const to = numbers(5, 150);
    const texts = [
      'Kargonuz yolda',
      'Siparişiniz hazır',
      'Kargonuz yolda',
      'Kargonuz yolda',
      'Teşekkürler',
    ];
    const messages = to.map((number, i) => ({ to: number, text: texts[i]! }));
    const result = await transport.send({ channel, messages });

    expect(result.recipients.map((r) => r.to)).toEqual(to);
    const byNumber = new Map(sim.messages.map((m) => [m.to, m]));
    expect(messages.map((m) => byNumber.get(m.to)?.text)).toEqual(texts);
    expect(
      result.recipients.map((r) => (r.status === 'accepted' ? r.messageId : r.status)),
    ).toEqual(to.map((number) => byNumber.get(number)!.id));
    if (EMULATES_MANY_TO_MANY[api]) {
      expect(sends().map((r) => [r.operation, r.recipients])).toEqual([
        [SEND_OPERATIONS[api].oneToMany, 3],
        [SEND_OPERATIONS[api].single, 1],
        [SEND_OPERATIONS[api].single, 1],
      ]);
      expect(result.requests).toBe(3);
    } else {
      expect(sends().map((r) => [r.operation, r.recipients])).toEqual([
        [SEND_OPERATIONS[api].manyToMany, 5],
      ]);
    }
  });

  it('passes the send time and validity in Istanbul time', async () => {
    // 23:30 UTC = 02:30 next day in Istanbul: a wrong zone would show as a wrong date too.
    const base = sim.now();
    const sendAt = new Date(
      Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate() + 1, 23, 30),
    );
    const validUntil = new Date(sendAt.getTime() + 3 * 3_600_000);
    await transport.send({
      channel,
      to: numbers(1, 200),
      text: 'Randevunuz yarın',
      sendAt,
      validUntil,
    });

    const [message] = sim.messages;
    expect(message!.requested).toEqual({ sendAt, validUntil });
    if (channel === 'bulk') {
      expect(message).toMatchObject({ sendAt, validUntil });
      expect(sim.statusOf(message!.id)).toEqual({ code: 120, final: false });
    } else {
      // The OTP host sends at once and keeps a message 180 s, whatever was asked.
      expect(message!.sendAt).toBeUndefined();
      expect(message!.validUntil).toEqual(new Date(message!.createdAt.getTime() + 180_000));
    }
  });

  it('drops seconds the minute-based date formats cannot carry, never rounding up', async () => {
    if (api === 'soap') return; // SOAP dates keep seconds: covered above with exact values.
    const base = sim.now();
    const sendAt = new Date(
      Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate() + 2, 8, 15, 59, 999),
    );
    await transport.send({ channel, to: numbers(1, 210), text: 'Hatırlatma', sendAt });
    expect(sim.messages[0]!.requested.sendAt).toEqual(new Date(sendAt.getTime() - 59_999));
  });

  it('reports delivery status as the simulated clock moves', async () => {
    const result = await transport.send({ channel, to: numbers(2, 300), text: 'Durum testi' });
    const messageIds = result.recipients.map((r) => (r.status === 'accepted' ? r.messageId : ''));

    const pending = await transport.status({ channel, messageIds });
    expect(pending).toEqual(
      messageIds.map((messageId) =>
        expect.objectContaining({
          messageId,
          status: 'pending',
          final: false,
          providerCode: '200',
        }),
      ),
    );
    sim.advance(2_000);
    expect(
      (await transport.status({ channel, messageIds })).map((r) => [
        r.status,
        r.final,
        r.providerCode,
      ]),
    ).toEqual([
      ['sent', false, '300'],
      ['sent', false, '300'],
    ]);
    sim.advance(2_000);
    const delivered = await transport.status({ channel, messageIds });
    expect(delivered.map((r) => [r.status, r.final, r.providerCode])).toEqual([
      ['delivered', true, '400'],
      ['delivered', true, '400'],
    ]);
    if (api === 'xml' || api === 'json')
      expect(delivered.map((r) => r.to)).toEqual(numbers(2, 300));
  });

  it('reports an unknown message id as unknown and final', async () => {
    const [report] = await transport.status({
      channel,
      messageIds: ['C1_00000000-0000-0000-0000-000000000000'],
    });
    expect(report).toMatchObject({
      messageId: 'C1_00000000-0000-0000-0000-000000000000',
      status: 'unknown',
      final: true,
    });
  });

  it('reports status 110 as waiting for credit: accepted, not delivered, not final', async () => {
    sim.setCredit(channel, 0);
    let messageIds: string[];
    if (api === 'http') {
      // The HTTP API refuses a send it cannot pay for (errno=20) …
      await expect(
        transport.send({ channel, to: numbers(1, 320), text: 'Kredi' }),
      ).rejects.toMatchObject({ providerCode: '20', code: 'PROVIDER_INSUFFICIENT_CREDIT' });
      // … but querysms.asp reports 110 for a message of the same account accepted elsewhere.
      const json = new JsonTransport({ accounts: sim.accounts });
      try {
        const sent = await json.send({ channel, to: numbers(2, 320), text: 'Kredi' });
        messageIds = sent.recipients.map((r) => (r.status === 'accepted' ? r.messageId : ''));
      } finally {
        await json.close();
      }
    } else {
      const sent = await transport.send({ channel, to: numbers(2, 320), text: 'Kredi' });
      messageIds = sent.recipients.map((r) => (r.status === 'accepted' ? r.messageId : ''));
    }
    sim.advance(10_000);
    const reports = await transport.status({ channel, messageIds });
    expect(reports.map((r) => [r.status, r.final, r.providerCode])).toEqual([
      ['waiting_credit', false, '110'],
      ['waiting_credit', false, '110'],
    ]);
    expect(reports[0]!.description).toBe('waiting for credit to be loaded');
  });

  it('reads the credit balance of the channel’s account', async () => {
    sim.setCredit(channel, 1234);
    sim.setCredit(channel === 'otp' ? 'bulk' : 'otp', 99);
    await expect(transport.credit(channel)).resolves.toEqual({ channel, balance: 1234 });
  });

  it('splits 801 recipients into two requests, in order', async () => {
    const to = numbers(801, 1_000);
    const result = await transport.send({ channel, to, text: 'Toplu duyuru' });

    expect(sends().map((r) => r.recipients)).toEqual([800, 1]);
    expect(result.requests).toBe(2);
    expect(result.recipients.map((r) => r.to)).toEqual(to);
    expect(sim.messages.map((m) => m.to)).toEqual(to);
    expect(
      result.recipients.map((r) => (r.status === 'accepted' ? r.messageId : r.status)),
    ).toEqual(sim.messages.map((m) => m.id));
  });

  it('splits status queries for 801 ids', async () => {
    const sent = await transport.send({ channel, to: numbers(801, 3_000), text: 'Durum' });
    const messageIds = sent.recipients.map((r) => (r.status === 'accepted' ? r.messageId : ''));
    sim.reset(); // forget the requests so far; the messages are gone too, so every id is unknown
    const reports = await transport.status({ channel, messageIds });
    expect(reports.map((r) => r.messageId)).toEqual(messageIds);
    const statusRequests = sim.requests.map((r) => r.recipients);
    expect(statusRequests).toEqual(api === 'http' ? Array(801).fill(1) : [800, 1]);
    // SOAP has no attested status operation: its status goes to the XML API on the same host.
    if (api === 'soap')
      expect(sim.requests.map((r) => [r.api, r.operation])).toEqual([
        ['xml', 'Sms_stareqx'],
        ['xml', 'Sms_stareqx'],
      ]);
  });

  it.each([
    ['1-N', (to: string) => ({ to: [to], text: TURKISH_TEXT })],
    [
      'N-N',
      (to: string) => ({
        messages: [
          { to, text: TURKISH_TEXT },
          { to: numbers(1, 401)[0]!, text: `${TURKISH_TEXT}!` },
        ],
      }),
    ],
  ] as const)('carries the Turkish sentence exactly (%s)', async (_shape, build) => {
    const to = numbers(1, 400)[0]!;
    await transport.send({ channel, ...build(to) });
    expect(sim.lastMessageTo(to)!.text).toBe(TURKISH_TEXT);
    expect(sim.messages.every((m) => m.text.startsWith(TURKISH_TEXT))).toBe(true);
  });

  it('keeps line breaks in the text, and refuses a tab before sending (issue 9.5)', async () => {
    const text = 'Satır 1\nSatır 2\r\n  girintili';
    await transport.send({ channel, to: numbers(1, 450), text });
    expect(sim.messages[0]!.text).toBe(text);
    await expect(
      transport.send({ channel, to: numbers(1, 451), text: 'Satır 1\n\tgirintili' }),
    ).rejects.toMatchObject({ code: 'TEXT_NOT_ENCODABLE' });
    expect(sim.messages).toHaveLength(1);
  });

  it('reports a number the provider refuses the way the API does', async () => {
    // A well-formed canonical number that is not a Turkish mobile: the provider decides.
    const to = [numbers(1, 500)[0]!, '902121234567', numbers(1, 501)[0]!];
    const outcome = await transport.send({ channel, to, text: 'Merhaba' }).catch((e: unknown) => e);
    if (api === 'xml' || api === 'soap' || forms.httpBulkReplyForm === 'per-recipient') {
      // Per-recipient rejection: the others are accepted.
      const result = outcome as Awaited<ReturnType<WireTransport['send']>>;
      expect(result.recipients.map((r) => r.status)).toEqual(['accepted', 'rejected', 'accepted']);
      const rejected = result.recipients[1]!;
      expect(rejected.status === 'rejected' && rejected.error).toBeInstanceOf(SmsProviderError);
      expect(sim.messages.map((m) => m.to)).toEqual([to[0], to[2]]);
    } else {
      // HTTP in its one-block form (-1003) and JSON (1061) refuse the whole request.
      expect(outcome).toBeInstanceOf(SmsProviderError);
      expect(outcome).toMatchObject({ api, providerCode: api === 'http' ? '-1003' : '1061' });
      expect(sim.messages).toHaveLength(0);
    }
  });

  it('passes the sender where the API has one (JSON) and refuses it elsewhere, before any request', async () => {
    const send = transport.send({ channel, to: numbers(1, 600), text: 'Merhaba', sender: 'ACME' });
    if (CARRIES_SENDER[api]) {
      await send;
      expect(sim.messages[0]!.sender).toBe('ACME');
    } else {
      await expect(send).rejects.toMatchObject({ code: 'SENDER_NOT_SUPPORTED' });
      expect(sim.requests).toHaveLength(0);
      expect(() => WIRE_TRANSPORTS[api]({ accounts: sim.accounts, sender: 'ACME' })).toThrow(
        InvalidOptionsError,
      );
    }
  });

  it('refuses bad input with a typed error before any request', async () => {
    const bad = [
      transport.send({ channel, to: ['05321234567'], text: 'x' }),
      transport.send({ channel, to: [], text: 'x' }),
      transport.send({ channel, to: numbers(1), text: '   ' }),
      transport.send({ channel, to: numbers(1), text: 'ş'.repeat(269) }),
      transport.send({ channel, to: numbers(1), text: 'x', sendAt: new Date('nope') }),
      transport.send({ channel, messages: [{ to: numbers(1)[0]!, text: '' }] }),
      transport.status({ channel, messageIds: [''] }),
    ];
    for (const attempt of bad) await expect(attempt).rejects.toBeInstanceOf(SmsValidationError);
    expect(sim.requests).toHaveLength(0);
  });

  it('refuses a channel that has no account, before any request', async () => {
    const other: SmsChannel = channel === 'otp' ? 'bulk' : 'otp';
    const single = WIRE_TRANSPORTS[api]({ accounts: { [channel]: sim.accounts[channel] } });
    try {
      await expect(
        single.send({ channel: other, to: numbers(1), text: 'x' }),
      ).rejects.toMatchObject({ code: 'CHANNEL_NOT_CONFIGURED', field: 'channel' });
      await expect(single.credit(other)).rejects.toBeInstanceOf(SmsValidationError);
      expect(sim.requests).toHaveLength(0);
    } finally {
      await single.close();
    }
  });

  it('reuses keep-alive connections', async () => {
    const before = sim.connectionsOpened;
    for (let i = 0; i < 5; i++)
      await transport.send({ channel, to: numbers(1, 700 + i), text: 'Tekrar' });
    expect(sim.connectionsOpened - before).toBeLessThanOrEqual(1);
  });
});
