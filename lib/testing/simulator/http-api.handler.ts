import type { IncomingHttpHeaders } from 'node:http';
import { encodeIso88599, percentDecodeIso88599 } from '../../message/iso-8859-9.js';
import {
  analyzeSmsText,
  MAX_GSM7_CHARACTERS,
  MAX_UCS2_CHARACTERS,
} from '../../message/sms-text.js';
import { parseIstanbulWallClock } from '../../transports/istanbul-time.js';
import type { ApiCall, ApiReply, RoutedOperation, SimulatedApiHandler } from './api-handler.js';
import {
  MAX_ITEMS_PER_REQUEST,
  normalizeSimulatedNumber,
  type SimulatedProvider,
} from './simulated-provider.js';
import type { SimulatorBehaviour } from './simulator.types.js';

/** `errtext` values (Turkish, as the provider writes them; only -1003's is attested). */
const ERRTEXT: Readonly<Record<string, string>> = {
  '-1001': 'Geçersiz kullanıcı adı',
  '-1002': 'Geçersiz şifre',
  '-1003': 'GSM no geçersiz',
  '-1004': 'Geçersiz mesaj metni',
  '-1005': 'Geçersiz message_id',
  '-2001': 'API hatası',
  '-2002': 'Veritabanı hatası',
  '20': 'Yetersiz kredi',
  '1063': 'Geçersiz gönderim zamanı (dt)',
  '1064': 'Geçersiz son gönderim zamanı (dt2)',
  '1070': 'Bir istekte en fazla 800 GSM numarası olabilir',
};

const ROUTES: Readonly<Record<string, RoutedOperation>> = {
  'sendsms.asp': { operation: 'sendsms', kind: 'send' },
  'sendbulksms.asp': { operation: 'sendbulksms', kind: 'send' },
  'querysms.asp': { operation: 'querysms', kind: 'status' },
  'querycredit.asp': { operation: 'querycredit', kind: 'credit' },
};

const CONTENT_TYPE = 'text/html; charset=iso-8859-9';
const FORM = 'application/x-www-form-urlencoded';

/** Classic-ASP `Request("name")` over query string + form body, decoded as windows-1254. */
class AspParameters {
  private readonly values = new Map<string, string[]>();

  add(raw: string): void {
    if (raw === '') return;
    for (const pair of raw.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decode(eq === -1 ? pair : pair.slice(0, eq)).toLowerCase();
      const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
      const list = this.values.get(key);
      if (list) list.push(value);
      else this.values.set(key, [value]);
    }
  }

  /** All values of a key, in order (query first, then form). */
  all(key: string): string[] {
    return this.values.get(key) ?? [];
  }

  /** What ASP's `Request("key")` gives: repeated values joined with `", "`; `undefined` if absent. */
  get(key: string): string | undefined {
    const list = this.values.get(key);
    return list === undefined ? undefined : list.join(', ');
  }
}

function decode(value: string): string {
  return value.indexOf('%') === -1 && value.indexOf('+') === -1 && !hasHighBytes(value)
    ? value
    : percentDecodeIso88599(value, { charset: 'windows-1254' });
}

function hasHighBytes(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return true;
  return false;
}

/**
 * `/api_http/*.asp` — the classic-ASP key=value API (reference §2, §12). Keys it does not know
 * are ignored, as classic ASP does: an `originator` is dropped and the message keeps the
 * account's default sender title.
 */
export class HttpApiHandler implements SimulatedApiHandler {
  readonly api = 'http' as const;
  readonly prefix = '/api_http/';

  constructor(
    private readonly provider: SimulatedProvider,
    private readonly behaviour: Pick<SimulatorBehaviour, 'httpStatusForm' | 'httpBulkReplyForm'>,
  ) {}

  route(
    lowerPath: string,
    _headers: IncomingHttpHeaders,
    _body: Buffer,
  ): RoutedOperation | undefined {
    return ROUTES[lowerPath.slice(this.prefix.length)];
  }

  handle(call: ApiCall): ApiReply {
    const params = new AspParameters();
    params.add(call.query);
    const contentType = call.headers['content-type'];
    if (
      call.body.length > 0 &&
      (contentType === undefined || contentType.toLowerCase().startsWith(FORM))
    ) {
      params.add(call.body.toString('latin1'));
    }
    const check = this.provider.checkCredentials(
      call.profile,
      params.get('user'),
      params.get('password'),
    );
    const gsm = params.all('gsm');
    if (check !== 'ok') return error(check === 'user' ? '-1001' : '-1002', gsm.length);
    switch (call.operation) {
      case 'sendsms':
      case 'sendbulksms':
        return this.send(call, params);
      case 'querysms':
        return this.query(call, params);
      default:
        return reply(
          [
            ['errno', '0'],
            ['errtext', ''],
            ['credit', String(this.provider.creditOf(call.profile))],
          ],
          '0',
          0,
        );
    }
  }

