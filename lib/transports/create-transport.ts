import { HttpTransport } from './http.transport.js';
import { InMemoryTransport } from './in-memory.transport.js';
import { JsonTransport } from './json.transport.js';
import { withResolvedWireOptions } from './resolve-accounts.js';
import type { ResolvedTransportOptions } from './resolve-transport-options.js';
import { SmsTransport } from './sms-transport.js';
import { SoapTransport } from './soap.transport.js';
import { XmlTransport } from './xml.transport.js';

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

/**
 * Builds the transport the resolved options name (or returns the user's instance). The
 * accounts and connectivity were resolved once by `resolveTransportOptions`; the wire
 * transport takes them as they are.
 */
export function createTransport(resolved: ResolvedTransportOptions): SmsTransport {
  switch (resolved.kind) {
    case 'instance':
      return resolved.transport;
    case 'memory':
      return new InMemoryTransport();
    case 'http':
      return new HttpTransport(
        withResolvedWireOptions(resolved.wire, resolved.accounts, resolved.connectivity),
      );
    case 'xml':
      return new XmlTransport(
        withResolvedWireOptions(resolved.wire, resolved.accounts, resolved.connectivity),
      );
    case 'soap':
      return new SoapTransport(
        withResolvedWireOptions(resolved.wire, resolved.accounts, resolved.connectivity),
      );
    case 'json':
      return new JsonTransport(
        withResolvedWireOptions(resolved.wire, resolved.accounts, resolved.connectivity),
      );
  }
}
