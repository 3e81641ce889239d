import { PostaGuverciniSimulator } from '../../testing/simulator/posta-guvercini.simulator.js';
import { HttpTransport } from '../http.transport.js';
import { JsonTransport } from '../json.transport.js';
import { SoapTransport } from '../soap.transport.js';
import { XmlTransport } from '../xml.transport.js';
import type { ResolvedAccount } from '../wire-transport.options.js';
import { parseHttpReply } from './http-reply.js';
import {
  asmxSendString,
  plainHttpSendReply,
  plainJsonSendReply,
  plainSoapSendStrings,
  plainXmlInserts,
} from './plain-replies.js';
import type { PreparedSendWork } from './prepared.js';
import { replyText } from './reply-text.js';
import { planSend, type SendPlan } from './send-plan.js';
import type { WireHttpClient } from './wire-client.js';
import { childNamed, childrenNamed, parseXml } from './xml-reader.js';

// The exact paths must read what the general readers read, and leave every other form to them.

const ID = 'C1_5EB1A7E0-0000-4000-8000-000000000001';
const ENVELOPE =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><SmsInsert_1_NResponse xmlns="http://83.66.137.24/PgApiWs"><SmsInsert_1_NResult>';
const ENVELOPE_END = '</SmsInsert_1_NResult></SmsInsert_1_NResponse></soap:Body></soap:Envelope>';
const soapReply = (strings: string) => `${ENVELOPE}${strings}${ENVELOPE_END}`;

/** What the strict reader reads from an XML send reply. */
function strictInserts(text: string): { id: string; res: string }[] {
  return childrenNamed(parseXml(text), 'INSERT').map((e) => ({
    id: e.attributes['id'] ?? '',
    res: e.attributes['res'] ?? '',
  }));
}

/** What the strict reader reads from a SOAP send reply. */
function strictStrings(text: string): string[] {
  const body = childNamed(parseXml(text), 'Body')!;
  const result = childNamed(childNamed(body, 'SmsInsert_1_NResponse')!, 'SmsInsert_1_NResult')!;
  return childrenNamed(result, 'string').map((e) => e.text);
}

describe('plainXmlInserts', () => {
  it.each([
    [`<SMS-Response><INSERT id="${ID}" res="1"/></SMS-Response>`, 1],
    [
      `<?xml version="1.0" encoding="iso-8859-9"?>\r\n<SMS-Response>\n  <INSERT id="${ID}" res="1" />\n</SMS-Response>\n`,
      1,
    ],
    [`<SMS-Response><INSERT id="${ID}" res="1"/><INSERT id="" res="0"/></SMS-Response>`, 2],
    [`<SMS-Response><INSERT id="a>b" res="1"/></SMS-Response>`, 1],
  ])('reads form %# as the strict reader does', (text, expected) => {
    expect(plainXmlInserts(text, expected)).toEqual(strictInserts(text));
  });

  it.each([
    ['an ERROR', '<SMS-Response><ERROR>ERR1050</ERROR></SMS-Response>'],
    ['an entity', '<SMS-Response><INSERT id="C1_&amp;" res="1"/></SMS-Response>'],
    ['a tab to normalise', '<SMS-Response><INSERT id="C1\tA" res="1"/></SMS-Response>'],
    ['single quotes', "<SMS-Response><INSERT id='C1_A' res='1'/></SMS-Response>"],
    ['other attribute order', '<SMS-Response><INSERT res="1" id="C1_A"/></SMS-Response>'],
    ['a comment', '<SMS-Response><!-- x --><INSERT id="C1_A" res="1"/></SMS-Response>'],
    ['a no-break space', '\u00a0<SMS-Response><INSERT id="C1_A" res="1"/></SMS-Response>'],
    ['truncation', '<SMS-Response><INSERT id="C1_A" res="1"/>'],
    ['a second root', '<SMS-Response></SMS-Response><SMS-Response></SMS-Response>'],
    [
      'two entries for one',
      '<SMS-Response><INSERT id="A" res="1"/><INSERT id="B" res="1"/></SMS-Response>',
    ],
    ['no entry for one', '<SMS-Response></SMS-Response>'],
  ])('leaves a reply with %s to the strict reader', (_what, text) => {
    expect(plainXmlInserts(text, 1)).toBeUndefined();
  });
});

