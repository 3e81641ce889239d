import type { Provider } from '@nestjs/common';
import { RESOLVED_HEALTH_OPTIONS, VALIDATED_MODULE_OPTIONS } from '../posta-guvercini.constants.js';
import type { ValidatedModuleOptions } from '../posta-guvercini.options.js';
import { resolveHealthOptions } from './posta-guvercini-health.options.js';

/**
 * The health indicator's resolved slice of the module options (injected into
 * `PostaGuverciniHealthIndicator`, which the application registers in its own health module).
 */
export function createHealthOptionsProvider(): Provider {
  return {
    provide: RESOLVED_HEALTH_OPTIONS,
    useFactory: (options: ValidatedModuleOptions) => resolveHealthOptions(options),
    inject: [VALIDATED_MODULE_OPTIONS],
  };
}

export const healthExports = [RESOLVED_HEALTH_OPTIONS];
