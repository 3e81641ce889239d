// Test entry (`nestjs-posta-guvercini/testing`): what users need in their own tests.
export { InMemoryTransport } from '../transports/in-memory.transport.js';
export type { OutboxMessage, InMemoryTransportOptions } from '../transports/in-memory.transport.js';

// Provider simulator (HTTP, XML, SOAP, JSON on the OTP and bulk host profiles)
export {
  PostaGuverciniSimulator,
  SIMULATOR_DEFAULT_ACCOUNTS,
} from './simulator/posta-guvercini.simulator.js';
export type {
  PostaGuverciniSimulatorOptions,
  SimulatorProfile,
  SimulatedApi,
  SimulatorCredentials,
  SimulatorTlsOptions,
  SimulatedMessage,
  SimulatedRequest,
  SimulatedStatus,
  SimulatorFaultKind,
  SimulatorFaultSpec,
  InjectedFault,
  HttpStatusForm,
  HttpBulkReplyForm,
} from './simulator/simulator.types.js';
