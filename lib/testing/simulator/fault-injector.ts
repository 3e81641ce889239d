import type {
  InjectedFault,
  SimulatedApi,
  SimulatorFaultKind,
  SimulatorFaultSpec,
  SimulatorProfile,
} from './simulator.types.js';

/** Operation kind common to all APIs, for fault scoping. */
export type OperationKind = 'send' | 'status' | 'credit' | 'originator' | 'unknown';

const KINDS: ReadonlySet<SimulatorFaultKind> = new Set([
  'latency',
  'http-status',
  'reset',
  'malformed',
  'provider-error',
]);

class Fault implements InjectedFault {
  hits = 0;
  remaining: number;
  readonly operation?: string;

  constructor(readonly spec: SimulatorFaultSpec) {
    this.remaining = spec.times ?? 1;
    this.operation = spec.operation?.toLowerCase();
  }

  matches(
    profile: SimulatorProfile,
    api: SimulatedApi,
    operation: string,
    kind: OperationKind,
  ): boolean {
    return (
      this.remaining > 0 &&
      (this.spec.profile === undefined || this.spec.profile === profile) &&
      (this.spec.api === undefined || this.spec.api === api) &&
      (this.operation === undefined ||
        this.operation === operation.toLowerCase() ||
        this.operation === kind)
    );
  }

  consume(): void {
    this.hits++;
    this.remaining--;
  }
}

/** What the faults say about one request: an optional delay and at most one other fault. */
export interface FaultDecision {
  readonly delayMs: number;
  readonly fault?: SimulatorFaultSpec;
}

const NONE: FaultDecision = { delayMs: 0 };

/**
 * Holds injected faults in order. For each request the first matching `latency` fault and
 * the first matching fault of another kind apply (each counts one of its `times`).
 */
export class FaultInjector {
  private faults: Fault[] = [];

  add(spec: SimulatorFaultSpec): InjectedFault {
    if (!KINDS.has(spec.kind))
      throw new RangeError(
        `Unknown fault kind "${String(spec.kind)}"; use one of ${[...KINDS].join(', ')}`,
      );
    const times = spec.times ?? 1;
    if (!(times > 0) || (!Number.isInteger(times) && times !== Infinity)) {
      throw new RangeError(`Fault "times" must be a positive integer or Infinity, got ${times}`);
    }
    if (spec.ms !== undefined && !(Number.isFinite(spec.ms) && spec.ms >= 0))
      throw new RangeError(`Fault "ms" must be ≥ 0, got ${spec.ms}`);
    if (
      spec.status !== undefined &&
      !(Number.isInteger(spec.status) && spec.status >= 100 && spec.status <= 599)
    ) {
      throw new RangeError(`Fault "status" must be an HTTP status 100–599, got ${spec.status}`);
    }
    const fault = new Fault({ ...spec });
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  decide(
    profile: SimulatorProfile,
    api: SimulatedApi,
    operation: string,
    kind: OperationKind,
  ): FaultDecision {
    if (this.faults.length === 0) return NONE;
    let latency: Fault | undefined;
    let other: Fault | undefined;
    for (const fault of this.faults) {
      if (!fault.matches(profile, api, operation, kind)) continue;
      if (fault.spec.kind === 'latency') latency ??= fault;
      else other ??= fault;
    }
    latency?.consume();
    other?.consume();
    if (this.faults.some((fault) => fault.remaining <= 0))
      this.faults = this.faults.filter((fault) => fault.remaining > 0);
    if (latency === undefined && other === undefined) return NONE;
    return { delayMs: latency ? (latency.spec.ms ?? 1000) : 0, fault: other?.spec };
  }
}
