import { loadOptionalPeer } from '../optional-peer.js';

// Loading the optional peer `@nestjs/terminus` for PostaGuverciniHealthIndicator, once, the first
// time a check runs; and the part of its API the indicator uses.

/** The part of terminus' `HealthIndicatorSession` this indicator uses (`degraded` is 12.x). */
export interface TerminusSession {
  up(data: Record<string, unknown>): Record<string, unknown>;
  down(data: Record<string, unknown>): Record<string, unknown>;
  degraded?(data: Record<string, unknown>): Record<string, unknown>;
}
export interface TerminusHealthIndicatorService {
  check(key: string): TerminusSession;
}

let terminusService: Promise<TerminusHealthIndicatorService> | undefined;

/**
 * Loads `@nestjs/terminus` (an optional peer dependency) the first time a check runs, so that
 * applications without health checks never need it. `HealthIndicatorService` arrived in
 * terminus 11; older majors only have the deprecated `HealthIndicator` base class.
 */
export function loadTerminus(): Promise<TerminusHealthIndicatorService> {
  terminusService ??= loadOptionalPeer<{ HealthIndicatorService: new () => unknown }>(
    '@nestjs/terminus',
    'PostaGuverciniHealthIndicator',
    () => import('@nestjs/terminus'),
    'HealthIndicatorService',
  ).then(
    ({ HealthIndicatorService }) => new HealthIndicatorService() as TerminusHealthIndicatorService,
    (error: unknown) => {
      terminusService = undefined;
      throw error;
    },
  );
  return terminusService;
}
