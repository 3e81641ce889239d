import type { IncomingHttpHeaders } from 'node:http';
import {
  type ApiCall,
  type ApiReply,
  htmlErrorReply,
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
import type { SimulatorBehaviour } from './simulator.types.js';
import {
  ACTION_PARAMETER,
  BODY_OPERATION,
  dateField,
  fault,
  type Fields,
  list,
  operationOfAction,
  readSoapEnvelope,
  result,
  scalar,
  SoapFault,
  SoapResultError,
  strings,
  versionOf,
} from './soap-envelope.js';
import { escapeXml, MalformedXmlError } from './simulator-xml.js';

export { parseXsdDateTime, SOAP_SERVICE_NAMESPACE } from './soap-envelope.js';

/** The four operations public clients attest (reference §4.2, §12). */
const ATTESTED: Readonly<Record<string, RoutedOperation>> = {
  SmsInsert_1_N: { operation: 'SmsInsert_1_N', kind: 'send' },
  SmsInsert_N_N: { operation: 'SmsInsert_N_N', kind: 'send' },
  CreditBalance: { operation: 'CreditBalance', kind: 'credit' },
  IdCheck: { operation: 'IdCheck', kind: 'originator' },
};
/** Served only with `assumeSoapStatusOperation`. */
const ASSUMED_STATUS: RoutedOperation = { operation: 'SmsStatus', kind: 'status' };
const UNKNOWN: RoutedOperation = { operation: 'unknown', kind: 'unknown' };

/**
 * `/api_ws/smsservice.asmx` — the ASMX web service (reference §4, §12), SOAP 1.1 (`text/xml`,
 * operation from `SOAPAction`) and SOAP 1.2 (`application/soap+xml`, operation from the
 * `action` parameter or the body element), as ASMX serves both.
 *
 * Only the four attested operations are served: `SmsInsert_1_N`, `CreditBalance`, `IdCheck`,
 * and `SmsInsert_N_N` (whose parameter names are unknown: served with `Recepients`/`Messages`
 * only under `assumeSoapManyToManyElementNames`, else a `soap:Server` fault). `SmsStatus` exists
 * only under `assumeSoapStatusOperation`; otherwise it is answered like any operation ASMX
 * does not know: a `soap:Client` fault, HTTP 500. A value ASMX cannot deserialise (an empty or
 * malformed `dateTime`) is a `soap:Client` fault with HTTP 500, as ASMX answers it.
 */
export class SoapApiHandler implements SimulatedApiHandler {
  readonly api = 'soap' as const;
  readonly prefix = '/api_ws/';

  constructor(
    private readonly provider: SimulatedProvider,
    private readonly behaviour: Pick<
      SimulatorBehaviour,
      'assumeSoapStatusOperation' | 'assumeSoapManyToManyElementNames'
    >,
  ) {}

  route(
    lowerPath: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): RoutedOperation | undefined {
    if (lowerPath !== '/api_ws/smsservice.asmx') return undefined;
    const version = versionOf(headers);
    let name: string | undefined;
    if (version === '1.2') {
      const action = ACTION_PARAMETER.exec(headers['content-type'] ?? '')?.[1];
      name =
        action !== undefined
          ? operationOfAction(action)
          : BODY_OPERATION.exec(body.toString('utf8', 0, Math.min(body.length, 4096)))?.[1];
    } else {
      const action = headers['soapaction'];
      name = typeof action === 'string' ? operationOfAction(action) : undefined;
    }
    if (name === undefined) return UNKNOWN;
    if (name === 'SmsStatus' && this.behaviour.assumeSoapStatusOperation) return ASSUMED_STATUS;
    return Object.hasOwn(ATTESTED, name) ? ATTESTED[name] : UNKNOWN;
  }

  handle(call: ApiCall): ApiReply {
    if (call.method !== 'POST') {
      return { ...htmlErrorReply(405, 'Method Not Allowed'), headers: { allow: 'POST' } };
    }
    const contentType = call.headers['content-type']?.toLowerCase() ?? '';
    const version = versionOf(call.headers);
    if (version === undefined) {
      return htmlErrorReply(
        415,
        `Unsupported Media Type: SOAP needs text/xml (1.1) or application/soap+xml (1.2), got ${contentType || 'none'}`,
      );
    }
    let recipients = 0;
    try {
      if (call.operation === 'unknown') {
        throw new SoapFault(
          'Client',
          version === '1.1'
            ? `Server did not recognize the value of HTTP Header SOAPAction: ${String(call.headers['soapaction'] ?? '')}.`
            : 'Unable to handle request without a valid action parameter. Please supply a valid soap action.',
        );
      }
      const fields = readSoapEnvelope(call, version);
      switch (call.operation) {
        case 'SmsInsert_1_N':
        case 'SmsInsert_N_N': {
          recipients = strings(fields, 'Recepients').length;
          return result(version, call.operation, list(this.send(call, fields)), '0', recipients);
        }
        case 'SmsStatus': {
          recipients = strings(fields, 'MessageIds').length;
          return result(version, call.operation, list(this.status(call, fields)), '0', recipients);
        }
        case 'CreditBalance': {
          const check = this.credentials(call, fields);
          const credit = check ?? String(this.provider.creditOf(call.profile));
          return result(version, call.operation, credit, check ?? '0', 0);
        }
        default: {
          const check = this.credentials(call, fields);
          return result(
            version,
            call.operation,
            escapeXml(check ?? this.provider.originator),
            check ?? '0',
            0,
          );
        }
      }
    } catch (caught) {
      if (caught instanceof SoapResultError)
        return result(version, call.operation, list([caught.code]), caught.code, recipients);
      if (caught instanceof SoapFault) return fault(version, caught, recipients);
      if (caught instanceof MalformedXmlError)
        return fault(
          version,
          new SoapFault('Client', `There is an error in XML document: ${caught.message}`),
          recipients,
        );
      throw caught;
    }
  }

  /** `undefined` when the credentials are right, else the code to answer. */
  private credentials(call: ApiCall, fields: Fields): string | undefined {
    const check = this.provider.checkCredentials(
      call.profile,
      scalar(fields, 'Username'),
      scalar(fields, 'Password'),
    );
    return check === 'ok' ? undefined : check === 'user' ? '-1001' : '-1002';
  }

  private send(call: ApiCall, fields: Fields): string[] {
    const check = this.credentials(call, fields);
    if (check !== undefined) throw new SoapResultError(check);
    const numbers = strings(fields, 'Recepients').map((value) => value.trim());
    const manyToMany = call.operation === 'SmsInsert_N_N';
    if (manyToMany && !this.behaviour.assumeSoapManyToManyElementNames) {
      throw new SoapFault(
        'Server',
        "Server was unable to process request. ---> SmsInsert_N_N's parameter names are not attested; the simulator reads Recepients/Messages only with the option assumeSoapManyToManyElementNames.",
      );
    }
    const texts = manyToMany ? strings(fields, 'Messages') : [];
    const text = manyToMany ? '' : (scalar(fields, 'Message') ?? '');
    if (numbers.length === 0) throw new SoapResultError('ERR1060');
    if (manyToMany && texts.length !== numbers.length) throw new SoapResultError('ERR1080');
    if (numbers.length > MAX_ITEMS_PER_REQUEST) throw new SoapResultError('ERR1070');
    if (manyToMany ? texts.some((value) => value.trim() === '') : text.trim() === '')
      throw new SoapResultError('ERR1090');
    const sendAt = dateField(fields, 'SendDate');
    const validUntil = dateField(fields, 'ExpireDate');
    const results: string[] = numbers.map(() => '-1003');
    const items: SendItem[] = [];
    const positions: number[] = [];
    numbers.forEach((number, position) => {
      const to = normalizeSimulatedNumber(number);
      if (to === undefined) return;
      items.push({ to, text: manyToMany ? texts[position]! : text });
      positions.push(position);
    });
    if (items.length > 0) {
      const outcome = this.provider.send({
        profile: call.profile,
        api: 'soap',
        items,
        sendAt,
        validUntil,
        creditPolicy: 'wait',
      });
      if (outcome.ok)
        outcome.messages.forEach((message, i) => (results[positions[i]!] = message.id));
    }
    return results;
  }

  private status(call: ApiCall, fields: Fields): string[] {
    const check = this.credentials(call, fields);
    if (check !== undefined) throw new SoapResultError(check);
    const ids = strings(fields, 'MessageIds').map((id) => id.trim());
    if (ids.length > MAX_ITEMS_PER_REQUEST) throw new SoapResultError('ERR1070');
    return ids.map((id) => {
      if (this.provider.find(id, call.profile) === undefined)
        return this.provider.belongsToOther(id, call.profile) ? '-20|1' : '420|1';
      const status = this.provider.statusOf(id)!;
      return `${status.code}|${status.final ? 1 : 0}`;
    });
  }

  providerError(call: ApiCall, code: string | number | undefined): ApiReply {
    const value = String(code ?? '-2001');
    const operation = call.operation === 'unknown' ? 'SmsInsert_1_N' : call.operation;
    const payload =
      operation === 'CreditBalance' || operation === 'IdCheck' ? escapeXml(value) : list([value]);
    return result(versionOf(call.headers) ?? '1.1', operation, payload, value, 0);
  }

  malformed(reply: ApiReply): ApiReply {
    return truncatedReply(reply);
  }
}
