/**
 * Meanings of the provider's request-level error codes, from the protocol reference
 * (`shared/protocol/posta-guvercini.md` §2.5, §3.7, §5.4). Keys are the raw code as the
 * provider sends it: HTTP `errno` values (`-1003`), XML `ERRnnnn`, JSON `StatusCode`.
 */
export const HTTP_ERRNO_MEANINGS: Readonly<Record<string, string>> = {
  '0': 'no error',
  '-1001': 'invalid user name',
  '-1002': 'invalid password',
  '-1003': 'invalid GSM number',
  '-1004': 'invalid text parameter',
  '-1005': 'invalid message_id',
  '-2001': 'API internal error',
  '-2002': 'database error',
  '10': 'wrong user name or password',
  '20': 'insufficient credit',
  '30': 'operator logo code wrong',
  '31': 'not the owner of the operator logo',
  '32': 'not an operator logo',
  '40': 'ringtone code wrong',
  '41': 'not the owner of the ringtone',
  '42': 'not a ringtone',
  '50': 'binary SMS code wrong',
  '51': 'not the owner of the binary SMS',
};

export const XML_ERROR_MEANINGS: Readonly<Record<string, string>> = {
  ERR1001: 'wrong user name or password',
  ERR1010: 'request error: database connection operation failed',
  ERR1020: 'request error: could not connect to the database',
  ERR1030: 'request error: could not write the request-history record',
  ERR1040: 'request error: could not obtain the history record number',
  ERR1050: 'request error: the request could not be evaluated (malformed request)',
  ERR1060: 'receiver list is empty',
  ERR1063: 'invalid send time (dt)',
  ERR1064: 'invalid last-send time (dt2)',
  ERR1070: 'more than 800 recipients in one request',
  ERR1080: 'receiver and message counts differ',
  ERR1090: 'message text is empty',
};

export const JSON_STATUS_MEANINGS: Readonly<Record<string, string>> = {
  '200': 'OK',
  '400': 'bad request',
  '500': 'server error or invalid credentials',
  '1010': 'request error: database error',
  '1020': 'request error: database connection failed',
  '1030': 'request error: history record',
  '1040': 'request error: no record found',
  '1050': 'request error: unknown method or request could not be evaluated',
  '1060': 'receiver list is empty',
  '1061': 'invalid receiver',
  '1063': 'invalid SendDate format',
  '1064': 'invalid ExpireDate format',
  '1070': 'more than 800 recipients in one request',
  '1080': 'receiver and message counts differ',
  '1090': 'message text is empty',
  '2020': 'status query: database error',
  '2030': 'status query: history record',
  '2040': 'status query: no record found',
  '2050': 'status query: database method error',
  '7020': 'credit query: database error',
  '7030': 'credit query: history record',
  '7040': 'credit query: no record found',
  '7050': 'credit query: database method error',
};

/** XML error-code families by page (S1): the first digit of `ERRnnnn`. */
const XML_ERROR_FAMILIES: Readonly<Record<string, string>> = {
  '2': 'status query',
  '3': 'delete request',
  '7': 'credit query',
  '8': 'originator query',
  '9': 'registration request',
};

export type ProviderApi = 'http' | 'xml' | 'soap' | 'json';

/** Looks up the documented meaning of a provider code for an API; `undefined` if unknown. */
export function providerCodeMeaning(api: ProviderApi, code: string): string | undefined {
  switch (api) {
    case 'http':
      return HTTP_ERRNO_MEANINGS[code];
    case 'xml':
    case 'soap': {
      const match = /ERR(\d)(\d{3})/.exec(code);
      if (!match) return HTTP_ERRNO_MEANINGS[code];
      const exact = XML_ERROR_MEANINGS[match[0]];
      if (exact !== undefined || match[1] === '1') return exact;
      // Other pages use the same kinds under their own family digit (ERR2xxx status, ERR7xxx credit).
      const kind = XML_ERROR_MEANINGS[`ERR1${match[2]}`];
      return kind === undefined
        ? undefined
        : `${XML_ERROR_FAMILIES[match[1]!] ?? 'request'}: ${kind}`;
    }
    case 'json':
      return JSON_STATUS_MEANINGS[code];
  }
}
