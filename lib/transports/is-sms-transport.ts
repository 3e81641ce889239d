import { SmsTransport } from './sms-transport.js';

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
