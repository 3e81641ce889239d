import { istanbulParts, parseIstanbulWallClock } from '../../transports/istanbul-time.js';
import { type ApiReply } from './api-handler.js';

// Reading the JSON API's request bodies (case-insensitive property names, as Json.NET binds them)
// and writing its envelopes and Web API errors.

export const CONTENT_TYPE = 'application/json; charset=utf-8';

export const DESCRIPTIONS: Readonly<Record<number, string>> = {
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

/** A request-level answer other than 200. */
export class JsonStatus extends Error {
  constructor(
    readonly statusCode: number,
    readonly description = DESCRIPTIONS[statusCode] ?? 'Error',
  ) {
    super(description);
  }
}

export type Body = Record<string, unknown>;

export function oneToMany(request: Body): { receiver: string; message: string }[] {
  const message = optionalString(request, 'Message') ?? '';
  return stringArray(request, 'Receivers').map((receiver) => ({ receiver, message }));
}

export function manyToMany(request: Body): { receiver: string; message: string }[] {
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
export function property(body: Body, name: string): unknown {
  if (Object.hasOwn(body, name)) return body[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(body)) if (key.toLowerCase() === lower) return body[key];
  return undefined;
}

export function optionalString(body: Body, name: string): string | undefined {
  const value = property(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new JsonStatus(400, `Bad request: ${name} must be a string`);
  return value;
}

export function stringArray(body: Body, name: string): string[] {
  const value = property(body, name);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new JsonStatus(400, `Bad request: ${name} must be an array of strings`);
  }
  return value as string[];
}

/** `yyyyMMdd HH:mm` Istanbul time; null/absent/empty → undefined. */
export function dateField(body: Body, name: string, code: number): Date | undefined {
  const value = property(body, name);
  if (value === undefined || value === null || value === '') return undefined;
  const date = typeof value === 'string' ? parseIstanbulWallClock(value, 'compact') : undefined;
  if (date === undefined) throw new JsonStatus(code);
  return date;
}

/** `yyyy-MM-ddTHH:mm:ss` Istanbul time. */
export function formatStatusTime(date: Date): string {
  const p = istanbulParts(date);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

export function envelope(
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

export function webApiError(
  status: number,
  message: string,
  headers?: Record<string, string>,
): ApiReply {
  return {
    status,
    contentType: CONTENT_TYPE,
    body: Buffer.from(JSON.stringify({ Message: message }), 'utf8'),
    providerCode: String(status),
    recipients: 0,
    headers,
  };
}
