import { deliveryReportOf } from './delivery-status.js';
import { istanbulOffsetMinutes } from './istanbul-time.js';
import type { DeliveryReport } from './sms-transport.types.js';

// The JSON API's status entries (`Status`: `{ SmsStatus, IsFinalStatus, Receiver, StatusTime }`)
// read into delivery reports, for JsonTransport.

const STATUS_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** One entry of a `Status` reply (anything but an object reads as an empty entry). */
export function statusReportOf(messageId: string, value: unknown): DeliveryReport {
  const entry = (value ?? {}) as Record<string, unknown>;
  const code = text(entry['SmsStatus']);
  const flag = text(entry['IsFinalStatus']);
  const receiver = typeof entry['Receiver'] === 'string' ? entry['Receiver'] : '';
  const at =
    typeof entry['StatusTime'] === 'string' ? parseStatusTime(entry['StatusTime']) : undefined;
  return {
    ...deliveryReportOf(messageId, flag === '1' || flag === '0' ? `${code}|${flag}` : code),
    ...(/^\d{10,15}$/.test(receiver) ? { to: receiver } : {}),
    ...(at ? { at } : {}),
  };
}

/** A string or number field as text; anything else (absent, null, an object) as `''`. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** `yyyy-MM-ddTHH:mm:ss` in Istanbul wall-clock time → instant; `undefined` when not that form. */
function parseStatusTime(text: string): Date | undefined {
  const match = STATUS_TIME.exec(text);
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (Number.isNaN(wall.getTime()) || wall.getUTCDate() !== d) return undefined;
  return new Date(wall.getTime() - istanbulOffsetMinutes(wall) * 60_000);
}
