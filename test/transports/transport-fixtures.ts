import { HttpTransport } from '../../lib/transports/http.transport.js';
import { JsonTransport } from '../../lib/transports/json.transport.js';
import { SoapTransport } from '../../lib/transports/soap.transport.js';
import type { WireTransportOptions } from '../../lib/transports/wire-transport.options.js';
import { XmlTransport } from '../../lib/transports/xml.transport.js';
import type { WireTransport } from '../../lib/transports/wire/wire.transport.js';

/** The four wire transports, by the API name the simulator records. */
export const WIRE_TRANSPORTS = {
  http: (options: WireTransportOptions): WireTransport => new HttpTransport(options),
  xml: (options: WireTransportOptions): WireTransport => new XmlTransport(options),
  soap: (options: WireTransportOptions): WireTransport => new SoapTransport(options),
  json: (options: WireTransportOptions): WireTransport => new JsonTransport(options),
} as const;

export type WireApi = keyof typeof WIRE_TRANSPORTS;
export const WIRE_APIS = Object.keys(WIRE_TRANSPORTS) as WireApi[];

/** The send operation's name as each API (and the simulator's `requests`) calls it. */
export const SEND_OPERATIONS: Readonly<
  Record<WireApi, { oneToMany: string; single: string; manyToMany: string }>
> = {
  http: { oneToMany: 'sendbulksms', single: 'sendsms', manyToMany: 'sendsms' },
  xml: { oneToMany: 'Sms_insreq', single: 'Sms_insreq', manyToMany: 'Sms_insreq' },
  soap: { oneToMany: 'SmsInsert_1_N', single: 'SmsInsert_1_N', manyToMany: 'SmsInsert_N_N' },
  json: { oneToMany: 'Send_1_N', single: 'Send_1_N', manyToMany: 'Send_N_N' },
};

/** APIs that report what a send was charged (HTTP `charge`, JSON `Charge`). */
export const REPORTS_CHARGE: Readonly<Record<WireApi, boolean>> = {
  http: true,
  xml: false,
  soap: false,
  json: true,
};

/** APIs with an originator (sender) field. */
export const CARRIES_SENDER: Readonly<Record<WireApi, boolean>> = {
  http: true,
  xml: false,
  soap: false,
  json: true,
};

/** `count` distinct canonical Turkish mobile numbers starting at `from`. */
export function numbers(count: number, from = 1): string[] {
  return Array.from({ length: count }, (_, i) => `9053${String(from + i).padStart(8, '0')}`);
}

/** The sentence every transport must carry exactly (ISO-8859-9 letters, an em dash, XML specials). */
export const TURKISH_TEXT = `Şişli'de ığdır İÇİN çok güzel öğün — 5 < 6 & "tamam"`;
