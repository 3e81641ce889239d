import { decodeIso88599, encodeIso88599, escapeXmlForIso88599 } from '../../message/iso-8859-9.js';
import { formatSlashedIstanbul } from '../../transports/istanbul-time.js';
import { PostaGuverciniSimulator } from './posta-guvercini.simulator.js';
import type { SimulatorProfile } from './simulator.types.js';

const ACCOUNTS = {
  otp: { username: 'otp-user', password: 'otp-secret' },
  bulk: { username: 'bulk-user', password: 'bulk-secret' },
};
const DECLARATION = '<?xml version="1.0" encoding="iso-8859-9"?>';
const ID = 'C1_[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}';

async function post(
  url: string,
  body: string | Buffer,
  contentType = 'text/xml; charset=iso-8859-9',
): Promise<{ status: number; text: string; contentType: string | null }> {
  const bytes = typeof body === 'string' ? encodeIso88599(body) : body;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: bytes,
  });
  return {
    status: response.status,
    text: decodeIso88599(Buffer.from(await response.arrayBuffer())),
    contentType: response.headers.get('content-type'),
  };
}

function ids(reply: string): string[] {
  return [...reply.matchAll(/<INSERT id="([^"]*)" res="(\d)"\/>/g)].map(
    (match) => `${match[1]}|${match[2]}`,
  );
}

