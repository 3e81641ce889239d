// Test entry (`nestjs-posta-guvercini/testing`): what users need in their own tests.
export { InMemoryTransport } from '../transports/in-memory.transport.js';
export type { OutboxMessage, InMemoryTransportOptions } from '../transports/in-memory.transport.js';
