import type { DeliveryReport, DeliveryStatus } from './sms-transport.types.js';

/** What a provider delivery-status code means in the package's one model. */
export interface DeliveryStatusInfo {
  readonly status: DeliveryStatus;
  /** The documented meaning (protocol reference §6, paraphrased in English). */
  readonly description: string;
  /** Whether the state cannot change any more, when the provider does not say (no `|F` flag). */
  readonly final: boolean;
}

const entry = (
  status: DeliveryStatus,
  description: string,
  final: boolean,
): DeliveryStatusInfo => ({
  status,
  description,
  final,
});

/**
 * Delivery-status codes of Posta Güvercini (XML `res`, HTTP `status`, JSON `SmsStatus`; the
 * SOAP transport asks the XML API), from the protocol reference §6: the official table (S1 Appendix B) plus the
 * newer codes of the vendor list quoted by S2. Whether a code is final is an inference where
 * the provider does not send its own flag.
 */
export const DELIVERY_STATUS_CODES: Readonly<Record<string, DeliveryStatusInfo>> = {
  '110': entry('waiting_credit', 'waiting for credit to be loaded', false),
  '120': entry('scheduled', 'waiting for the scheduled send time', false),
  '200': entry('pending', 'about to be sent to the SMSC', false),
  '300': entry('sent', 'sent to the SMSC', false),
  '400': entry('delivered', 'delivered to the recipient', true),
  '401': entry('sent', 'will be sent to the recipient', false),
  '402': entry('undelivered', 'not delivered', true),
  '403': entry('undelivered', 'not delivered (timeout)', true),
  '404': entry('undelivered', 'not delivered (unknown line or unknown error)', true),
  '405': entry('undelivered', 'not delivered (system error)', true),
  '406': entry('undelivered', 'not delivered (line closed to SMS)', true),
  '407': entry('undelivered', 'not delivered (device error)', true),
  '408': entry('undelivered', 'not delivered (device unreachable)', true),
  '409': entry('undelivered', 'not delivered (operator restriction)', true),
  '410': entry('unknown', 'message not found at the SMSC', true),
  '411': entry('undelivered', 'not delivered (device memory full)', true),
  '412': entry('undelivered', 'not delivered (subscriber unreachable)', true),
  '413': entry(
    'undelivered',
    'not delivered (insufficient authorisation in the subscriber profile)',
    true,
  ),
  '414': entry('undelivered', 'not delivered (unknown subscriber or insufficient balance)', true),
  '420': entry('unknown', 'message not found on the server', true),
  '421': entry('rejected', 'İYS (commercial-message permission system) error', true),
  '422': entry('rejected', 'İYS parameter error', true),
  '423': entry('rejected', 'İYS definition error', true),
  '424': entry('rejected', 'İYS: recipient not in the approved list', true),
  '425': entry('rejected', 'İYS: invalid number', true),
  '426': entry('rejected', 'İYS: unknown error', true),
  '-20': entry('unknown', 'this message does not belong to the account', true),
  '-200': entry('rejected', 'definition error', true),
  '-201': entry('rejected', 'deleted: invalid mobile number', true),
  '-202': entry('rejected', 'deleted: duplicate message (same text to the same number)', true),
  '-203': entry('rejected', 'deleted: invalid last-send date (validity)', true),
  '-205': entry('rejected', 'deleted: message too long', true),
  '-207': entry('rejected', 'deleted: rejected by the SMSC', true),
  '-208': entry('rejected', 'deleted: rejected by the SMSC (insufficient credit)', true),
  '-210': entry('expired', 'deleted: validity ended before delivery', true),
  '-211': entry('rejected', 'deleted: Turkish ID number not found', true),
  '-212': entry('rejected', 'deleted: several Turkish ID numbers', true),
  '-213': entry('rejected', 'deleted: invalid Turkish ID number', true),
  '-214': entry('rejected', 'deleted: tax number not found', true),
  '-220': entry('expired', 'deleted: waited too long for credit', true),
  '-222': entry('rejected', 'not delivered: the subscriber blocks these messages', true),
  '-223': entry('rejected', 'not delivered: sending restriction', true),
  '-241': entry('rejected', 'deleted: the recipient opted out (RET)', true),
  '-242': entry('rejected', 'deleted: permission marketing blacklist', true),
  '-243': entry('rejected', 'deleted: permission marketing, not in the list', true),
  '-250': entry('cancelled', 'deleted by the customer (cancelled)', true),
  '-260': entry('rejected', 'deleted: unpaid invoice', true),
  '-261': entry('rejected', 'deleted: virtual number blocked', true),
  '-262': entry('rejected', 'deleted: alphanumeric sender without operator code blocked', true),
  '-263': entry('rejected', 'deleted: content filter', true),
  '-270': entry('rejected', 'deleted: number could not be routed', true),
  '-426': entry('rejected', 'simple sending error', true),
  '-441': entry('rejected', 'alphanumeric sender error', true),
  '-444': entry('rejected', 'subscriber block request', true),
  '-447': entry('rejected', 'messages with Turkish characters may not exceed 268 characters', true),
  '-462': entry('rejected', 'invoice debt', true),
  '-470': entry('rejected', 'no mobile number found for the Turkish ID number', true),
  '-471': entry('rejected', 'several mobile numbers for one Turkish ID number', true),
  '-475': entry('rejected', 'invalid Turkish ID number', true),
  '-2478': entry('rejected', 'no mobile number found for the tax number', true),
  '-3000': entry('rejected', 'no data found', true),
  '-3001': entry('rejected', 'company not authorised to send by Turkish ID number', true),
  '-3010': entry('rejected', 'only one content allowed when sending by Turkish ID number', true),
  '-3099': entry('rejected', 'Turkish ID number check service error', true),
  '-10001': entry('rejected', 'virtual number activated today, no credit loaded', true),
  '-14241': entry('rejected', 'no credit', true),
};

/** What an empty code means: the provider does not know the message id. */
export const UNKNOWN_MESSAGE_STATUS: DeliveryStatusInfo = entry(
  'unknown',
  'message id not known to the provider',
  true,
);

/**
 * Maps a raw provider status code (`400`, `-202`, also `400|1` with the final flag) to the
 * package's `DeliveryStatus`, its meaning and whether it is final. When the raw value carries
 * a `|F` flag, the flag wins over the table. Undocumented codes in the deleted range
 * (-201…-299) map to `rejected`; any other undocumented code to `unknown` (not final unless
 * flagged), with a description that says so.
 */
export function deliveryStatusOf(raw: string): DeliveryStatusInfo & { readonly code: string } {
  const bar = raw.indexOf('|');
  const code = (bar === -1 ? raw : raw.slice(0, bar)).trim();
  const flag = bar === -1 ? undefined : raw.slice(bar + 1).trim();
  const known =
    code === ''
      ? UNKNOWN_MESSAGE_STATUS
      : (DELIVERY_STATUS_CODES[code] ??
        (/^-2\d\d$/.test(code)
          ? entry('rejected', `deleted (undocumented code ${code})`, true)
          : entry('unknown', `undocumented status code ${code}`, false)));
  const final = flag === '1' ? true : flag === '0' ? false : known.final;
  return { code, status: known.status, description: known.description, final };
}

/** The report for one message id from the provider's raw status (`CODE` or `CODE|FINAL`). */
export function deliveryReportOf(messageId: string, raw: string): DeliveryReport {
  const status = deliveryStatusOf(raw);
  return {
    messageId,
    status: status.status,
    final: status.final,
    providerCode: status.code,
    description: status.description,
  };
}