describe.each<SimulatorProfile>(['otp', 'bulk'])('XML API on the %s profile', (profile) => {
  const sim = new PostaGuverciniSimulator();
  const account = ACCOUNTS[profile];
  const client = `<CLIENT user="${account.username}" pwd="${account.password}"/>`;
  let base: string;

  beforeAll(async () => {
    await sim.start();
    base = `${profile === 'otp' ? sim.otpBaseUrl : sim.bulkBaseUrl}/api_xml`;
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  it('sends one text to many numbers (INSERTMSG) and answers one INSERT per recipient in order', async () => {
    const reply = await post(
      `${base}/Sms_insreq.asp`,
      `${DECLARATION}<SMS-InsRequest>${client}<INSERTMSG text="Kodunuz: 123456" dt=""><TO>5321234567</TO><TO>5051112233</TO></INSERTMSG></SMS-InsRequest>`,
    );
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('text/xml; charset=iso-8859-9');
    expect(reply.text).toMatch(
      new RegExp(
        `^<SMS-Response><INSERT id="${ID}" res="1"/><INSERT id="${ID}" res="1"/></SMS-Response>$`,
      ),
    );
    expect(ids(reply.text)).toEqual(sim.messages.map((message) => `${message.id}|1`));
    expect(sim.messages.map((message) => [message.to, message.text, message.api])).toEqual([
      ['905321234567', 'Kodunuz: 123456', 'xml'],
      ['905051112233', 'Kodunuz: 123456', 'xml'],
    ]);
  });

  it('sends a text per number (INSERT) and rejects only the invalid number, in place', async () => {
    const reply = await post(
      `${base}/sms_insreq.ASP`,
      `${DECLARATION}<SMS-InsRequest>${client}<INSERT to="5321234567" text="bir"/><INSERT to="12" text="iki"/><INSERT to="05441234567" text="üç"/></SMS-InsRequest>`,
    );
    const entries = ids(reply.text);
    expect(entries).toHaveLength(3);
    expect(entries[1]).toBe('|0');
    expect(entries[0]).toBe(`${sim.messages[0]!.id}|1`);
    expect(entries[2]).toBe(`${sim.messages[1]!.id}|1`);
    expect(sim.messages.map((message) => [message.to, message.text])).toEqual([
      ['905321234567', 'bir'],
      ['905441234567', 'üç'],
    ]);
  });

  it('round-trips the sentence exactly: ISO-8859-9 bytes plus a numeric reference for the em dash', async () => {
    const text = 'Şişli\'de ığdır İÇİN çok güzel öğün — 5 < 6 & "tamam"';
    await post(
      `${base}/Sms_insreq.asp`,
      `${DECLARATION}<SMS-InsRequest>${client}<INSERTMSG text="${escapeXmlForIso88599(text)}"><TO>5321234567</TO></INSERTMSG></SMS-InsRequest>`,
    );
    expect(sim.lastMessageTo('5321234567')?.text).toBe(text);
  });

  it('normalises attribute whitespace like an XML parser: literal line breaks become spaces, &#10; stays a line break', async () => {
    await post(
      `${base}/Sms_insreq.asp`,
      `<SMS-InsRequest>${client}<INSERT to="5321234567" text="a\r\nb\tc&#10;d&#13;e"/></SMS-InsRequest>`,
    );
    expect(sim.lastMessageTo('5321234567')?.text).toBe('a b c\nd\re');
  });

  it('reads a document in the encoding its declaration names', async () => {
    const body = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><SMS-InsRequest>${client}<INSERT to="5321234567" text="ığdır — ok"/></SMS-InsRequest>`,
      'utf8',
    );
    await post(`${base}/Sms_insreq.asp`, body, 'text/xml');
    expect(sim.lastMessageTo('5321234567')?.text).toBe('ığdır — ok');
  });

  it('reads UTF-8 when the body names no encoding, even under a charset=iso-8859-9 Content-Type', async () => {
    // A production client sends UTF-8 bytes without a declaration under charset=iso-8859-9.
    await post(
      `${base}/Sms_insreq.asp`,
      Buffer.from(
        `<SMS-InsRequest>${client}<INSERT to="5321234567" text="Şişli — ğ"/></SMS-InsRequest>`,
        'utf8',
      ),
      'text/xml; charset=iso-8859-9',
    );
    expect(sim.lastMessageTo('5321234567')?.text).toBe('Şişli — ğ');
  });

  it('lets the declaration decide over a contradicting Content-Type charset', async () => {
    await post(
      `${base}/Sms_insreq.asp`,
      `${DECLARATION}<SMS-InsRequest>${client}<INSERT to="5321234567" text="Şişli"/></SMS-InsRequest>`,
      'text/xml; charset=utf-8',
    );
    expect(sim.lastMessageTo('5321234567')?.text).toBe('Şişli');
  });

  it('answers without an <?xml?> declaration, as the official document shows', async () => {
    const reply = await post(
      `${base}/Cre_balreq.asp`,
      `<CREDIT-BalRequest>${client}<BALANCE req="1"/></CREDIT-BalRequest>`,
    );
    expect(reply.text).toBe('<CREDIT-Response><BALANCE res="1000000"/></CREDIT-Response>');
  });

  it.each([
    [
      'wrong password',
      `<SMS-InsRequest><CLIENT user="${ACCOUNTS.otp.username}" pwd="nope"/><INSERT to="5321234567" text="x"/></SMS-InsRequest>`,
      'ERR1001 Kullanıcı adı veya şifre hatalı',
    ],
    [
      'not well-formed',
      `<SMS-InsRequest>{CLIENT}<INSERT to="5321234567" text="x"></SMS-InsRequest>`,
      'ERR1050 İstek değerlendirilemedi',
    ],
    [
      'a bare & in an attribute',
      `<SMS-InsRequest>{CLIENT}<INSERT to="5321234567" text="a & b"/></SMS-InsRequest>`,
      'ERR1050 İstek değerlendirilemedi',
    ],
    [
      'an unknown entity',
      `<SMS-InsRequest>{CLIENT}<INSERT to="5321234567" text="&nbsp;"/></SMS-InsRequest>`,
      'ERR1050 İstek değerlendirilemedi',
    ],
    [
      'the wrong root element',
      `<SMS-StaRequest>{CLIENT}</SMS-StaRequest>`,
      'ERR1050 İstek değerlendirilemedi',
    ],
    [
      'two root elements',
      `<SMS-InsRequest>{CLIENT}</SMS-InsRequest><SMS-InsRequest/>`,
      'ERR1050 İstek değerlendirilemedi',
    ],
    [
      'no CLIENT',
      `<SMS-InsRequest><INSERT to="5321234567" text="x"/></SMS-InsRequest>`,
      'ERR1050 İstek değerlendirilemedi',
    ],
    [
      'INSERT and INSERTMSG together',
      `<SMS-InsRequest>{CLIENT}<INSERT to="5321234567" text="x"/><INSERTMSG text="y"><TO>5321234567</TO></INSERTMSG></SMS-InsRequest>`,
      'ERR1050 İstek değerlendirilemedi',
    ],
    [
      'no receivers',
      `<SMS-InsRequest>{CLIENT}<INSERTMSG text="y"></INSERTMSG></SMS-InsRequest>`,
      'ERR1060 Alıcı listesi boş olamaz',
    ],
    [
      'an empty text',
      `<SMS-InsRequest>{CLIENT}<INSERT to="5321234567" text="x"/><INSERT to="5321234567" text=" "/></SMS-InsRequest>`,
      'ERR1090 Mesaj metni boş olamaz',
    ],
    [
      'a bad dt',
      `<SMS-InsRequest>{CLIENT}<INSERTMSG text="y" dt="2026-12-01 10:00"><TO>5321234567</TO></INSERTMSG></SMS-InsRequest>`,
      'ERR1063 Geçersiz gönderim zamanı (dt)',
    ],
    [
      'a bad dt2',
      `<SMS-InsRequest>{CLIENT}<INSERT to="5321234567" text="x" dt2="2026/02/30 10:00"/></SMS-InsRequest>`,
      'ERR1064 Geçersiz son gönderim zamanı (dt2)',
    ],
    [
      '801 receivers',
      `<SMS-InsRequest>{CLIENT}<INSERTMSG text="y">${'<TO>5321234567</TO>'.repeat(801)}</INSERTMSG></SMS-InsRequest>`,
      'ERR1070 Bir istekte en fazla 800 kayıt olabilir',
    ],
  ])('refuses a send with %s', async (_name, document, error) => {
    const reply = await post(`${base}/Sms_insreq.asp`, document.replace('{CLIENT}', client));
    expect(reply.text).toBe(`<SMS-Response><ERROR>${error}</ERROR></SMS-Response>`);
    expect(sim.messages).toHaveLength(0);
    expect(sim.requests.at(-1)?.providerCode).toBe(error.slice(0, 7));
  });

  it('refuses a GET and an empty body as malformed', async () => {
    const get = await fetch(`${base}/Sms_insreq.asp`);
    expect(get.status).toBe(200);
    expect(decodeIso88599(Buffer.from(await get.arrayBuffer()))).toBe(
      `<SMS-Response><ERROR>ERR1050 İstek değerlendirilemedi</ERROR></SMS-Response>`,
    );
    expect((await post(`${base}/Sms_insreq.asp`, '')).text).toContain('<ERROR>ERR1050 ');
  });

  it('answers status with Sms_stareq and Sms_stareqx (with gsmno) as the clock advances', async () => {
    await post(
      `${base}/Sms_insreq.asp`,
      `<SMS-InsRequest>${client}<INSERTMSG text="x"><TO>5321234567</TO></INSERTMSG></SMS-InsRequest>`,
    );
    const id = sim.messages[0]!.id;
    const query = `<SMS-StaRequest>${client}<STATUS id="${id}"/><STATUS id="C1_UNKNOWN"/></SMS-StaRequest>`;
    expect((await post(`${base}/Sms_stareq.asp`, query)).text).toBe(
      `<SMS-Response><STATUS id="${id}" res="200|0"/><STATUS id="C1_UNKNOWN" res="420|1"/></SMS-Response>`,
    );
    sim.advance(4_000);
    expect((await post(`${base}/Sms_stareqx.asp`, query)).text).toBe(
      `<SMS-Response><STATUS id="${id}" res="400|1" gsmno="5321234567"/><STATUS id="C1_UNKNOWN" res="420|1" gsmno=""/></SMS-Response>`,
    );
  });

  it('uses the page family in status and credit errors', async () => {
    const bad = `<CLIENT user="${account.username}" pwd="x"/>`;
    expect(
      (await post(`${base}/Sms_stareq.asp`, `<SMS-StaRequest>${bad}</SMS-StaRequest>`)).text,
    ).toBe(`<SMS-Response><ERROR>ERR2001 Kullanıcı adı veya şifre hatalı</ERROR></SMS-Response>`);
    expect(
      (
        await post(
          `${base}/Sms_stareq.asp`,
          `<SMS-StaRequest>${client}${'<STATUS id="x"/>'.repeat(801)}</SMS-StaRequest>`,
        )
      ).text,
    ).toContain('<ERROR>ERR2070 ');
    expect(
      (
        await post(
          `${base}/Cre_balreq.asp`,
          `<CREDIT-BalRequest>${bad}<BALANCE req="1"/></CREDIT-BalRequest>`,
        )
      ).text,
    ).toBe(
      `<CREDIT-Response><ERROR>ERR7001 Kullanıcı adı veya şifre hatalı</ERROR></CREDIT-Response>`,
    );
    expect((await post(`${base}/Cre_balreq.asp`, `<CREDIT-BalRequest>`)).text).toBe(
      `<CREDIT-Response><ERROR>ERR7050 İstek değerlendirilemedi</ERROR></CREDIT-Response>`,
    );
  });

  it('answers the credit balance and the originator', async () => {
    sim.setCredit(profile, 77);
    expect(
      (
        await post(
          `${base}/Cre_balreq.asp`,
          `<CREDIT-BalRequest>${client}<BALANCE req="1"/></CREDIT-BalRequest>`,
        )
      ).text,
    ).toBe(`<CREDIT-Response><BALANCE res="77"/></CREDIT-Response>`);
    expect(
      (await post(`${base}/Id_chkreq.asp`, `<ID-ChkRequest>${client}<ID req="1"/></ID-ChkRequest>`))
        .text,
    ).toBe(`<ID-Response><ID res="SIMULATOR"/></ID-Response>`);
  });

  it('accepts with status 110 what the credit does not cover, in request order', async () => {
    sim.setCredit(profile, 1);
    await post(
      `${base}/Sms_insreq.asp`,
      `<SMS-InsRequest>${client}<INSERTMSG text="x"><TO>5321234567</TO><TO>5321234568</TO></INSERTMSG></SMS-InsRequest>`,
    );
    expect(sim.messages.map((message) => [sim.statusOf(message.id), message.charge])).toEqual([
      [{ code: 200, final: false }, 1],
      [{ code: 110, final: false }, 0],
    ]);
    expect(sim.creditOf(profile)).toBe(0);
  });

  it('reads dt and dt2 as Istanbul time', async () => {
    const at = new Date(Math.ceil((sim.now().getTime() + 3_600_000) / 60_000) * 60_000);
    const until = new Date(at.getTime() + 3_600_000);
    await post(
      `${base}/Sms_insreq.asp`,
      `<SMS-InsRequest>${client}<INSERT to="5321234567" text="x" dt="${formatSlashedIstanbul(at)}" dt2="${formatSlashedIstanbul(until)}"/></SMS-InsRequest>`,
    );
    expect(sim.messages[0]!.requested).toEqual({ sendAt: at, validUntil: until });
  });
});

describe('XML API with xmlReplyDeclaration', () => {
  const sim = new PostaGuverciniSimulator({ xmlReplyDeclaration: true });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  it('starts every reply with the ISO-8859-9 declaration', async () => {
    const client = `<CLIENT user="${ACCOUNTS.bulk.username}" pwd="${ACCOUNTS.bulk.password}"/>`;
    const reply = await post(
      `${sim.bulkBaseUrl}/api_xml/Cre_balreq.asp`,
      `<CREDIT-BalRequest>${client}<BALANCE req="1"/></CREDIT-BalRequest>`,
    );
    expect(reply.text).toBe(
      `${DECLARATION}<CREDIT-Response><BALANCE res="1000000"/></CREDIT-Response>`,
    );
  });
});