  private send(call: ApiCall, params: AspParameters): ApiReply {
    const numbers: string[] = [];
    for (const value of params.all('gsm'))
      for (const part of value.split(',')) if (part.trim() !== '') numbers.push(part.trim());
    const count = numbers.length;
    if (count > MAX_ITEMS_PER_REQUEST) return error('1070', count);
    if (count === 0 || (call.operation === 'sendsms' && count > 1)) return error('-1003', count);
    const perRecipient =
      call.operation === 'sendbulksms' && this.behaviour.httpBulkReplyForm === 'per-recipient';
    const canonical: (string | undefined)[] = [];
    for (const number of numbers) {
      const normalised = normalizeSimulatedNumber(number);
      if (normalised === undefined && !perRecipient) return error('-1003', count);
      canonical.push(normalised);
    }
    const valid = canonical.filter((to): to is string => to !== undefined);
    if (valid.length === 0) return error('-1003', count);
    const text = params.get('text') ?? '';
    const analysis = analyzeSmsText(text);
    const tooLong =
      analysis.characters >
      (analysis.encoding === 'gsm7' ? MAX_GSM7_CHARACTERS : MAX_UCS2_CHARACTERS);
    if (text.trim() === '' || tooLong) return error('-1004', count);
    const dt = params.get('dt') ?? '';
    const sendAt = dt === '' ? undefined : parseIstanbulWallClock(dt, 'compact');
    if (dt !== '' && sendAt === undefined) return error('1063', count);
    const dt2 = params.get('dt2') ?? '';
    const validUntil = dt2 === '' ? undefined : parseIstanbulWallClock(dt2, 'compact');
    if (dt2 !== '' && validUntil === undefined) return error('1064', count);
    const outcome = this.provider.send({
      profile: call.profile,
      api: 'http',
      items: valid.map((to) => ({ to, text })),
      sendAt,
      validUntil,
      creditPolicy: 'reject',
    });
    if (!outcome.ok) return error('20', count);
    if (perRecipient) {
      const pairs: [string, string][] = [];
      let next = 0;
      for (const to of canonical) {
        const message = to === undefined ? undefined : outcome.messages[next++]!;
        pairs.push(
          ['errno', message ? '0' : '-1003'],
          ['errtext', message ? '' : ERRTEXT['-1003']!],
          ['message_id', message?.id ?? ''],
          ['charge', String(message?.charge ?? 0)],
        );
      }
      return reply(pairs, '0', count);
    }
    const pairs: [string, string][] = [
      ['errno', '0'],
      ['errtext', ''],
    ];
    for (const message of outcome.messages) pairs.push(['message_id', message.id]);
    pairs.push(['charge', String(outcome.charge)]);
    return reply(pairs, '0', count);
  }

  private query(call: ApiCall, params: AspParameters): ApiReply {
    const id = params.get('message_id') ?? '';
    const message = this.provider.find(id, call.profile);
    if (message === undefined) return error('-1005', 1);
    const status = this.provider.statusOf(message.id)!;
    return reply(
      [
        ['errno', '0'],
        ['errtext', ''],
        [
          'status',
          this.behaviour.httpStatusForm === 'code'
            ? String(status.code)
            : `${status.code}|${status.final ? 1 : 0}`,
        ],
      ],
      '0',
      1,
    );
  }

  providerError(_call: ApiCall, code: string | number | undefined): ApiReply {
    return error(String(code ?? '-2001'), 0);
  }

  /** A classic-ASP runtime error page, answered with 200 as ASP does, and no `errno`. */
  malformed(original: ApiReply): ApiReply {
    return {
      ...original,
      status: 200,
      body: Buffer.from(
        '<font face="Arial" size=2><p>Microsoft VBScript runtime </font> <font face="Arial" size=2>error \'800a000d\'</font><p><font face="Arial" size=2>Type mismatch</font>',
        'latin1',
      ),
    };
  }
}

function error(code: string, recipients: number): ApiReply {
  return reply(
    [
      ['errno', code],
      ['errtext', ERRTEXT[code] ?? 'Hata'],
    ],
    code,
    recipients,
  );
}

/** `key=value&…`, values written as they are (never `&` or `=` in them), in ISO-8859-9. */
function reply(
  pairs: readonly (readonly [string, string])[],
  providerCode: string,
  recipients: number,
): ApiReply {
  let body = '';
  for (const [key, value] of pairs) body += `${body === '' ? '' : '&'}${key}=${value}`;
  return {
    status: 200,
    contentType: CONTENT_TYPE,
    body: encodeIso88599(body),
    providerCode,
    recipients,
  };
}
