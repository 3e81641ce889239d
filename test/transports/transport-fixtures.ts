import type { PostaGuverciniSimulatorOptions } from '../../lib/testing/simulator/simulator.types.js';
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
  // No attested SmsInsert_N_N parameter names: N-N goes as SmsInsert_1_N per distinct text.
  soap: { oneToMany: 'SmsInsert_1_N', single: 'SmsInsert_1_N', manyToMany: 'SmsInsert_1_N' },
  json: { oneToMany: 'Send_1_N', single: 'Send_1_N', manyToMany: 'Send_N_N' },
};

/** APIs that report what a send was charged (HTTP `charge`, JSON `Charge`). */
export const REPORTS_CHARGE: Readonly<Record<WireApi, boolean>> = {
  http: true,
  xml: false,
  soap: false,
  json: true,
};

/** APIs with an attested originator (sender) field: only JSON. */
export const CARRIES_SENDER: Readonly<Record<WireApi, boolean>> = {
  http: false,
  xml: false,
  soap: false,
  json: true,
};

/** APIs without an attested N-N request: N-N is sent as one 1-N request per distinct text. */
export const EMULATES_MANY_TO_MANY: Readonly<Record<WireApi, boolean>> = {
  http: true,
  xml: false,
  soap: true,
  json: false,
};

/**
 * The simulator's reply forms each transport must read (reference §12), as simulator options.
 * Every form of every option appears at least once; SOAP reads status through the XML API.
 */
export const REPLY_FORMS: Readonly<
  Record<WireApi, readonly (readonly [string, PostaGuverciniSimulatorOptions])[]>
> = {
  http: [
    ['status CODE|F, one-block bulk replies', {}],
    [
      'bare status code, per-recipient bulk replies',
      { httpStatusForm: 'code', httpBulkReplyForm: 'per-recipient' },
    ],
  ],
  xml: [
    ['replies without <?xml?> declaration', {}],
    ['replies with <?xml?> declaration', { xmlReplyDeclaration: true }],
  ],
  soap: [
    ['XML status replies without <?xml?> declaration', {}],
    ['XML status replies with <?xml?> declaration', { xmlReplyDeclaration: true }],
  ],
  json: [['its one reply form', {}]],
};

/** `count` distinct canonical Turkish mobile numbers starting at `from`. */
export function numbers(count: number, from = 1): string[] {
  return Array.from({ length: count }, (_, i) => `9053${String(from + i).padStart(8, '0')}`);
}

/** The sentence every transport must carry exactly (ISO-8859-9 letters, an em dash, XML specials). */
export const TURKISH_TEXT = `Şişli'de ığdır İÇİN çok güzel öğün — 5 < 6 & "tamam"`;
