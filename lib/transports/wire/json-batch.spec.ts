import { CannedProvider, type CannedReply } from '../../../test/transports/canned-provider.js';
import { JsonTransport } from '../json.transport.js';
import {
  canonicalOfTurkishKey,
  keyedBatchSenderOf,
  type KeyedReply,
  type KeyedSendRequest,
} from '../keyed-batch.js';
import type { SendResult } from '../sms-transport.types.js';
import { readAcceptedReply } from './json-batch.js';

// The JSON transport's keyed 1-N path (campaigns) against send(): the same request bytes, and
// every reply read to the same result — the all-accepted form by the byte reader, anything else
// by readSendReply — or the same error.

const entry = (id: string, charge: number | string = 2, receiver = '905321234567') =>
  `{"MessageId":${JSON.stringify(id)},"Receiver":${JSON.stringify(receiver)},"Charge":${typeof charge === 'string' ? charge : String(charge)}}`;
const reply = (
  entries: string[],
  head = '{"StatusCode":200,"StatusDescription":"Transaction done successfully"',
) => `${head},"Result":[${entries.join(',')}]}`;

describe('JSON keyed batch reply reader', () => {
  it('reads the usual reply: ids, charges, credits', () => {
    const body = Buffer.from(reply([entry('C1_A', 2), entry('C1_BB', 3)]));
    const read = readAcceptedReply(body, 2)!;
    expect(read.accepted).toBe(true);
    expect([read.messageId(0), read.messageId(1)]).toEqual(['C1_A', 'C1_BB']);
    expect([read.charge(0), read.charge(1)]).toEqual([2, 3]);
    expect(read.credits).toBe(5);
    expect(read.providerCode).toBe('StatusCode=200');
  });

  it('reads a description in UTF-8 (Turkish letters, DEL) and the largest charges', () => {
    const body = Buffer.from(
      reply(
        [entry('C1_A', 0, ''), entry('C1_B', 999_999_999)],
        '{"StatusCode":200,"StatusDescription":"İşlem başarılı \u007f"',
      ),
      'utf8',
    );
    const read = readAcceptedReply(body, 2)!;
    expect([read.messageId(0), read.messageId(1)]).toEqual(['C1_A', 'C1_B']);
    expect(read.credits).toBe(999_999_999);
  });

  it.each([
    ['a count that differs', reply([entry('C1_A')]), 2],
    ['a ten-digit charge', reply([entry('C1_A', 1_000_000_000)]), 1],
    ['a DEL in an id', reply([entry('C1_\u007f')]), 1],
    ['a backslash in a receiver', reply([entry('C1_A', 1, 'a\\b')]), 1],
    ['an empty MessageId (a rejection)', reply([entry('C1_A'), entry('')]), 2],
    ['a blank in the JSON', reply([entry('C1_A')]).replace('"Result":', '"Result": '), 1],
    ['another StatusCode', reply([entry('C1_A')], '{"StatusCode":1070,"StatusDescription":"x"'), 1],
    ['an escape in an id', reply([entry('C1_\\u0041')]), 1],
    ['a non-ASCII id', reply([entry('C1_Ş')]), 1],
    ['a fractional charge', reply([entry('C1_A', '1.5')]), 1],
    ['a negative charge', reply([entry('C1_A', '-1')]), 1],
    ['a charge with a leading zero', reply([entry('C1_A', '01')]), 1],
    ['a charge as a string', reply([entry('C1_A', '"2"')]), 1],
    [
      'keys in another order',
      reply(['{"Receiver":"905321234567","MessageId":"C1_A","Charge":1}']),
      1,
    ],
    ['an extra key', reply(['{"MessageId":"C1_A","Receiver":"905321234567","Charge":1,"X":1}']), 1],
    ['trailing bytes', `${reply([entry('C1_A')])} `, 1],
    ['a truncated body', reply([entry('C1_A')]).slice(0, -2), 1],
    [
      'a control character in the description',
      reply([entry('C1_A')], '{"StatusCode":200,"StatusDescription":"a\u0001"'),
      1,
    ],
    ['an empty result', reply([]), 0],
  ])('leaves %s to the usual reader', (_name, body, count) => {
    expect(readAcceptedReply(Buffer.from(body, 'utf8'), count)).toBeUndefined();
  });

  it('refuses a byte no id or receiver may hold at any place in a four-byte word', () => {
    // Ids and receivers are checked four bytes at a time: each bad byte at each of the places of
    // a word (and in the bytes left after the last whole word) must still be seen.
    const bad = [0x00, 0x1f, 0x5c, 0x7f, 0x80, 0xc5, 0xff];
    const good = Buffer.from(reply([entry('C1_ABCDEFGHIJ', 1, '905321234567')]), 'latin1');
    expect(readAcceptedReply(good, 1)?.messageId(0)).toBe('C1_ABCDEFGHIJ');
    const id = good.indexOf('C1_');
    const receiver = good.indexOf('905321234567');
    const accepted: string[] = [];
    for (const [start, length] of [
      [id, 13],
      [receiver, 12],
    ] as const) {
      for (let place = 0; place < length; place++) {
        for (const byte of bad) {
          const body = Buffer.from(good);
          body[start + place] = byte;
          if (readAcceptedReply(body, 1) !== undefined) accepted.push(`${start + place}:${byte}`);
        }
      }
    }
    expect(accepted).toEqual([]);
  });
});