describe('plainSoapSendStrings', () => {
  it.each([
    [soapReply(`<string>${ID}</string>`), 1],
    [soapReply('<string>-1003</string>'), 1],
    [soapReply(`<string>${ID}</string><string>-1003</string>`), 2],
    [soapReply(''), 0],
    [
      `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">\r\n <s:Body>\n  <SmsInsert_1_NResponse xmlns="http://83.66.137.24/PgApiWs/"><SmsInsert_1_NResult>\n<string> ${ID} </string>\n</SmsInsert_1_NResult></SmsInsert_1_NResponse></s:Body></s:Envelope>`,
      1,
    ],
  ])('reads form %# as the strict reader does', (text, expected) => {
    expect(plainSoapSendStrings(text, expected)).toEqual(strictStrings(text));
  });

  it.each([
    [
      'a fault',
      `${ENVELOPE.split('<SmsInsert')[0]}<soap:Fault><faultcode>soap:Client</faultcode></soap:Fault></soap:Body></soap:Envelope>`,
    ],
    ['an entity', soapReply('<string>C1_&amp;</string>')],
    ['CDATA', soapReply('<string><![CDATA[C1_A]]></string>')],
    [
      'mismatched prefixes',
      soapReply(`<string>${ID}</string>`).replace('</soap:Body>', '</s:Body>'),
    ],
    [
      'a no-break space',
      soapReply(`<string>${ID}</string>`).replace('<soap:Body>', '<soap:Body>\u00a0'),
    ],
    ['truncation', soapReply(`<string>${ID}</string>`).slice(0, -5)],
    ['two entries for one', soapReply('<string>A</string><string>B</string>')],
    ['no entry for one', soapReply('')],
  ])('leaves a reply with %s to the strict reader', (_what, text) => {
    expect(plainSoapSendStrings(text, 1)).toBeUndefined();
  });
});

describe('asmxSendString', () => {
  const bytes = (text: string) => Buffer.from(text, 'utf8');

  it.each([
    `<string>${ID}</string>`,
    '<string>-1003</string>',
    '<string>İş ğü</string>',
    '<string></string>',
  ])(
    'reads the one result of the reply ASP.NET writes (%p) as the strict reader does',
    (strings) => {
      const text = soapReply(strings);
      expect(asmxSendString(bytes(text))).toEqual(strictStrings(text)[0]);
    },
  );

  it.each([
    ['another namespace', soapReply(`<string>${ID}</string>`).replace('PgApiWs"', 'PgApiWs/"')],
    ['no declaration', soapReply(`<string>${ID}</string>`).replace(/^<\?xml[^>]*>/, '')],
    ['a line break', `${soapReply(`<string>${ID}</string>`)}\r\n`],
    ['spacing', soapReply(`<string>${ID}</string>`).replace('<soap:Body>', '<soap:Body> ')],
    ['two entries', soapReply('<string>A</string><string>B</string>')],
    ['no entry', soapReply('')],
    ['an entity', soapReply('<string>C1_&amp;</string>')],
    ['CDATA', soapReply('<string><![CDATA[C1_A]]></string>')],
    ['truncation', soapReply(`<string>${ID}</string>`).slice(0, -1)],
    ['nothing but the head', ENVELOPE],
  ])('leaves a reply with %s to the other readers', (_what, text) => {
    expect(asmxSendString(bytes(text))).toBeUndefined();
  });
});

describe('plainHttpSendReply', () => {
  it('reads the usual one-recipient reply as parseHttpReply does', () => {
    const text = `errno=0&errtext=&message_id=${ID}&charge=1`;
    const reply = parseHttpReply(text)!;
    expect(plainHttpSendReply(text)).toEqual({
      messageId: reply.get('message_id'),
      charge: Number(reply.get('charge')),
    });
  });

  it.each([
    `errno=0&errtext=&message_id=${ID}&charge=1\r\n`,
    `errno=0&errtext=&message_id=${ID}&message_id=C1_B&charge=2`,
    `errno=0&errtext=&message_id=&charge=1`,
    `errno=0&errtext=&message_id=${ID}&charge=`,
    `errno=0&errtext=&message_id=${ID}&charge=1.5`,
    `errno=-1003&errtext=GSM no hatali&message_id=&charge=0`,
    `errno=0&errtext=&message_id=${ID}&charge=1&errno=0&errtext=&message_id=C1_B&charge=1`,
  ])('leaves %p to parseHttpReply', (text) => {
    expect(plainHttpSendReply(text)).toBeUndefined();
  });
});

