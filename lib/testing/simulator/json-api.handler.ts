import type { IncomingHttpHeaders } from 'node:http';
import {
  type ApiCall,
  type ApiReply,
  type RoutedOperation,
  type SimulatedApiHandler,
  truncatedReply,
} from './api-handler.js';
import {
  MAX_ITEMS_PER_REQUEST,
  normalizeSimulatedNumber,
  type SendItem,
  type SimulatedProvider,
} from './simulated-provider.js';
import {
  oneToMany,
  manyToMany,
  optionalString,
  stringArray,
  dateField,
  formatStatusTime,
  envelope,
  webApiError,
} from './json-api.body.js';
import { type Body, JsonStatus, DESCRIPTIONS } from './json-api.body.js';

const ROUTES: Readonly<Record<string, RoutedOperation>> = {
  send_1_n: { operation: 'Send_1_N', kind: 'send' },
  send_n_n: { operation: 'Send_N_N', kind: 'send' },
  status: { operation: 'Status', kind: 'status' },
  creditbalance: { operation: 'CreditBalance', kind: 'credit' },
};

/** Turkish descriptions of delivery status codes (`SmsStatusDescription`). */
const STATUS_DESCRIPTIONS: Readonly<Record<number, string>> = {
  110: 'Kredi yüklenmesi bekleniyor',
  120: 'Gönderim zamanı bekleniyor',
  200: "SMSC'ye gönderilecek",
  300: "SMSC'ye gönderildi",
  400: 'Alıcıya iletildi',
  [-202]: 'Silindi: mükerrer mesaj',
  [-203]: 'Silindi: geçersiz son gönderim zamanı',
  [-205]: 'Silindi: mesaj çok uzun',
  [-210]: 'Silindi: zaman aşımı',
  [-220]: 'Silindi: kredi yetersizliği zaman aşımı',
  [-242]: 'Silindi: izinli pazarlama kara listesi',
  [-447]: 'Türkçe karakterli mesajlar 268 karakterden uzun olamaz',
};

/**
 * `/api_json/v1/Sms/*` — the JSON v1 API (reference §5, TEAM wire decisions). Always HTTP 200
 * with `{ StatusCode, StatusDescription, Result }` once the request reached the action; 405 for
 * a method other than POST and 415 for a body that is not `application/json`, as ASP.NET Web
 * API answers. Property names are matched case-insensitively, as Json.NET binds them (an exact
 * match wins over another casing).
 */
export class JsonApiHandler implements SimulatedApiHandler {
  readonly api = 'json' as const;
  readonly prefix = '/api_json/v1/sms/';

  constructor(private readonly provider: SimulatedProvider) {}

  route(
    lowerPath: string,
    _headers: IncomingHttpHeaders,
    _body: Buffer,
  ): RoutedOperation | undefined {
    return ROUTES[lowerPath.slice(this.prefix.length)];
  }

  handle(call: ApiCall): ApiReply {
    if (call.method !== 'POST') {
      return webApiError(
        405,
        `The requested resource does not support http method '${call.method}'.`,
        { allow: 'POST' },
      );
    }
    const contentType = call.headers['content-type']?.toLowerCase() ?? '';
    if (!contentType.startsWith('application/json') && !contentType.startsWith('text/json')) {
      return webApiError(
        415,
        `The request entity's media type '${contentType.split(';')[0] || 'none'}' is not supported for this resource.`,
      );
    }
    let recipients = 0;
    try {
      let body: unknown;
      try {
        body = JSON.parse(call.body.toString('utf8'));
      } catch {
        throw new JsonStatus(400, 'Bad request: the body is not valid JSON');
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new JsonStatus(400, 'Bad request: the body must be a JSON object');
      const request = body as Body;
      const username = optionalString(request, 'Username');
      const password = optionalString(request, 'Password');
      switch (call.operation) {
        case 'Send_1_N':
        case 'Send_N_N': {
          const items = call.operation === 'Send_1_N' ? oneToMany(request) : manyToMany(request);
          recipients = items.length;
          this.authenticate(call, username, password);
          return envelope(200, this.send(call, request, items), recipients);
        }
        case 'Status': {
          const ids = stringArray(request, 'MessageIds');
          recipients = ids.length;
          this.authenticate(call, username, password);
          if (ids.length > MAX_ITEMS_PER_REQUEST) throw new JsonStatus(1070);
          return envelope(
            200,
            ids.map((id) => this.status(call, id)),
            recipients,
          );
        }
        default:
          this.authenticate(call, username, password);
          return envelope(200, { Balance: this.provider.creditOf(call.profile) }, 0);
      }
    } catch (caught) {
      if (caught instanceof JsonStatus)
        return envelope(caught.statusCode, null, recipients, caught.description);
      throw caught;
    }
  }

  private authenticate(
    call: ApiCall,
    username: string | undefined,
    password: string | undefined,
  ): void {
    if (this.provider.checkCredentials(call.profile, username, password) !== 'ok')
      throw new JsonStatus(500);
  }

  private send(
    call: ApiCall,
    request: Body,
    items: readonly { receiver: string; message: string }[],
  ): unknown[] {
    if (items.length === 0) throw new JsonStatus(1060);
    if (items.length > MAX_ITEMS_PER_REQUEST) throw new JsonStatus(1070);
    if (items.some((item) => item.message.trim() === '')) throw new JsonStatus(1090);
    const sendAt = dateField(request, 'SendDate', 1063);
    const validUntil = dateField(request, 'ExpireDate', 1064);
    const channel = optionalString(request, 'Channel');
    if (channel !== undefined && channel !== 'OTP' && channel !== 'BULK')
      throw new JsonStatus(400, "Bad request: Channel must be 'OTP' or 'BULK'");
    const sender = optionalString(request, 'Originator') || undefined;
    const sendItems: SendItem[] = [];
    for (const item of items) {
      const to = normalizeSimulatedNumber(item.receiver);
      if (to === undefined) throw new JsonStatus(1061);
      sendItems.push({ to, text: item.message });
    }
    const outcome = this.provider.send({
      profile: call.profile,
      api: 'json',
      items: sendItems,
      sendAt,
      validUntil,
      sender,
      creditPolicy: 'wait',
    });
    if (!outcome.ok) throw new Error('unreachable: the wait policy never rejects');
    return outcome.messages.map((message, i) => ({
      MessageId: message.id,
      Receiver: items[i]!.receiver,
      Charge: message.charge,
    }));
  }

  private status(call: ApiCall, id: string): unknown {
    const message = this.provider.find(id, call.profile);
    if (message === undefined) {
      return {
        MessageId: id,
        Receiver: '',
        SmsStatus: '',
        SmsStatusDescription: 'Bilinmiyor ?',
        IsFinalStatus: '',
        StatusTime: '',
        SmsCharge: '',
      };
    }
    const status = this.provider.statusOf(id)!;
    return {
      MessageId: id,
      Receiver: message.to,
      SmsStatus: String(status.code),
      SmsStatusDescription: STATUS_DESCRIPTIONS[status.code] ?? '',
      IsFinalStatus: status.final ? '1' : '0',
      StatusTime: formatStatusTime(status.since),
      SmsCharge: String(message.charge),
    };
  }

  providerError(_call: ApiCall, code: string | number | undefined): ApiReply {
    const statusCode = Number(code ?? 1010);
    return envelope(statusCode, null, 0, DESCRIPTIONS[statusCode] ?? `Error (ERR${statusCode})`);
  }

  malformed(reply: ApiReply): ApiReply {
    return truncatedReply(reply);
  }
}