describe('JsonTransport keyed 1-N batch path', () => {
  const provider = new CannedProvider();
  let transport: JsonTransport;
  const keys = [321_234_567, 0, 599_999_999, 31_234_567];
  const numbers = keys.map(canonicalOfTurkishKey);
  const request: KeyedSendRequest = {
    channel: 'bulk',
    text: 'Değerli müşterimiz "özel" \\ kampanya',
    sendAt: new Date('2031-05-01T09:30:00Z'),
    validUntil: new Date('2031-05-01T12:00:00Z'),
    sender: 'ACME',
  };

  beforeAll(async () => {
    const baseUrl = await provider.start();
    transport = new JsonTransport({
      accounts: { bulk: { username: 'bulk-user', password: 'p"ss\\Ş', baseUrl } },
    });
  });
  afterEach(() => provider.clear());
  afterAll(async () => {
    await transport.close();
    await provider.stop();
  });

  const viaKeys = (): Promise<KeyedReply> => keyedBatchSenderOf(transport)!(request, keys)!;
  const viaSend = (): Promise<SendResult> => transport.send({ ...request, to: numbers });
  /** The keyed reply as send() reports it. */
  const asResult = (keyed: KeyedReply) =>
    keyed.accepted
      ? numbers.map((to, i) => ({
          to,
          status: 'accepted',
          messageId: keyed.messageId(i),
          charge: keyed.charge(i),
          providerCode: keyed.providerCode,
        }))
      : keyed.outcome.recipients;

  it('numbers as digits: 905 and the key zero-padded', () => {
    expect(numbers).toEqual(['905321234567', '905000000000', '905599999999', '905031234567']);
  });

  it.each<[string, CannedReply]>([
    ['all accepted', { body: reply(keys.map((_, i) => entry(`C1_${i}`, i + 1))) }],
    ['one rejected', { body: reply(keys.map((_, i) => entry(i === 2 ? '' : `C1_${i}`))) }],
    [
      'a blank in the JSON',
      { body: reply(keys.map((_, i) => entry(`C1_${i}`))).replace(/,/g, ', ') },
    ],
  ])('%s: the same request bytes and the same result as send()', async (_name, canned) => {
    provider.reply(canned, canned);
    const keyed = await viaKeys();
    const sent = await viaSend();
    expect(keyed.accepted).toBe(_name === 'all accepted');
    const [a, b] = provider.received;
    expect(a!.body.equals(b!.body)).toBe(true);
    expect(a!.path).toBe(b!.path);
    expect(a!.headers['content-type']).toBe(b!.headers['content-type']);
    expect(asResult(keyed)).toEqual(sent.recipients);
    expect(keyed.accepted ? keyed.credits : keyed.outcome.credits).toBe(sent.credits);
  });

  it.each<[string, CannedReply]>([
    ['a provider error', { body: '{"StatusCode":500,"StatusDescription":"login","Result":null}' }],
    ['HTTP 503', { status: 503, body: 'busy' }],
    ['a body that is not JSON', { body: '{"StatusCode":200,' }],
    ['too few results', { body: reply([entry('C1_A')]) }],
  ])('%s: the same error as send()', async (_name, canned) => {
    provider.reply(canned, canned);
    const keyed = await viaKeys().catch((error: unknown) => error);
    const sent = await viaSend().catch((error: unknown) => error);
    expect(keyed).toBeInstanceOf(Error);
    expect(keyed).toEqual(sent);
    expect((keyed as Error).constructor).toBe((sent as Error).constructor);
  });

  it('refuses what send() refuses, before any request', async () => {
    const send = keyedBatchSenderOf(transport)!;
    for (const bad of [
      { ...request, text: '' },
      { ...request, sender: 'TOO LONG SENDER' },
    ]) {
      const keyed = await send(bad, keys)!.catch((error: unknown) => error);
      const sent = await transport.send({ ...bad, to: numbers }).catch((error: unknown) => error);
      expect(keyed).toEqual(sent);
    }
    expect(provider.received).toHaveLength(0);
  });

  it('is not offered to a subclass, or when send() was replaced', () => {
    class Own extends JsonTransport {}
    const own = new Own({ accounts: { bulk: { username: 'u', password: 'p' } } });
    expect(keyedBatchSenderOf(own)!(request, keys)).toBeUndefined();
    const replaced = new JsonTransport({ accounts: { bulk: { username: 'u', password: 'p' } } });
    replaced.send = () => Promise.reject(new Error('own send'));
    expect(keyedBatchSenderOf(replaced)!(request, keys)).toBeUndefined();
    expect(keyedBatchSenderOf(transport)!(request, [])).toBeUndefined();
  });
});
