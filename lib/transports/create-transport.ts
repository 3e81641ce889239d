import { HttpTransport } from './http.transport.js';
import { InMemoryTransport } from './in-memory.transport.js';
import { JsonTransport } from './json.transport.js';
import { withResolvedWireOptions } from './resolve-accounts.js';
import type { ResolvedTransportOptions } from './resolve-transport-options.js';
import type { SmsTransport } from './sms-transport.js';
import { SoapTransport } from './soap.transport.js';
import { XmlTransport } from './xml.transport.js';

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
