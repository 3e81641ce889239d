import { InvalidOptionsError } from '../errors/validation.error.js';
import type { PostaGuverciniModuleOptions, TransportName } from '../posta-guvercini.options.js';
import { HttpTransport } from './http.transport.js';
import { InMemoryTransport } from './in-memory.transport.js';
import { JsonTransport } from './json.transport.js';
import { SoapTransport } from './soap.transport.js';
import { SmsTransport } from './sms-transport.js';
import { XmlTransport } from './xml.transport.js';

const TRANSPORT_NAMES: readonly TransportName[] = ['http', 'xml', 'soap', 'json', 'memory'];

/** Whether a value can serve as a transport (an `SmsTransport`, even from another copy of the package). */
export function isSmsTransport(value: unknown): value is SmsTransport {
  if (value instanceof SmsTransport) return true;
  const candidate = value as Partial<SmsTransport> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.send === 'function' &&
    typeof candidate.status === 'function' &&
    typeof candidate.credit === 'function'
  );
}

/** Builds the transport named in the module options (or returns the user's instance). */
export function createTransport(options: PostaGuverciniModuleOptions): SmsTransport {
  const transport = options.transport ?? 'json';
  if (typeof transport !== 'string') {
    if (isSmsTransport(transport)) return transport;
    throw new InvalidOptionsError(
      'transport',
      `expected one of ${TRANSPORT_NAMES.map((n) => `'${n}'`).join(', ')} or an instance of a class extending SmsTransport`,
    );
  }
  if (transport === 'memory') return new InMemoryTransport();
  const wire = {
    accounts: options.accounts ?? {},
    ...(options.allowInsecureHttp !== undefined
      ? { allowInsecureHttp: options.allowInsecureHttp }
      : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.sender !== undefined ? { sender: options.sender } : {}),
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.httpClient !== undefined ? { httpClient: options.httpClient } : {}),
  };
  switch (transport) {
    case 'http':
      return new HttpTransport(wire);
    case 'xml':
      return new XmlTransport(wire);
    case 'soap':
      return new SoapTransport(wire);
    case 'json':
      return new JsonTransport(wire);
    default:
      throw new InvalidOptionsError(
        'transport',
        `"${String(transport)}" is not a transport; expected one of ${TRANSPORT_NAMES.map((n) => `'${n}'`).join(', ')} or an SmsTransport instance`,
      );
  }
}