describe('plainJsonSendReply', () => {
  const reply = (
    result: string,
    head = '"StatusCode":200,"StatusDescription":"Transaction done successfully"',
  ) => `{${head},"Result":[${result}]}`;

  it.each([
    reply(`{"MessageId":"${ID}","Receiver":"905321234567","Charge":1}`),
    reply('{"MessageId":"","Receiver":"905321234567","Charge":0}'),
    reply(
      `{"MessageId":"${ID}","Receiver":"","Charge":12}`,
      '"StatusCode":200,"StatusDescription":"İşlem başarılı"',
    ),
  ])('reads %p as JSON.parse does', (text) => {
    const entry = (JSON.parse(text) as { Result: { MessageId: string; Charge: number }[] })
      .Result[0]!;
    expect(plainJsonSendReply(text)).toEqual({ messageId: entry.MessageId, charge: entry.Charge });
  });

  it.each([
    [
      'another StatusCode',
      reply(
        '{"MessageId":"A","Receiver":"1","Charge":1}',
        '"StatusCode":1070,"StatusDescription":"x"',
      ),
    ],
    ['spacing', reply('{"MessageId":"A", "Receiver":"1","Charge":1}')],
    ['an escape', reply('{"MessageId":"A\\u0041","Receiver":"1","Charge":1}')],
    ['a control character', reply('{"MessageId":"A\u0001","Receiver":"1","Charge":1}')],
    ['another key order', reply('{"Receiver":"1","MessageId":"A","Charge":1}')],
    ['a leading zero', reply('{"MessageId":"A","Receiver":"1","Charge":01}')],
    ['a fraction', reply('{"MessageId":"A","Receiver":"1","Charge":1.5}')],
    [
      'two entries',
      reply(
        '{"MessageId":"A","Receiver":"1","Charge":1},{"MessageId":"B","Receiver":"2","Charge":1}',
      ),
    ],
    ['a byte-order mark', `\ufeff${reply('{"MessageId":"A","Receiver":"1","Charge":1}')}`],
    ['truncation', reply('{"MessageId":"A","Receiver":"1","Charge":1}').slice(0, -1)],
  ])('leaves a reply with %s to JSON.parse', (_what, text) => {
    expect(plainJsonSendReply(text)).toBeUndefined();
  });
});

describe('the exact paths and the simulator', () => {
  /** The protected parts of a wire transport this test drives. */
  interface Probe {
    accountFor(channel: 'otp'): ResolvedAccount;
    prepareSend(account: ResolvedAccount, plan: SendPlan): PreparedSendWork;
    readonly client: WireHttpClient;
    close(): Promise<void>;
  }
  const apis = [
    ['http', HttpTransport, (text: string) => plainHttpSendReply(text)],
    ['xml', XmlTransport, (text: string) => plainXmlInserts(text, 1)],
    ['soap', SoapTransport, (text: string) => plainSoapSendStrings(text, 1)],
    ['soap (ASP.NET bytes)', SoapTransport, (text: string) => asmxSendString(Buffer.from(text))],
    ['json', JsonTransport, (text: string) => plainJsonSendReply(text)],
  ] as const;

  it.each([false, true])(
    "read the simulator's one-recipient send replies of all four APIs (XML declaration: %p)",
    async (xmlReplyDeclaration) => {
      const sim = new PostaGuverciniSimulator({ xmlReplyDeclaration });
      await sim.start();
      try {
        for (const [api, Transport, read] of apis) {
          const probe = new Transport({ accounts: sim.accounts }) as unknown as Probe;
          const plan = planSend(
            { channel: 'otp', to: ['905321234567'], text: 'Kod: 482913' },
            undefined,
          );
          const work = probe.prepareSend(probe.accountFor('otp'), plan);
          const response = await probe.client.post(work.requests[0]!.wire);
          const fallback = api.startsWith('soap') || api === 'json' ? 'utf-8' : 'iso-8859-9';
          expect([api, read(replyText(response, fallback, { xml: true }))]).toEqual([
            api,
            expect.anything(),
          ]);
          await probe.close();
        }
      } finally {
        await sim.stop();
      }
    },
  );
});
