import type { IncomingHttpHeaders } from 'node:http';
import { istanbulParts, parseIstanbulWallClock } from '../../transports/istanbul-time.js';
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

const ROUTES: Readonly<Record<string, RoutedOperation>> = {
  send_1_n: { operation: 'Send_1_N', kind: 'send' },
  send_n_n: { operation: 'Send_N_N', kind: 'send' },
  status: { operation: 'Status', kind: 'status' },
  creditbalance: { operation: 'CreditBalance', kind: 'credit' },
};

const CONTENT_TYPE = 'application/json; charset=utf-8';

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  200: 'Transaction done successfully',
  400: 'Bad request',
  500: 'Kullanıcı adı veya şifre hatalı!',
  1010: 'Request error: database error. (ERR1010)',
  1060: 'Receivers cannot be empty. (ERR1060)',
  1061: 'Invalid receiver',
  1063: 'Invalid SendDate format. Use yyyyMMdd HH:mm. (ERR1063)',
  1064: 'Invalid ExpireDate format. Use yyyyMMdd HH:mm. (ERR1064)',
  // The live text (reference §5.2, §12).
  1070: 'Your request could not be recorded. You must add no more than 800 recipients at once. (ERR1070)',
  1090: 'Messages is cannot be empty. (ERR1090)',
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

/** A request-level answer other than 200. */
class JsonStatus extends Error {
  constructor(
    readonly statusCode: number,
    readonly description = DESCRIPTIONS[statusCode] ?? 'Error',
  ) {
    super(description);
  }
}

type Body = Record<string, unknown>;

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

function oneToMany(request: Body): { receiver: string; message: string }[] {
  const message = optionalString(request, 'Message') ?? '';
  return stringArray(request, 'Receivers').map((receiver) => ({ receiver, message }));
}

function manyToMany(request: Body): { receiver: string; message: string }[] {
  const messages = property(request, 'Messages');
  if (messages === undefined || messages === null) return [];
  if (!Array.isArray(messages))
    throw new JsonStatus(400, 'Bad request: Messages must be an array of { Receiver, Message }');
  return messages.map((item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new JsonStatus(400, 'Bad request: Messages must be an array of { Receiver, Message }');
    }
    return {
      receiver: optionalString(item as Body, 'Receiver') ?? '',
      message: optionalString(item as Body, 'Message') ?? '',
    };
  });
}

/** A property as Json.NET binds it: the exact name, else any casing of it. */
function property(body: Body, name: string): unknown {
  if (Object.hasOwn(body, name)) return body[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(body)) if (key.toLowerCase() === lower) return body[key];
  return undefined;
}

function optionalString(body: Body, name: string): string | undefined {
  const value = property(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new JsonStatus(400, `Bad request: ${name} must be a string`);
  return value;
}

function stringArray(body: Body, name: string): string[] {
  const value = property(body, name);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new JsonStatus(400, `Bad request: ${name} must be an array of strings`);
  }
  return value as string[];
}

/** `yyyyMMdd HH:mm` Istanbul time; null/absent/empty → undefined. */
function dateField(body: Body, name: string, code: number): Date | undefined {
  const value = property(body, name);
  if (value === undefined || value === null || value === '') return undefined;
  const date = typeof value === 'string' ? parseIstanbulWallClock(value, 'compact') : undefined;
  if (date === undefined) throw new JsonStatus(code);
  return date;
}

/** `yyyy-MM-ddTHH:mm:ss` Istanbul time. */
function formatStatusTime(date: Date): string {
  const p = istanbulParts(date);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

function envelope(
  statusCode: number,
  result: unknown,
  recipients: number,
  description = DESCRIPTIONS[statusCode] ?? 'Error',
): ApiReply {
  return {
    status: 200,
    contentType: CONTENT_TYPE,
    body: Buffer.from(
      JSON.stringify({ StatusCode: statusCode, StatusDescription: description, Result: result }),
      'utf8',
    ),
    providerCode: String(statusCode),
    recipients,
  };
}

function webApiError(status: number, message: string, headers?: Record<string, string>): ApiReply {
  return {
    status,
    contentType: CONTENT_TYPE,
    body: Buffer.from(JSON.stringify({ Message: message }), 'utf8'),
    providerCode: String(status),
    recipients: 0,
    headers,
  };
}
